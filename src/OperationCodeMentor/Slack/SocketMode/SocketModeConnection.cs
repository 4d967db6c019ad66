using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Slack.SocketMode;

/// <summary>Why a connection stopped being the one to use: Slack asked for a new one, or the socket stopped working.</summary>
/// <param name="Reason">Slack's disconnect reason (refresh_requested, warning, …) or what went wrong with the socket.</param>
/// <param name="AskedBySlack">True for a disconnect message: the old socket still works while the new one opens.</param>
internal sealed record SocketEnd(string Reason, bool AskedBySlack);

/// <summary>
/// One Socket Mode WebSocket: reads Slack's messages, hands each envelope to the service, and sends the
/// acknowledgements. When a newer connection takes over, this one is retired: in-flight envelopes are acknowledged
/// first, then the close is sent, and reading goes on until Slack closes its side, so nothing sent during the
/// switch is dropped unseen.
/// </summary>
internal sealed partial class SocketModeConnection : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly Func<SocketModeConnection, JsonObject, Task> _onEnvelope;
    private readonly ILogger _log;
    private readonly int _maxMessageBytes;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly TaskCompletionSource<JsonObject> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SocketEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _abort = new();
    private Task _receiving = Task.CompletedTask;
    private volatile bool _closeSent;
    private int _disposed;

    public SocketModeConnection(WebSocket socket, int number, Func<SocketModeConnection, JsonObject, Task> onEnvelope, int maxMessageBytes, ILogger log)
    {
        _socket = socket;
        Number = number;
        _onEnvelope = onEnvelope;
        _maxMessageBytes = maxMessageBytes;
        _log = log;
    }

    /// <summary>Counts connections since start-up, so the log can tell them apart during a switch.</summary>
    public int Number { get; }

    /// <summary>Slack's <c>hello</c>: the connection is ready for envelopes.</summary>
    public Task<JsonObject> Hello => _hello.Task;

    /// <summary>Completes when Slack asks for a new connection or the socket stops working.</summary>
    public Task<SocketEnd> Ended => _ended.Task;

    public void Start() => _receiving = Task.Run(ReceiveLoopAsync);

    /// <summary>Sends the acknowledgement for an envelope; false when this socket can no longer send.</summary>
    public async Task<bool> AckAsync(string envelopeId, JsonObject? payload, CancellationToken ct)
    {
        var message = new JsonObject { ["envelope_id"] = envelopeId };
        if (payload is not null) message["payload"] = payload.DeepClone();
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_closeSent || _socket.State != WebSocketState.Open) return false;
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>
    /// Lets envelopes already being handled send their acknowledgements (up to <paramref name="drain"/>), sends the
    /// close, and keeps reading until Slack closes its side (up to <paramref name="closeWait"/>).
    /// </summary>
    public async Task RetireAsync(TimeProvider clock, TimeSpan drain, TimeSpan closeWait)
    {
        try { await Task.WhenAll(_inFlight.Keys).WaitAsync(drain, clock).ConfigureAwait(false); }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException) { LogDrainTimedOut(_log, Number, _inFlight.Count); }

        using (var timeout = new CancellationTokenSource(closeWait, clock))
            await SendCloseAsync("switching to a new connection", timeout.Token).ConfigureAwait(false);

        try { await _receiving.WaitAsync(closeWait, clock).ConfigureAwait(false); }
        catch (TimeoutException) { LogCloseTimedOut(_log, Number); }
        await DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                var tooLarge = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(16 * 1024), _abort.Token).ConfigureAwait(false);
                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > _maxMessageBytes)
                    {
                        // Keep reading to the end of the message so the next one starts cleanly, but keep none of it.
                        tooLarge = true;
                        buffer.ResetWrittenCount();
                    }
                } while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _ended.TrySetResult(new SocketEnd($"closed by Slack ({_socket.CloseStatusDescription ?? _socket.CloseStatus?.ToString() ?? "no reason"})", AskedBySlack: false));
                    if (!_closeSent) await SendCloseAsync(null, CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                if (tooLarge) LogTooLarge(_log, Number, _maxMessageBytes);
                else if (result.MessageType == WebSocketMessageType.Text) Handle(buffer.WrittenSpan);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            _ended.TrySetResult(new SocketEnd($"connection lost ({e.Message})", AskedBySlack: false));
        }
        finally
        {
            _hello.TrySetException(new WebSocketException("The connection ended before Slack said hello."));
            _ended.TrySetResult(new SocketEnd("connection ended", AskedBySlack: false));
        }
    }

    private void Handle(ReadOnlySpan<byte> utf8)
    {
        JsonObject? message;
        try { message = JsonNode.Parse(utf8) as JsonObject; }
        catch (JsonException) { message = null; }
        if (message is null)
        {
            LogNotJson(_log, Number);
            return;
        }

        var type = Interaction.Str(message, "type");
        if (type == "hello")
        {
            _hello.TrySetResult(message);
            return;
        }
        if (type == "disconnect")
        {
            _ended.TrySetResult(new SocketEnd(Interaction.Str(message, "reason") ?? "unspecified", AskedBySlack: true));
            return;
        }
        if (Interaction.Str(message, "envelope_id") is not { } envelopeId)
        {
            LogUnknownMessage(_log, Number, type ?? "(no type)");
            return;
        }
        if (_closeSent)
        {
            // No acknowledgement can go out on a closing socket; Slack sends the envelope again on the open one.
            LogUnackable(_log, envelopeId, Number);
            return;
        }
        var handling = Task.Run(() => _onEnvelope(this, message));
        _inFlight.TryAdd(handling, 0);
        handling.ContinueWith(t => _inFlight.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Sends this side's close, whether starting the close (retiring) or answering Slack's. It takes the send lock so
    /// it never cuts into an acknowledgement, and once it is sent no acknowledgement may follow.
    /// </summary>
    private async Task SendCloseAsync(string? description, CancellationToken ct)
    {
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            _closeSent = true;
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, description, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket is already gone; there is nothing left to close politely.
        }
        finally
        {
            _send.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _abort.CancelAsync().ConfigureAwait(false);
        _socket.Abort();
        try { await _receiving.ConfigureAwait(false); }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException) { }
        _socket.Dispose();
        _abort.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Socket Mode connection {Number}: a message over {Max} bytes was skipped")]
    private static partial void LogTooLarge(ILogger log, int number, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Socket Mode connection {Number}: a message that is not a JSON object was skipped")]
    private static partial void LogNotJson(ILogger log, int number);

    [LoggerMessage(Level = LogLevel.Information, Message = "Socket Mode connection {Number}: ignored a '{Type}' message")]
    private static partial void LogUnknownMessage(ILogger log, int number, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Envelope {EnvelopeId} arrived on connection {Number} after it began closing; Slack will send it again on the new connection")]
    private static partial void LogUnackable(ILogger log, string envelopeId, int number);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Socket Mode connection {Number}: closing with {Count} envelopes still being handled")]
    private static partial void LogDrainTimedOut(ILogger log, int number, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Socket Mode connection {Number}: Slack did not finish the close; dropped it")]
    private static partial void LogCloseTimedOut(ILogger log, int number);
}
