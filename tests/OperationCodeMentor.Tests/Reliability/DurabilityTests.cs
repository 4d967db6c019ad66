using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Reliability;

public class DurabilityTests
{
    private static JsonObject Submission(string mentee, string details = "Please help me get ready for a first interview.") =>
        SlackRequests.ViewSubmission(RequestModal.CallbackId, mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, details), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")));

    [Fact]
    public async Task TheSameViewSubmittedTwice_IsStoredPostedAndConfirmedOnce()
    {
        await using var bot = await MentorBot.StartAsync();
        var payload = Submission("UMENTEE1");
        var first = bot.Http.SendAsync(bot.Requests.Interaction(payload));
        var second = bot.Http.SendAsync(bot.Requests.Interaction(payload));
        Assert.All(await Task.WhenAll(first, second), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await bot.IdleAsync();

        Assert.NotNull(await bot.Store.RequestAsync("1001"));
        Assert.Null(await bot.Store.RequestAsync("1002"));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1");
    }

    [Fact]
    public async Task AClaimWhoseWorkCouldNotBeWritten_IsRefusedInWords_AndPressingAgainAtOnce_IsNotTakenForADoubleClick()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();
        void Queue(string sql)
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(bot.DataFolder, "pending.db")};Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        // The queue's file cannot take the press's work (here its table is out of the way; a full disk does the same).
        Queue("ALTER TABLE jobs RENAME TO jobs_away");
        var press = await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        Assert.Equal(HttpStatusCode.InternalServerError, press.StatusCode);
        Assert.Equal(SlackAck.PressFailed, Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"), e => e["user"] == "UMENTOR1").Text);

        // The mentor presses again straight away, within the double-click window of the first press (the clock has not
        // moved): that press was never acted on, so this one is.
        Queue("ALTER TABLE jobs_away RENAME TO jobs");
        var again = await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
    }

    [Fact]
    public async Task WhenSlackCannotTakeTheCard_TheRequestIsStoredAtOnce_AndItsCardPostedOnceWhenSlackRecovers()
    {
        await using var bot = await MentorBot.StartAsync();
        bot.Slack.FailNext("chat.postMessage", HttpStatusCode.ServiceUnavailable, times: 3);

        Assert.Equal(HttpStatusCode.OK, (await bot.Http.SendAsync(bot.Requests.Interaction(Submission("UMENTEE1")))).StatusCode);

        // Coordinators can see it while Slack is failing, though it has no card yet.
        OperationCodeMentor.Mentorship.MentorRequest? stored = null;
        await Eventually.TrueAsync(() => (stored = bot.Store.GetOpenRequestsAsync().Result.SingleOrDefault()) is not null, "the request to be stored");
        Assert.Null(stored!.MessageTs);
        Assert.Empty(bot.Slack.Messages);

        await bot.SettleAsync();

        var card = Assert.Single(bot.Slack.Messages, m => m.Channel == MentorBot.MentorsChannelId);
        Assert.Equal(card.Ts, (await bot.Store.RequestAsync(stored.Reference))!.MessageTs);
        Assert.Single(bot.Slack.Messages, m => m.Channel == "DUMENTEE1" && m.Body.ToJsonString().Contains("received-"));
        // Slack was back within seconds: not worth telling the mentee about.
        Assert.DoesNotContain(bot.Slack.Messages, m => m.Body["text"]!.ToString().Contains("holding it up"));
    }

    [Fact]
    public async Task WhileSlackIsDown_SubmissionsWait_ThenAllGoOutOnceInOrder()
    {
        await using var bot = await MentorBot.StartAsync();
        bot.Slack.FailNext("chat.postMessage", HttpStatusCode.ServiceUnavailable, times: 30);
        for (var i = 0; i < 5; i++)
        {
            var response = await bot.Http.SendAsync(bot.Requests.Interaction(Submission($"UDOWN{i}", $"Request {i} made while Slack was down.")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Move the clock through the retry delays until the queue has drained.
        await bot.SettleAsync();

        // What Slack actually took (failed attempts are recorded as calls but never posted).
        var posted = bot.Slack.Messages;
        var cards = posted.Where(m => m.Channel == MentorBot.MentorsChannelId && m.Body["text"]!.ToString().StartsWith("New mentorship request", StringComparison.Ordinal)).ToList();
        Assert.Equal(["R-1001", "R-1002", "R-1003", "R-1004", "R-1005"], cards.Select(c => c.Body["text"]!.ToString().Split(':')[0].Split(' ')[^1]));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"UDOWN{i}", (await bot.Store.RequestAsync($"R-{1001 + i}"))!.MenteeSlackId);
            Assert.Single(posted, m => m.Channel == $"DUDOWN{i}" && m.Body.ToJsonString().Contains("received-"));
        }
        // The first request waited long enough that its mentee was told it is delayed, once.
        Assert.Single(posted, m => m.Channel == "DUDOWN0" && m.Body["text"]!.ToString().Contains("holding it up"));
    }

    /// <summary>
    /// A claim is pressed and held in Slack (its card's update does not answer), then shutdown begins: the claim keeps it
    /// open until <c>Held</c> is let go. <c>Stop</c> ends when the host has stopped.
    /// </summary>
    private static async Task<(TaskCompletionSource Held, Task Stop)> ShutDownDuringAClaimAsync(MentorBot bot)
    {
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();
        var held = bot.Slack.Hold("chat.update");
        var click = await bot.Http.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.Claim, request.Reference, "UMENTOR1", MentorBot.MentorsChannelId, request.MessageTs!)));
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        await Eventually.TrueAsync(() => bot.Slack.CallsTo("chat.update").Count == 1, "the claim to reach Slack");

        var lifetime = bot.Services.GetRequiredService<IHostApplicationLifetime>();
        var stop = Task.Run(lifetime.StopApplication);
        await Eventually.TrueAsync(() => lifetime.ApplicationStopping.IsCancellationRequested, "shutdown to begin");
        return (held, stop);
    }

    [Fact]
    public async Task Shutdown_FinishesWorkAlreadyUnderWay()
    {
        await using var bot = await MentorBot.StartAsync();
        var (held, stop) = await ShutDownDuringAClaimAsync(bot);

        held.SetResult();
        await stop;
        await bot.Services.GetRequiredService<OperationCodeMentor.Reliability.WorkQueue>().WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));

        // The claim finished after shutdown began: the pair were introduced and the mentor DMed.
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1"));
    }

    [Fact]
    public async Task WhileShuttingDown_TheReadinessProbeFails_SoTheLoadBalancerSendsNoMore()
    {
        await using var bot = await MentorBot.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/ready")).StatusCode);
        var (held, stop) = await ShutDownDuringAClaimAsync(bot);

        // The claim under way holds the shutdown open; the bot still answers, but no longer says it is ready.
        var ready = await bot.Http.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/live")).StatusCode);
        held.SetResult();
        await stop;
    }

    [Fact]
    public async Task Healthz_ReportsTheQueue_AndWhetherSlackAnswers()
    {
        await using var bot = await MentorBot.StartAsync();
        var ok = JsonNode.Parse(await bot.Http.GetStringAsync("/healthz"))!;
        Assert.True(ok["slack"]!["reachable"]!.GetValue<bool>());
        Assert.Equal(0, ok["pendingQueue"]!["depth"]!.GetValue<int>());

        bot.Slack.ErrorNext("auth.test", "invalid_auth");
        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        var down = await bot.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        var body = JsonNode.Parse(await down.Content.ReadAsStringAsync())!;
        Assert.False(body["slack"]!["reachable"]!.GetValue<bool>());
        Assert.Contains("invalid_auth", body["slack"]!["error"]!.ToString());
        Assert.DoesNotContain(FakeSlack.BotToken, body.ToJsonString());
    }

    [Theory]
    [InlineData("time-out")]
    [InlineData("502 after posting")]
    public async Task WhenSlackPostsTheCardButTheAnswerIsLost_TheRerunFindsItInsteadOfPostingAgain(string how)
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:RequestTimeout"] = "00:00:01" });
        var lost = how == "time-out" ? bot.Slack.Hold("chat.postMessage") : null;
        if (lost is null) bot.Slack.FailAfterTaking("chat.postMessage", HttpStatusCode.BadGateway);
        var response = await bot.Http.SendAsync(bot.Requests.Interaction(Submission("UMENTEE1")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Slack has the card, but the bot never hears so: the request is stored at once, and the card that follows
        // reads the channel back first, finds the one Slack took, and records it instead of posting another.
        await Eventually.TrueAsync(() => bot.Store.RequestAsync("R-1001").Result?.MessageTs is not null, "the card to be found and recorded", TimeSpan.FromSeconds(20));
        // A held answer holds the confirmation too: once Slack answers again it goes out, once.
        lost?.SetResult();
        await bot.SettleAsync();

        var card = Assert.Single(bot.Slack.Messages, m => m.Channel == MentorBot.MentorsChannelId);
        Assert.Equal(card.Ts, (await bot.Store.RequestAsync("R-1001"))!.MessageTs);
        Assert.Contains(bot.Slack.CallsTo("conversations.history"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Single(bot.Slack.Messages, m => m.Channel == "DUMENTEE1");
    }
}
