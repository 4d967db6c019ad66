using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Slack.SocketMode;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Slack.SocketMode;

/// <summary>
/// The bot in Socket Mode against a fake Socket Mode server over a real WebSocket on 127.0.0.1. Envelopes go
/// through the same dispatcher as the HTTP endpoints, so the Web API calls land on the same fake Slack.
/// </summary>
public class SocketModeServiceTests
{
    private const string Mentee = "UMENTEE1";

    private sealed class Harness : IAsyncDisposable
    {
        public required FakeSlack Slack { get; init; }
        public required FakeSocketMode Socket { get; init; }
        public required MentorBot Bot { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Bot.DisposeAsync();
            await Socket.DisposeAsync();
            await Slack.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(Action<FakeSlack, FakeSocketMode>? before = null, Action<IServiceCollection>? services = null,
        Dictionary<string, string?>? settings = null)
    {
        var slack = await FakeSlack.StartAsync();
        var socket = await FakeSocketMode.StartAsync(slack);
        before?.Invoke(slack, socket);
        var overrides = new Dictionary<string, string?> { ["Slack:AppToken"] = FakeSlack.AppToken };
        foreach (var (k, v) in settings ?? []) overrides[k] = v;
        var bot = await MentorBot.StartAsync(overrides, slack, services: services);
        return new Harness { Slack = slack, Socket = socket, Bot = bot };
    }

    private static JsonObject CommandPayload(string command, string user, string text = "", string triggerId = "trigger-1", string? responseUrl = null) => new()
    {
        ["token"] = "ignored",
        ["team_id"] = "T0TEAM",
        ["team_domain"] = "operationcode",
        ["channel_id"] = "C0GENERAL",
        ["channel_name"] = "general",
        ["user_id"] = user,
        ["user_name"] = user.ToLowerInvariant(),
        ["command"] = command,
        ["text"] = text,
        ["api_app_id"] = "A0APP",
        ["is_enterprise_install"] = "false",
        ["response_url"] = responseUrl ?? "https://hooks.slack.invalid/commands/1",
        ["trigger_id"] = triggerId,
    };

    private static JsonObject RequestSubmission(string details) => SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee,
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
        (RequestModal.SkillsBlock, new[] { "Python" }),
        (RequestModal.DetailsBlock, details),
        (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")));

    private static async Task<JsonNode?> HealthAsync(MentorBot bot) =>
        JsonNode.Parse(await bot.Http.GetStringAsync("/healthz"))!["slack"]!["socketMode"];

    [Fact]
    public async Task Start_OpensTheConnectionWithTheAppToken_AndIsReadyOnlyAfterHello()
    {
        await using var h = await StartAsync(before: (_, socket) => socket.HoldHello());

        var connection = await h.Socket.WaitForConnectionAsync(1, greeted: false);
        var open = Assert.Single(h.Slack.CallsTo("apps.connections.open"));
        Assert.Equal("Bearer " + FakeSlack.AppToken, open.Authorization);
        Assert.Equal("connecting", (await HealthAsync(h.Bot))!["state"]!.ToString());

        h.Socket.ReleaseHello();
        await Eventually.TrueAsync(async () => (await HealthAsync(h.Bot))!["state"]!.ToString() == "connected", "the bot to report the connection ready");
        Assert.Null(connection.ClosedByBotAt);
        Assert.Contains(h.Bot.Logs.Entries, e => e.Message.Contains("Socket Mode connection 1 to 127.0.0.1 is ready", StringComparison.Ordinal));
        Assert.DoesNotContain(h.Bot.Logs.Entries, e => e.Message.Contains("ticket=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SlashCommand_OpensTheModal_AndIsAcknowledgedOnItsConnection()
    {
        await using var h = await StartAsync();
        var connection = await h.Socket.WaitForConnectionAsync(1);

        var envelope = await connection.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, Mentee, triggerId: "trigger-socket"), acceptsResponsePayload: true);

        var ack = await connection.WaitForAckAsync(envelope);
        Assert.Null(ack["payload"]);
        await h.Bot.IdleAsync();
        var opened = Assert.Single(h.Slack.CallsTo("views.open"));
        Assert.Equal("trigger-socket", opened["trigger_id"]);
        Assert.Equal(RequestModal.CallbackId, opened.Body["view"]!["callback_id"]!.ToString());
    }

    [Fact]
    public async Task SlashCommand_AnswerInTheAck_IsTheSameAsOverHttp()
    {
        await using var h = await StartAsync();
        var connection = await h.Socket.WaitForConnectionAsync(1);

        var envelope = await connection.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, Mentee, "help"), acceptsResponsePayload: true);
        var ack = await connection.WaitForAckAsync(envelope);
        var overHttp = await h.Bot.SendAsync(h.Bot.Requests.Command(MentorCommand.Name, Mentee, "help"));

        Assert.Equal("ephemeral", ack["payload"]!["response_type"]!.ToString());
        Assert.Contains("/mentor", ack["payload"]!["text"]!.ToString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await overHttp.Content.ReadAsStringAsync()), ack["payload"]));
    }

    [Fact]
    public async Task ViewSubmission_WithProblems_TheAckCarriesTheErrors_AndNothingIsStored()
    {
        await using var h = await StartAsync();
        var connection = await h.Socket.WaitForConnectionAsync(1);
        var submission = RequestSubmission("short");

        var envelope = await connection.SendEnvelopeAsync("interactive", submission, acceptsResponsePayload: true);
        var ack = await connection.WaitForAckAsync(envelope);
        await h.Bot.IdleAsync();

        Assert.Equal("errors", ack["payload"]!["response_action"]!.ToString());
        Assert.NotNull(ack["payload"]!["errors"]![RequestModal.DetailsBlock]);
        var overHttp = await h.Bot.SendAsync(h.Bot.Requests.Interaction(submission));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await overHttp.Content.ReadAsStringAsync()), ack["payload"]));
        Assert.Empty(h.Slack.CallsTo("chat.postMessage"));
        Assert.Null(await h.Bot.Store.GetRequestAsync("1001"));
    }

    [Fact]
    public async Task ValidViewSubmission_ClosesTheModal_AndTheRequestIsPosted()
    {
        await using var h = await StartAsync();
        var connection = await h.Socket.WaitForConnectionAsync(1);
        var submission = RequestSubmission("Please review my first Flask project before I apply.");

        var ack = await connection.WaitForAckAsync(await connection.SendEnvelopeAsync("interactive", submission, acceptsResponsePayload: true));
        await h.Bot.IdleAsync();

        Assert.Null(ack["payload"]);
        Assert.Single(h.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Single(h.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
    }

    [Fact]
    public async Task Event_RetriedWithANewEnvelopeAndResentWithTheSameOne_IsHandledOnce()
    {
        var counted = new CountingEventHandler();
        await using var h = await StartAsync(services: s => s.AddSingleton<ISlackEventHandler>(counted));
        var connection = await h.Socket.WaitForConnectionAsync(1);
        var callback = new JsonObject
        {
            ["type"] = "event_callback",
            ["team_id"] = "T0TEAM",
            ["api_app_id"] = "A0APP",
            ["event_id"] = "Ev0SOCKET1",
            ["event_time"] = 1_700_000_000,
            ["event"] = new JsonObject { ["type"] = CountingEventHandler.Type, ["user"] = Mentee },
        };

        var first = await connection.SendEnvelopeAsync("events_api", callback, acceptsResponsePayload: false);
        var retried = await connection.SendEnvelopeAsync("events_api", callback, acceptsResponsePayload: false, retryAttempt: 1);
        var resent = await connection.SendEnvelopeAsync("events_api", callback, acceptsResponsePayload: false, envelopeId: first, retryAttempt: 2);

        foreach (var id in new[] { first, retried }) Assert.Null((await connection.WaitForAckAsync(id))["payload"]);
        await Eventually.TrueAsync(() => connection.Received.Count(a => a["envelope_id"]?.ToString() == resent) == 2, "the resent envelope to be acknowledged again");
        await h.Bot.IdleAsync();
        Assert.Equal(1, counted.Calls);
    }

    [Fact]
    public async Task RefreshRequested_OpensTheNewConnectionBeforeClosingTheOld_AndLosesNothing()
    {
        await using var h = await StartAsync();
        var old = await h.Socket.WaitForConnectionAsync(1);
        h.Socket.HoldHello();

        await old.DisconnectAsync("refresh_requested");
        var duringSwitch = await old.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, "UDURING", triggerId: "trigger-during"), acceptsResponsePayload: true);
        var replacement = await h.Socket.WaitForConnectionAsync(2, greeted: false);

        // Until Slack greets the new connection, the old one stays open and keeps working.
        await old.WaitForAckAsync(duringSwitch);
        Assert.Null(old.ClosedByBotAt);

        h.Socket.ReleaseHello();
        await Eventually.TrueAsync(() => old.ClosedByBotAt is not null, "the bot to close the old connection");
        Assert.True(old.ClosedByBotAt > replacement.HelloAt, "the old connection was closed before the new one was ready");
        Assert.True(old.AckedAt(duringSwitch) < old.ClosedByBotAt);

        var after = await replacement.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, "UAFTER", triggerId: "trigger-after"), acceptsResponsePayload: true);
        await replacement.WaitForAckAsync(after);
        await h.Bot.IdleAsync();

        Assert.Equal(2, h.Slack.CallsTo("apps.connections.open").Count);
        Assert.Equal(["trigger-after", "trigger-during"], h.Slack.CallsTo("views.open").Select(c => c["trigger_id"]!).Order());
        Assert.Null(replacement.ClosedByBotAt);
        Assert.Equal("connected", (await HealthAsync(h.Bot))!["state"]!.ToString());
        Assert.Equal(2, (int)(await HealthAsync(h.Bot))!["connection"]!);
    }

    [Fact]
    public async Task DroppedSocket_ReconnectsAfterABackoffOnTheBotsClock()
    {
        await using var h = await StartAsync();
        var first = await h.Socket.WaitForConnectionAsync(1);
        // Hello sent is not hello read: a connection dropped before the bot took it as ready is a failed first connect
        // ("connecting"), not a lost connection. On a busy machine that gap is long enough to hit.
        await Eventually.TrueAsync(() => HealthAsync(h.Bot).Result!["state"]!.ToString() == "connected", "the bot to report the connection ready");

        first.Drop();

        // The pause is a timer on the bot's clock: nothing reconnects until the clock moves past it.
        JsonNode? health = null;
        await Eventually.TrueAsync(() => (health = HealthAsync(h.Bot).GetAwaiter().GetResult())?["state"]?.ToString() == "reconnecting",
            "the bot to say it is reconnecting");
        Assert.Contains("connection lost", health!["lastProblem"]!.ToString());
        Assert.Single(h.Slack.CallsTo("apps.connections.open"));

        // Other parts of the bot keep timers on the same clock, so the pause is found by moving the clock in small steps
        // (not by counting timers, which those others start and end meanwhile) until the bot connects again.
        var moved = TimeSpan.Zero;
        var step = SocketModeService.FirstRetryDelay / 4;
        await Eventually.TrueAsync(() =>
        {
            if (h.Slack.CallsTo("apps.connections.open").Count >= 2) return true;
            h.Bot.Clock.Advance(step);
            moved += step;
            return false;
        }, "the bot to reconnect once its pause on its clock has passed");
        Assert.True(moved > TimeSpan.Zero, "The bot reconnected without its clock moving.");
        var second = await h.Socket.WaitForConnectionAsync(2);
        Assert.Equal(2, h.Slack.CallsTo("apps.connections.open").Count);
        Assert.Contains(h.Bot.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Socket Mode connection 1 ended: connection lost", StringComparison.Ordinal));

        var envelope = await second.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, Mentee, triggerId: "trigger-again"), acceptsResponsePayload: true);
        await second.WaitForAckAsync(envelope);
        await h.Bot.IdleAsync();
        Assert.Equal("trigger-again", Assert.Single(h.Slack.CallsTo("views.open"))["trigger_id"]);
    }

    [Fact]
    public async Task RefusedAppToken_LogsWhatToDo_AndRetriesLater()
    {
        await using var h = await StartAsync(before: (slack, _) => slack.ErrorNext("apps.connections.open", "invalid_auth"));

        await Eventually.TrueAsync(() => h.Bot.Clock.ActiveDelays > 0, "the bot to schedule a retry");
        var failure = Assert.Single(h.Bot.Logs.Entries, e => e.Category == typeof(SocketModeService).FullName && e.Level == LogLevel.Error);
        Assert.Contains("Slack:AppToken", failure.Message);
        Assert.Contains("connections:write", failure.Message);
        Assert.Contains("README: Troubleshooting", failure.Message);
        Assert.DoesNotContain(FakeSlack.AppToken, failure.Message);
        Assert.Contains("Slack:AppToken", (await HealthAsync(h.Bot))!["lastProblem"]!.ToString());

        h.Bot.Clock.Advance(SocketModeService.FirstRetryDelay);
        await h.Socket.WaitForConnectionAsync(1);
        Assert.Equal(2, h.Slack.CallsTo("apps.connections.open").Count);
    }

    [Fact]
    public async Task SlowHandler_IsAcknowledgedWithinTheBudget_AndItsAnswerFollowsByResponseUrl()
    {
        var slow = new SlowCommand();
        await using var h = await StartAsync(services: s => s.AddSingleton<ISlashCommandHandler>(slow));
        var connection = await h.Socket.WaitForConnectionAsync(1);

        var envelope = await connection.SendEnvelopeAsync("slash_commands",
            CommandPayload(SlowCommand.Name, Mentee, responseUrl: h.Slack.ResponseUrl("slow")), acceptsResponsePayload: true);
        await slow.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The handler is still busy; the acknowledgement goes when the budget runs out on the bot's clock.
        await Eventually.TrueAsync(() => h.Bot.Clock.ActiveDelays > 0, "the acknowledgement deadline to be set");
        Assert.Null(connection.AckFor(envelope));
        h.Bot.Clock.Advance(TimeSpan.FromSeconds(3));
        var ack = await connection.WaitForAckAsync(envelope);
        Assert.Null(ack["payload"]);
        Assert.Empty(h.Slack.CallsTo("response_url"));

        slow.Finish.SetResult();
        await Eventually.TrueAsync(() => h.Slack.CallsTo("response_url").Count == 1, "the late answer to reach the response_url");
        Assert.Equal("Finished the slow thing.", h.Slack.CallsTo("response_url")[0].Text);
        Assert.Contains(h.Bot.Logs.Entries, e => e.Message.Contains("acknowledged without its answer", StringComparison.Ordinal));
        // The operator is told which handler was slow, what Slack does about it, and where to read more.
        var slowWarning = Assert.Single(h.Bot.Logs.Entries, e => e.Category == typeof(SlackDispatcher).FullName && e.Level == LogLevel.Warning);
        Assert.Contains($"The command handler for '{SlowCommand.Name}' took 3.0 s", slowWarning.Message);
        Assert.Contains("operation_timeout", slowWarning.Message);
        Assert.Contains("README: Troubleshooting", slowWarning.Message);
    }

    [Fact]
    public async Task UnreachableWebSocket_LogsWhatToCheck_AndRetries()
    {
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var h = await StartAsync(before: (slack, socket) =>
        {
            var real = slack.SocketModeUrl!;
            var calls = 0;
            slack.SocketModeUrl = () => Interlocked.Increment(ref calls) == 1 ? $"ws://127.0.0.1:{port}/link?ticket=gone" : real();
        });

        // While connecting, a connect timeout runs on the clock too; the retry's pause is the timer set after the failure.
        await Eventually.TrueAsync(() => h.Bot.Logs.Entries.Any(e => e.Category == typeof(SocketModeService).FullName && e.Level == LogLevel.Error), "the failure to be logged");
        await Eventually.TrueAsync(() => h.Bot.Clock.ActiveDelays > 0, "the bot to schedule a retry");
        var failure = Assert.Single(h.Bot.Logs.Entries, e => e.Category == typeof(SocketModeService).FullName && e.Level == LogLevel.Error);
        Assert.Contains("could not open the WebSocket", failure.Message);
        Assert.Contains("port 443", failure.Message);
        Assert.Contains("README: Troubleshooting", failure.Message);

        h.Bot.Clock.Advance(SocketModeService.FirstRetryDelay);
        await h.Socket.WaitForConnectionAsync(1);
    }

    [Fact]
    public async Task FailingHandlers_ACommandGetsAnApology_AModalGetsNoAckSoSlackKeepsItOpen()
    {
        await using var h = await StartAsync(services: s =>
        {
            s.AddSingleton<ISlashCommandHandler>(new FailingHandler());
            s.AddSingleton<IViewSubmissionHandler>(new FailingHandler());
        });
        var connection = await h.Socket.WaitForConnectionAsync(1);

        var command = await connection.SendEnvelopeAsync("slash_commands", CommandPayload(FailingHandler.Name, Mentee), acceptsResponsePayload: true);
        var apology = (await connection.WaitForAckAsync(command))["payload"]!;
        Assert.Equal("ephemeral", apology["response_type"]!.ToString());
        Assert.Contains("nothing was saved", apology["text"]!.ToString());

        var view = await connection.SendEnvelopeAsync("interactive", SlackRequests.ViewSubmission(FailingHandler.Callback, Mentee), acceptsResponsePayload: true);
        await Eventually.TrueAsync(() => h.Bot.Logs.Entries.Count(e => e.Message == "Handling a Socket Mode envelope failed") == 2, "both failures to be logged");
        // A later envelope is answered, the failed submission never is.
        var later = await connection.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, Mentee, "help"), acceptsResponsePayload: true);
        await connection.WaitForAckAsync(later);
        Assert.Null(connection.AckFor(view));
    }

    [Fact]
    public async Task FailingHandler_OfAFormWithInputs_IsAnsweredWithTheReasonInTheForm()
    {
        await using var h = await StartAsync(services: s => s.AddSingleton<IViewSubmissionHandler>(new FailingHandler()));
        var connection = await h.Socket.WaitForConnectionAsync(1);
        var submission = SlackRequests.ViewSubmission(FailingHandler.Callback, Mentee, ("details", "What I typed"));
        // As Slack sends it: the view's blocks come back with its state.
        submission["view"]!["blocks"] = new JsonArray(
            new JsonObject { ["type"] = "section", ["block_id"] = "intro", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = "Tell us" } },
            new JsonObject { ["type"] = "input", ["block_id"] = "details", ["element"] = new JsonObject { ["type"] = "plain_text_input", ["action_id"] = "value" } });

        var view = await connection.SendEnvelopeAsync("interactive", submission, acceptsResponsePayload: true);
        var answer = (await connection.WaitForAckAsync(view))["payload"]!;

        Assert.Equal("errors", answer["response_action"]!.ToString());
        Assert.Equal(SlackAck.SubmissionFailed, answer["errors"]!["details"]!.ToString());
        Assert.Contains(h.Bot.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(FailingHandler.Callback, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASubmissionWhoseHandlingFailed_IsHandledWhenSlackSendsItAgain()
    {
        var flaky = new FailsOnceHandler();
        await using var h = await StartAsync(services: s => s.AddSingleton<IViewSubmissionHandler>(flaky));
        var connection = await h.Socket.WaitForConnectionAsync(1);
        var submission = SlackRequests.ViewSubmission(FailsOnceHandler.Callback, Mentee);

        var first = await connection.SendEnvelopeAsync("interactive", submission, acceptsResponsePayload: true);
        await Eventually.TrueAsync(() => h.Bot.Logs.Entries.Any(e => e.Message == "Handling a Socket Mode envelope failed"), "the first attempt to fail");
        var again = await connection.SendEnvelopeAsync("interactive", submission, acceptsResponsePayload: true, envelopeId: first, retryAttempt: 1);

        await connection.WaitForAckAsync(again);
        Assert.Equal(2, flaky.Calls);
        Assert.Equal(1, flaky.Completed);
    }

    [Fact]
    public async Task WithoutASigningSecret_SocketModeStarts_AndHttpRequestsAreStillRefused()
    {
        await using var h = await StartAsync(settings: new() { ["Slack:SigningSecret"] = "" });
        var connection = await h.Socket.WaitForConnectionAsync(1);

        var overHttp = await h.Bot.SendAsync(h.Bot.Requests.Command(MentorCommand.Name, Mentee, "help"));
        Assert.Equal(HttpStatusCode.Unauthorized, overHttp.StatusCode);
        Assert.Contains(h.Bot.Logs.Entries, e => e.Message.Contains("Socket Mode", StringComparison.Ordinal) && e.Message.Contains("Slack:SigningSecret", StringComparison.Ordinal));

        var envelope = await connection.SendEnvelopeAsync("slash_commands", CommandPayload(MentorCommand.Name, Mentee, "help"), acceptsResponsePayload: true);
        Assert.Equal("ephemeral", (await connection.WaitForAckAsync(envelope))["payload"]!["response_type"]!.ToString());
    }

    [Fact]
    public async Task Healthz_WithoutAnAppToken_ReportsSocketModeOff()
    {
        await using var bot = await MentorBot.StartAsync();
        Assert.Equal("off", (await HealthAsync(bot))!["state"]!.ToString());
    }

    [Theory]
    [InlineData(1, 500, 1000)]
    [InlineData(2, 1000, 2000)]
    [InlineData(4, 4000, 8000)]
    [InlineData(20, 30_000, 60_000)]
    public void RetryDelay_DoublesPerFailure_WithJitter_UpToAMinute(int failures, int atLeastMs, int atMostMs)
    {
        for (var i = 0; i < 50; i++)
        {
            var delay = SocketModeService.RetryDelay(failures);
            Assert.InRange(delay.TotalMilliseconds, atLeastMs, atMostMs);
        }
    }

    private sealed class CountingEventHandler : ISlackEventHandler
    {
        public const string Type = "test_counted_event";
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public string EventType => Type;

        public OperationCodeMentor.Reliability.AfterAck? Handle(JsonObject evt)
        {
            Interlocked.Increment(ref _calls);
            return null;
        }
    }

    private sealed class FailingHandler : ISlashCommandHandler, IViewSubmissionHandler
    {
        public const string Name = "/test-failing";
        public const string Callback = "test_failing_modal";
        public string Command => Name;
        public string CallbackId => Callback;

        public Task<Handled> HandleAsync(SlashCommand command, CancellationToken ct) => throw new InvalidOperationException("the store is down");

        public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct) => throw new InvalidOperationException("the store is down");
    }

    private sealed class FailsOnceHandler : IViewSubmissionHandler
    {
        public const string Callback = "test_fails_once_modal";
        private int _calls;
        private int _completed;
        public int Calls => Volatile.Read(ref _calls);
        public int Completed => Volatile.Read(ref _completed);
        public string CallbackId => Callback;

        public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _calls) == 1) throw new IOException("the queue's disk was busy");
            Interlocked.Increment(ref _completed);
            return Task.FromResult(Handled.Nothing);
        }
    }

    private sealed class SlowCommand : ISlashCommandHandler
    {
        public const string Name = "/test-slow";
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string Command => Name;

        public async Task<Handled> HandleAsync(SlashCommand command, CancellationToken ct)
        {
            Started.TrySetResult();
            await Finish.Task;
            return SlackAck.Ephemeral("Finished the slow thing.");
        }
    }
}
