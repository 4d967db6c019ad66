using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Messages;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Messages;

/// <summary>Someone writes to the bot in its Messages tab, through signed Events API requests, and is answered there.</summary>
public class DirectMessageTests
{
    public const string BotUser = "UBOT0001";

    private static long _events;

    /// <summary>A <c>message</c> event callback as Slack sends it for a DM to the bot, naming the bot user in its authorizations.</summary>
    public static JsonObject Dm(string user, string text = "hi, can you help me?", string? eventId = null, Action<JsonObject>? change = null)
    {
        var n = Interlocked.Increment(ref _events);
        var evt = new JsonObject
        {
            ["type"] = "message",
            ["channel"] = "D" + user,
            ["user"] = user,
            ["text"] = text,
            ["ts"] = $"1700000100.{n:D6}",
            ["event_ts"] = $"1700000100.{n:D6}",
            ["channel_type"] = "im",
            ["client_msg_id"] = Guid.NewGuid().ToString(),
        };
        change?.Invoke(evt);
        return new JsonObject
        {
            ["type"] = "event_callback",
            ["team_id"] = "T0TEAM",
            ["api_app_id"] = "A0APP",
            ["event_id"] = eventId ?? $"Ev0DM{n:D8}",
            ["event_time"] = 1_700_000_100,
            ["authorizations"] = new JsonArray(new JsonObject
            {
                ["enterprise_id"] = null, ["team_id"] = "T0TEAM", ["user_id"] = BotUser, ["is_bot"] = true, ["is_enterprise_install"] = false,
            }),
            ["event"] = evt,
        };
    }

    private static async Task<HttpResponseMessage> WriteAsync(MentorBot bot, JsonObject callback, int? retry = null)
    {
        var request = bot.Requests.Event(callback);
        if (retry is { } n)
        {
            request.Headers.Add("X-Slack-Retry-Num", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        }
        var response = await bot.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    /// <summary>The bot's answers in the writer's DM (not the DMs the rest of the bot sends there).</summary>
    private static List<SlackCall> Answers(MentorBot bot, string user) =>
        bot.Slack.DmsTo(user).Where(c => c.AllText.Contains("I can't read messages here", StringComparison.Ordinal)).ToList();

    private static async Task<SlackCall> AnswerToAsync(MentorBot bot, string user)
    {
        var before = Answers(bot, user).Count;
        await WriteAsync(bot, Dm(user));
        return Assert.Single(Answers(bot, user).Skip(before));
    }

    private static List<(string ActionId, string Value)> Buttons(SlackCall answer) =>
        Seeding.Elements(answer.Body["blocks"]).Where(e => e["action_id"] is not null)
            .Select(e => (e["action_id"]!.ToString(), e["value"]?.ToString() ?? "")).ToList();

    [Fact]
    public async Task Mentee_IsToldHowToAsk_AndGetsTheirWaitingRequestWithCancel_WhichWorks()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["SQL"]);
        var earlier = await bot.RequestAsync("UMENTEE1", ["SQL"], service: "Resume Review");
        await bot.ClickAsync(RequestButtons.Claim, earlier, "UMENTOR1");
        await bot.RequestAsync("UOTHER1", ["Python"]);
        var waiting = await bot.RequestAsync("UMENTEE1", ["Python"]);

        var answer = await AnswerToAsync(bot, "UMENTEE1");

        var text = answer.AllText;
        Assert.Contains("Your requests", text);
        Assert.Contains($"*{waiting.Reference}*", text);
        Assert.Contains("*number 2 of 2* in the queue", text);
        Assert.Contains($"*{earlier.Reference}* · Resume Review", text);
        Assert.Contains("Claimed by <@UMENTOR1>", text);
        Assert.Contains("`/mentor`", text);
        Assert.DoesNotContain("Mentoring", text);
        Assert.DoesNotContain("Coordinating", text);
        Assert.DoesNotContain("UOTHER1", text);
        // Only the waiting request can be cancelled by its mentee; the claimed one is the mentor's to end.
        Assert.Equal([(RequestButtons.Cancel, waiting.Reference)], Buttons(answer));
        BlockKitLimits.AssertAll(bot.Slack.Calls);

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.Cancel, waiting.Reference, "UMENTEE1", "DUMENTEE1", answer["ts"] ?? "1.000001")));

        Assert.Equal(RequestStatus.Cancelled, (await bot.Store.RequestAsync(waiting.Reference))!.Status);
    }

    [Fact]
    public async Task Mentor_GetsEachClaimWithSessionDoneAndRelease_AndHowToChangeTheirProfile()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"], maxMentees: 3);
        var first = await bot.RequestAsync("UMENTEE1", ["Python"], service: "Code Review");
        var second = await bot.RequestAsync("UMENTEE2", ["Python"], service: "Mock Interview");
        var open = await bot.RequestAsync("UMENTEE3", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, first, "UMENTOR1");
        await bot.ClickAsync(RequestButtons.Claim, second, "UMENTOR1");

        var answer = await AnswerToAsync(bot, "UMENTOR1");

        var text = answer.AllText;
        Assert.Contains("Mentoring", text);
        Assert.Contains("You're *active*", text);
        Assert.Contains("You hold 2 of 3 mentees", text);
        Assert.Contains($"*{first.Reference}* · <@UMENTEE1> · Code Review", text);
        Assert.Contains($"*{second.Reference}* · <@UMENTEE2> · Mock Interview", text);
        Assert.Contains("`/mentor-volunteer`", text);
        Assert.DoesNotContain(open.Reference, text);
        Assert.DoesNotContain("Your requests", text);
        Assert.DoesNotContain("Coordinating", text);
        Assert.Equal(
            new[] { first, second }.SelectMany(r => new[] { (RequestButtons.SessionDone, r.Reference), (RequestButtons.Release, r.Reference) }).Order(),
            Buttons(answer).Order());
        BlockKitLimits.AssertAll(bot.Slack.Calls);

        // Session done opens the report form where it was pressed; filing it completes the session.
        var formsBefore = bot.Slack.CallsTo("views.open").Count;
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.SessionDone, first.Reference, "UMENTOR1", "DUMENTOR1", answer["ts"] ?? "1.000001")));
        await bot.SubmitReportAsync(Assert.Single(bot.Slack.CallsTo("views.open").Skip(formsBefore)), "UMENTOR1", "Reviewed their code.");
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.Release, second.Reference, "UMENTOR1", "DUMENTOR1", answer["ts"] ?? "1.000001")));

        Assert.Equal(RequestStatus.Completed, (await bot.Store.RequestAsync(first.Reference))!.Status);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(second.Reference))!.Status);
    }

    [Fact]
    public async Task Coordinator_GetsTheQueueSize_AndTheAdminCommands_EachOneTheCommandUnderstands()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Clock.Advance(TimeSpan.FromHours(3));
        await bot.RequestAsync("UMENTEE2", ["SQL"]);

        var answer = await AnswerToAsync(bot, MentorBot.Coordinator);

        var text = answer.AllText;
        Assert.Contains("Coordinating", text);
        Assert.Contains("*Open now:* 2, the oldest waiting 3 h", text);
        foreach (var command in DmAnswer.CoordinatorCommands) Assert.Contains(command, text);
        Assert.DoesNotContain("Your requests", text);
        Assert.Empty(Buttons(answer));

        // The short list stays true: every verb it names is one /mentor-admin knows.
        foreach (var command in DmAnswer.CoordinatorCommands)
        {
            var verb = new string([.. command.Split(' ', 3)[1].TakeWhile(char.IsAsciiLetter)]);
            var ack = await (await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, verb, bot.Slack.ResponseUrl()))).AckAsync();
            Assert.DoesNotContain("I don't know", ack["text"]?.ToString() ?? "");
        }
    }

    [Fact]
    public async Task Stranger_IsToldWhatTheBotIsAndHowToStart_InTheThreadTheyWroteIn()
    {
        await using var bot = await MentorBot.StartAsync();

        await WriteAsync(bot, Dm("USTRANGER", change: e => e["thread_ts"] = "1700000000.000001"));

        var answer = Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Equal(("DUSTRANGER", "1700000000.000001"), (answer["channel"], answer["thread_ts"]));
        var text = answer.AllText;
        Assert.Contains("volunteer mentors for 30-minute sessions", text);
        Assert.Contains("type `/mentor` in any channel", text);
        Assert.Contains("type `/mentor-volunteer`", text);
        Assert.Contains($"message a mentor coordinator: <@{MentorBot.Coordinator}>", text);
        Assert.DoesNotContain("Your requests", text);
        Assert.DoesNotContain("Mentoring", text);
        Assert.DoesNotContain("Coordinating", text);
        Assert.Empty(Buttons(answer));
    }

    [Fact]
    public async Task NothingButAPersonWritingToTheBot_IsAnswered()
    {
        await using var bot = await MentorBot.StartAsync();

        // Another app's post, an edit, a deletion, and the bot's own post (known by its user, even without bot_id).
        await WriteAsync(bot, Dm("UAPPBOT", change: e => { e["bot_id"] = "B0OTHER"; e["subtype"] = "bot_message"; }));
        await WriteAsync(bot, Dm("UAPPBOT2", change: e => e["bot_id"] = "B0OTHER2"));
        await WriteAsync(bot, Dm("UMENTEE1", change: e =>
        {
            e["subtype"] = "message_changed";
            e["hidden"] = true;
            e["message"] = new JsonObject { ["type"] = "message", ["user"] = "UMENTEE1", ["text"] = "hi, edited" };
        }));
        await WriteAsync(bot, Dm("UMENTEE1", change: e => e["subtype"] = "message_deleted"));
        await WriteAsync(bot, Dm(BotUser));
        // A message in a channel the bot is in is not addressed to it.
        await WriteAsync(bot, Dm("UMENTEE1", change: e => { e["channel_type"] = "channel"; e["channel"] = "C0GENERAL"; }));

        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));

        // The same person, writing for real, is answered.
        await AnswerToAsync(bot, "UMENTEE1");
    }

    [Fact]
    public async Task ASlackRetryOfTheSameEvent_IsAnsweredOnce_EvenAfterThePaceWouldAllowAnother()
    {
        await using var bot = await MentorBot.StartAsync();
        var callback = Dm("UMENTEE1", eventId: "Ev0RETRYDM1");

        await WriteAsync(bot, callback);
        await WriteAsync(bot, callback, retry: 1);
        bot.Clock.Advance(DirectMessage.AnswerEvery + TimeSpan.FromMinutes(1));
        await WriteAsync(bot, callback, retry: 2);

        Assert.Single(Answers(bot, "UMENTEE1"));
        // A new message now is answered: it was the event's ID that kept the retries out, not the pace.
        await AnswerToAsync(bot, "UMENTEE1");
    }

    [Fact]
    public async Task ABurstOfLines_IsAnsweredOnce_PerPerson_AndAgainOnceThePaceHasPassed()
    {
        await using var bot = await MentorBot.StartAsync();

        for (var i = 0; i < 20; i++)
        {
            await WriteAsync(bot, Dm("UMENTEE1", $"line {i} of my long question"));
            if (i == 10) await WriteAsync(bot, Dm("UMENTEE2"));
            bot.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Single(Answers(bot, "UMENTEE1"));
        Assert.Single(Answers(bot, "UMENTEE2"));

        bot.Clock.Advance(DirectMessage.AnswerEvery - TimeSpan.FromSeconds(21));
        await WriteAsync(bot, Dm("UMENTEE1"));
        Assert.Single(Answers(bot, "UMENTEE1"));

        bot.Clock.Advance(TimeSpan.FromSeconds(1));
        await WriteAsync(bot, Dm("UMENTEE1"));
        Assert.Equal(2, Answers(bot, "UMENTEE1").Count);
    }

    [Fact]
    public async Task WhenTheRecordsCannotBeRead_TheWriterIsToldToTryAgain_AndHowToStart()
    {
        await using var bot = await MentorBot.StartAsync(services: FailingStore.Failing(nameof(OperationCodeMentor.Storage.IMentorshipStore.GetMenteeRequestsAsync)));

        await WriteAsync(bot, Dm("UMENTEE1"));

        var answer = Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Equal("DUMENTEE1", answer["channel"]);
        Assert.Contains("I couldn't look up your requests just now. Please write again in a few minutes.", answer.AllText);
        Assert.Contains("`/mentor`", answer.AllText);
        Assert.Contains(bot.Logs.Entries, e => e.Message.Contains("Could not read the records to answer a DM", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnAirtable_AMentorWritingToTheBot_GetsTheirClaimWithItsButtons_WhichWork()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"], service: "Code Review");
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        var answer = await AnswerToAsync(bot, "UMENTOR1");

        Assert.Contains("You hold 1 of 2 mentees", answer.AllText);
        Assert.Contains($"*{request.Reference}* · <@UMENTEE1> · Code Review", answer.AllText);
        Assert.Equal([(RequestButtons.SessionDone, request.Reference), (RequestButtons.Release, request.Reference)], Buttons(answer));

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.Release, request.Reference, "UMENTOR1", "DUMENTOR1", answer["ts"] ?? "1.000001")));

        Assert.Equal("open", Assert.Single(airtable.Requests.Records).Text("Status"));
    }

    [Fact]
    public async Task AnotherFeatureListeningToMessages_GetsThemToo_AndTheAnswerStillGoesOut()
    {
        var other = new OtherMessageListener();
        await using var bot = await MentorBot.StartAsync(services: s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions
            .AddSingleton<OperationCodeMentor.Slack.ISlackEventHandler>(s, other));

        await AnswerToAsync(bot, "UMENTEE1");

        Assert.Equal(1, other.Calls);
    }

    private sealed class OtherMessageListener : OperationCodeMentor.Slack.ISlackEventHandler
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public string EventType => DirectMessage.Type;

        public OperationCodeMentor.Reliability.AfterAck? Handle(JsonObject evt)
        {
            Interlocked.Increment(ref _calls);
            return null;
        }
    }
}
