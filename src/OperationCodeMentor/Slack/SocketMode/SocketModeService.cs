using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Slack.SocketMode;

/// <summary>How Socket Mode is doing, for <c>/healthz</c>.</summary>
/// <param name="State">off, connecting, connected or reconnecting.</param>
/// <param name="Connection">The number of the connection in use (counted since start-up).</param>
/// <param name="LastProblem">What went wrong last, with what to do about it; null while connected.</param>
public sealed record SocketModeStatus(string State, int Connection, string? LastProblem);

/// <summary>
/// Socket Mode: with <c>Slack:AppToken</c> set, the bot asks Slack for a WebSocket address
/// (<c>apps.connections.open</c>), connects out to it and receives commands, interactions and events there, so it
/// needs no public address. Every envelope goes to the same <see cref="SlackDispatcher"/> as the HTTP endpoints
/// and is acknowledged within Slack's 3 seconds, carrying the same answer an HTTP response would.
/// When Slack asks for a fresh connection, the new one is opened before the old one is closed; when a socket
/// drops, the bot reconnects after a jittered, growing pause.
/// </summary>
public sealed partial class SocketModeService(
    SlackApiClient slack,
    SlackDispatcher dispatcher,
    Reliability.WorkQueue work,
    IOptionsMonitor<SlackOptions> options,
    TimeProvider clock,
    ILogger<SocketModeService> log,
    Reliability.IDeliveryMemory? seen = null) : BackgroundService
{
    /// <summary>How long an envelope's handler may take before the acknowledgement goes without its answer; Slack allows 3 s.</summary>
    internal static readonly TimeSpan AckBudget = TimeSpan.FromMilliseconds(2500);

    /// <summary>How often the socket is pinged, and how long an unanswered ping may wait before the socket counts as dead.</summary>
    internal static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long connecting (and Slack's hello) may take, and how long a close may take.</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The pause before the first retry; it doubles per failure up to <see cref="MaxRetryDelay"/>, with jitter.</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    private static readonly Func<ILogger, string, string, IDisposable?> EnvelopeScope =
        LoggerMessage.DefineScope<string, string>("Socket Mode envelope {EnvelopeId} ({EnvelopeType})");

    private readonly Reliability.IDeliveryMemory _envelopes = seen ?? new Reliability.LocalDeliveryMemory(clock);
    private readonly ConcurrentDictionary<Task, byte> _retiring = new();
    private int _connectionCount;
    private volatile SocketModeStatus _status = new("off", 0, null);

    public SocketModeStatus Status => _status;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!options.CurrentValue.UsesSocketMode) return;
        LogStarting(log);
        _status = new("connecting", 0, null);
        SocketModeConnection? current = null;
        var failures = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                SocketModeConnection next;
                try
                {
                    next = await ConnectAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    var delay = RetryDelay(++failures);
                    var problem = Explain(e);
                    _status = new(current is null ? "connecting" : "reconnecting", current?.Number ?? 0, problem);
                    LogConnectFailed(log, problem, delay.TotalSeconds);
                    await Task.Delay(delay, clock, stopping).ConfigureAwait(false);
                    continue;
                }

                failures = 0;
                if (current is not null) Retire(current);
                current = next;
                _status = new("connected", current.Number, null);

                var end = await current.Ended.WaitAsync(stopping).ConfigureAwait(false);
                if (end.AskedBySlack && end.Reason is "warning" or "refresh_requested")
                {
                    // The old socket still works, so the new one opens straight away and takes over.
                    LogRefresh(log, current.Number, end.Reason);
                    continue;
                }
                var wait = RetryDelay(++failures);
                var advice = Advice(end.Reason);
                _status = new("reconnecting", current.Number, $"{end.Reason}. {advice}");
                LogLost(log, current.Number, end.Reason, advice, wait.TotalSeconds);
                await Task.Delay(wait, clock, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            if (current is not null) await current.RetireAsync(clock, AckBudget, CloseTimeout).ConfigureAwait(false);
            await Task.WhenAll(_retiring.Keys).ConfigureAwait(false);
            _status = new("off", 0, null);
        }
    }

    private async Task<SocketModeConnection> ConnectAsync(CancellationToken stopping)
    {
        var number = Interlocked.Increment(ref _connectionCount);
        var url = await slack.OpenSocketModeConnectionAsync(stopping).ConfigureAwait(false);

        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = PingInterval;
        socket.Options.KeepAliveTimeout = PingTimeout;
        try
        {
            using var timeout = new CancellationTokenSource(ConnectTimeout, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
            await socket.ConnectAsync(url, linked.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SocketModeConnection(socket, number, HandleEnvelopeAsync, options.CurrentValue.MaxBodyBytes, log);
        connection.Start();
        try
        {
            var hello = await connection.Hello.WaitAsync(ConnectTimeout, clock, stopping).ConfigureAwait(false);
            // The address carries a one-time ticket, so only the host is logged.
            LogConnected(log, number, url.Host, hello["num_connections"]?.ToString() ?? "?");
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Retire(SocketModeConnection old)
    {
        var retiring = old.RetireAsync(clock, AckBudget, CloseTimeout);
        _retiring.TryAdd(retiring, 0);
        retiring.ContinueWith(t => _retiring.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Handles one envelope and acknowledges it on the connection it came on. The handler gets
    /// <see cref="AckBudget"/>; a slower one is acknowledged without its answer and finishes in the background,
    /// where a slash command's late answer goes to its response_url.
    /// </summary>
    private async Task HandleEnvelopeAsync(SocketModeConnection connection, JsonObject envelope)
    {
        var id = Interaction.Str(envelope, "envelope_id")!;
        var type = Interaction.Str(envelope, "type") ?? "";
        using var scope = EnvelopeScope(log, id, type);
        var acceptsPayload = envelope["accepts_response_payload"] is JsonValue v && v.TryGetValue<bool>(out var accepts) && accepts;
        var payload = envelope["payload"] as JsonObject;

        if (!await _envelopes.FirstAsync(Reliability.Deliveries.Envelope(id), Reliability.Deliveries.RetryWindow).ConfigureAwait(false))
        {
            // A retry of something already handled: acknowledge it again so Slack stops, but do nothing twice.
            LogDuplicate(log, envelope["retry_attempt"]?.ToString() ?? "?");
            await connection.AckAsync(id, null, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var handling = DispatchAsync(type, payload);
        SlackAck? answer = null;
        var late = false;
        try
        {
            answer = await handling.WaitAsync(AckBudget, clock).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            late = true;
        }
        catch (SlackPayloadException e)
        {
            LogBadEnvelope(log, e.Message);
            answer = SlackAck.Empty;
        }
        catch (Exception e)
        {
            // Not done, so not a duplicate: if Slack sends this envelope again, it is handled again.
            await _envelopes.ForgetAsync(Reliability.Deliveries.Envelope(id)).ConfigureAwait(false);
            LogHandlerFailed(log, e);
            // Like the HTTP endpoint's 500: without an acknowledgement Slack keeps the modal open and shows an error,
            // so nothing the person typed is lost.
            if (type == "interactive") return;
            answer = type == "slash_commands" ? SlackAck.CommandFailed : SlackAck.Empty;
        }

        if (!await connection.AckAsync(id, acceptsPayload ? answer?.Body : null, CancellationToken.None).ConfigureAwait(false))
            LogAckNotSent(log, connection.Number);
        if (late)
        {
            LogLate(log, AckBudget.TotalSeconds);
            work.Run(new Reliability.TransientWork("finish a slow Socket Mode envelope", stop => FinishLateAsync(handling, type, payload, stop)));
        }
    }

    private async Task<SlackAck> DispatchAsync(string type, JsonObject? payload)
    {
        // Hand back a task at once, before any handler code runs, so even a handler that blocks its thread
        // cannot keep the acknowledgement deadline from starting.
        await Task.Yield();
        if (payload is null) throw new SlackPayloadException($"A '{type}' envelope needs a 'payload' object.");
        switch (type)
        {
            case "slash_commands":
                return await dispatcher.DispatchCommandAsync(SlashCommand.FromJson(payload), CancellationToken.None).ConfigureAwait(false);
            case "interactive":
                return await dispatcher.DispatchInteractionAsync(new Interaction(payload), CancellationToken.None).ConfigureAwait(false);
            case "events_api":
                if (Interaction.Str(payload, "type") == "event_callback")
                    await dispatcher.DispatchEventAsync(payload, CancellationToken.None).ConfigureAwait(false);
                return SlackAck.Empty;
            default:
                LogUnknownEnvelope(log, type);
                return SlackAck.Empty;
        }
    }

    /// <summary>The answer arrived after the acknowledgement: a slash command's goes to its response_url; others cannot be delivered.</summary>
    private async Task FinishLateAsync(Task<SlackAck> handling, string type, JsonObject? payload, CancellationToken ct)
    {
        SlackAck answer;
        try
        {
            answer = await handling.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogHandlerFailed(log, e);
            if (type != "slash_commands") return;
            answer = SlackAck.CommandFailed;
        }
        if (answer.Body is null) return;
        if (type == "slash_commands" && Interaction.Str(payload, "response_url") is { } responseUrl)
            await slack.RespondAsync(responseUrl, answer.Body, ct).ConfigureAwait(false);
        else
            LogLateAnswerLost(log, type);
    }

    /// <summary>A growing, jittered pause: many bots reconnecting after one outage should not arrive together.</summary>
    internal static TimeSpan RetryDelay(int failures)
    {
        var ceiling = Math.Min(MaxRetryDelay.TotalMilliseconds, FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, failures - 1)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private static string Explain(Exception e) => e switch
    {
        SlackApiException => e.Message,
        WebSocketException or HttpRequestException or IOException =>
            $"could not open the WebSocket ({e.Message}). Check that this machine can reach Slack over wss:// on port 443 (firewall, proxy) (README: Troubleshooting).",
        TimeoutException or OperationCanceledException =>
            $"Slack did not answer within {ConnectTimeout.TotalSeconds:0} s. Check this machine's network connection to slack.com (README: Troubleshooting).",
        _ => e.Message,
    };

    private static string Advice(string reason) => reason switch
    {
        "link_disabled" => "Socket Mode was turned off in the app's settings: turn it on under Settings → Socket Mode, or remove Slack:AppToken and use the HTTP request URLs (README: Troubleshooting).",
        "too_many_websockets" => "Slack allows 10 connections per app: another copy of the bot may be running with the same app token (README: Troubleshooting).",
        _ => "Reconnecting (README: Troubleshooting).",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Socket Mode: connecting to Slack with the app-level token (Slack:AppToken); no public address is needed")]
    private static partial void LogStarting(ILogger log);

    [LoggerMessage(Level = LogLevel.Information, Message = "Socket Mode connection {Number} to {Host} is ready ({Connections} open for this app)")]
    private static partial void LogConnected(ILogger log, int number, string host, string connections);

    [LoggerMessage(Level = LogLevel.Error, Message = "Socket Mode could not connect: {Problem} Retrying in {Seconds:0.0} s.")]
    private static partial void LogConnectFailed(ILogger log, string problem, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Socket Mode: Slack asked to replace connection {Number} ({Reason}); opening a new one before closing it")]
    private static partial void LogRefresh(ILogger log, int number, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Socket Mode connection {Number} ended: {Reason}. {Advice} Reconnecting in {Seconds:0.0} s.")]
    private static partial void LogLost(ILogger log, int number, string reason, string advice, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Envelope already handled (retry {RetryAttempt}); acknowledged again, not handled twice")]
    private static partial void LogDuplicate(ILogger log, string retryAttempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a Socket Mode envelope: {Why}")]
    private static partial void LogBadEnvelope(ILogger log, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a Socket Mode envelope failed")]
    private static partial void LogHandlerFailed(ILogger log, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The handler took more than {Seconds} s; acknowledged without its answer so Slack does not time out (README: Troubleshooting)")]
    private static partial void LogLate(ILogger log, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A late answer to a '{Type}' envelope could not be delivered: Slack only takes it in the acknowledgement")]
    private static partial void LogLateAnswerLost(ILogger log, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not acknowledge: connection {Number} closed first; Slack will send the envelope again")]
    private static partial void LogAckNotSent(ILogger log, int number);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a Socket Mode envelope of unknown type '{Type}'")]
    private static partial void LogUnknownEnvelope(ILogger log, string type);
}
