using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// Slack's Socket Mode end on 127.0.0.1: a real WebSocket server that says hello, sends envelopes and disconnect
/// messages when a test asks, records every acknowledgement, and can drop a socket without a goodbye.
/// <see cref="FakeSlack"/>'s apps.connections.open hands out its address.
/// </summary>
public sealed class FakeSocketMode : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeSocketConnection> _connections = new();
    private long _sequence;
    private int _tickets;
    private volatile TaskCompletionSource? _helloGate;

    private FakeSocketMode(WebApplication app) => _app = app;

    public static async Task<FakeSocketMode> StartAsync(FakeSlack slack)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        var fake = new FakeSocketMode(app);
        app.Map("/link", async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest) return Results.BadRequest();
            var socket = await http.WebSockets.AcceptWebSocketAsync();
            var connection = new FakeSocketConnection(fake, socket, http, fake._connections.Count + 1, http.Request.Query["ticket"].ToString());
            fake._connections.Enqueue(connection);
            await connection.RunAsync(fake._helloGate?.Task);
            return Results.Empty;
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        slack.SocketModeUrl = () => $"ws://127.0.0.1:{address.Port}/link?ticket={Interlocked.Increment(ref fake._tickets)}&app_id=A0APP";
        return fake;
    }

    public IReadOnlyList<FakeSocketConnection> Connections => _connections.ToList();

    /// <summary>Orders what happened across connections: every hello, acknowledgement and close gets the next number.</summary>
    internal long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>New connections wait for <see cref="ReleaseHello"/> before Slack's hello, as a slow Slack would.</summary>
    public void HoldHello() => _helloGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseHello()
    {
        var gate = _helloGate;
        _helloGate = null;
        gate?.TrySetResult();
    }

    /// <summary>Waits until connection <paramref name="number"/> (1-based) exists and, unless hello is held, has been greeted.</summary>
    public async Task<FakeSocketConnection> WaitForConnectionAsync(int number, bool greeted = true)
    {
        FakeSocketConnection? found = null;
        await Eventually.TrueAsync(() =>
        {
            found = Connections.Skip(number - 1).FirstOrDefault();
            return found is not null && (!greeted || found.HelloAt is not null);
        }, $"Socket Mode connection {number}{(greeted ? " with hello" : "")}", Patience);
        return found!;
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHello();
        foreach (var c in Connections) c.Drop();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One WebSocket the bot opened to <see cref="FakeSocketMode"/>.</summary>
public sealed class FakeSocketConnection(FakeSocketMode owner, WebSocket socket, HttpContext http, int number, string ticket)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentQueue<(JsonObject Message, long At)> _received = new();
    private int _envelopes;

    public int Number { get; } = number;
    public string Ticket { get; } = ticket;

    /// <summary>When hello was sent, in <see cref="FakeSocketMode"/>'s sequence; null until then.</summary>
    public long? HelloAt { get; private set; }

    /// <summary>When the bot's close arrived, in the same sequence; null while the bot keeps the socket open.</summary>
    public long? ClosedByBotAt { get; private set; }

    public IReadOnlyList<JsonObject> Received => _received.Select(r => r.Message).ToList();

    internal async Task RunAsync(Task? helloGate)
    {
        try
        {
            if (helloGate is not null) await helloGate;
            await SendAsync(new JsonObject
            {
                ["type"] = "hello",
                ["num_connections"] = Number,
                ["debug_info"] = new JsonObject { ["host"] = "fake-socket-mode", ["approximate_connection_time"] = 18060 },
                ["connection_info"] = new JsonObject { ["app_id"] = "A0APP" },
            });
            HelloAt = owner.NextSequence();

            var buffer = new byte[64 * 1024];
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClosedByBotAt = owner.NextSequence();
                    await _send.WaitAsync();
                    try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None); }
                    finally { _send.Release(); }
                    return;
                }
                _received.Enqueue(((JsonObject)JsonNode.Parse(message.ToArray())!, owner.NextSequence()));
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Dropped by a test or by the bot.
        }
    }

    public async Task SendAsync(JsonObject message)
    {
        await _send.WaitAsync();
        try { await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None); }
        finally { _send.Release(); }
    }

    /// <summary>Sends an envelope the way Slack does and returns its envelope_id.</summary>
    public async Task<string> SendEnvelopeAsync(string type, JsonObject payload, bool acceptsResponsePayload, string? envelopeId = null, int retryAttempt = 0)
    {
        envelopeId ??= $"env-{Number}-{Interlocked.Increment(ref _envelopes)}-{Guid.NewGuid():N}";
        var envelope = new JsonObject
        {
            ["envelope_id"] = envelopeId,
            ["type"] = type,
            ["payload"] = payload.DeepClone(),
            ["accepts_response_payload"] = acceptsResponsePayload,
        };
        if (retryAttempt > 0)
        {
            envelope["retry_attempt"] = retryAttempt;
            envelope["retry_reason"] = "timeout";
        }
        await SendAsync(envelope);
        return envelopeId;
    }

    public Task DisconnectAsync(string reason) => SendAsync(new JsonObject
    {
        ["type"] = "disconnect",
        ["reason"] = reason,
        ["debug_info"] = new JsonObject { ["host"] = "fake-socket-mode" },
    });

    /// <summary>The acknowledgement the bot sent for an envelope, if any yet.</summary>
    public JsonObject? AckFor(string envelopeId) => _received.FirstOrDefault(r => r.Message["envelope_id"]?.ToString() == envelopeId).Message;

    public long? AckedAt(string envelopeId) => _received.Where(r => r.Message["envelope_id"]?.ToString() == envelopeId).Select(r => (long?)r.At).FirstOrDefault();

    public async Task<JsonObject> WaitForAckAsync(string envelopeId)
    {
        await Eventually.TrueAsync(() => AckFor(envelopeId) is not null, $"the acknowledgement of {envelopeId} on connection {Number}", Patience);
        return AckFor(envelopeId)!;
    }

    /// <summary>Cuts the TCP connection without a close frame, as a network failure would.</summary>
    public void Drop()
    {
        try { http.Abort(); }
        catch (ObjectDisposedException) { /* the request has already ended */ }
    }
}
