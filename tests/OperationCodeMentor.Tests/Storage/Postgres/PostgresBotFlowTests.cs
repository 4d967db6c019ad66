using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Features.Messages;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// The whole bot on PostgreSQL, driven through its signed HTTP endpoints: the store, the durable queue and the memory of
/// deliveries are all in the database, as with replicas (the two-process tests are in <c>ReplicaTests</c>).
/// </summary>
public class PostgresBotFlowTests
{
    private const string Mentee = "UMENTEE1";

    /// <param name="connection">Added to the connection string (Npgsql settings).</param>
    private static async Task<(MentorBot Bot, string Database)> StartAsync(bool metrics = false, string connection = "")
    {
        var database = await PostgresServer.NewSchemaAsync();
        var bot = await MentorBot.StartAsync(new() { ["Storage:Postgres:ConnectionString"] = database + connection, ["Metrics:Prometheus"] = metrics ? "true" : "false" });
        Assert.True(bot.Services.GetRequiredService<WorkQueue>().Shared, "with PostgreSQL the queue should be the shared one");
        return (bot, database);
    }

    private static Task<long> CountAsync(string database, string sql) => PostgresServer.ScalarAsync<long>(database, sql);

    [Fact]
    public async Task ASubmission_AndTwelveMentorsClaimingAtOnce_OneWins_EveryoneElseIsTold_AllThroughTheDatabase()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        var mentors = Enumerable.Range(1, 12).Select(i => $"UPGRACE{i:D2}").ToList();
        foreach (var m in mentors) await bot.VolunteerAsync(m, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        Assert.Single(bot.Slack.DmsTo(Mentee), d => d.AllText.Contains(request.Reference, StringComparison.Ordinal));
        bot.Slack.Clear();

        await bot.ClickAllAtOnceAsync(RequestButtons.Claim, request, mentors);

        var winner = (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy!;
        Assert.Contains(winner, mentors);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
        var told = bot.Slack.CallsTo("chat.postEphemeral");
        Assert.Equal(mentors.Where(m => m != winner).Order(), told.Select(t => t["user"]!).Order());
        Assert.All(told, t => Assert.Contains($"already claimed by <@{winner}>", t.Text));

        // Every press was a job in the shared table, and every lane was handed back when its work was done.
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE state <> 'done'"));
        Assert.Equal(12, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE state = 'done' AND lane = '" + request.Reference + "'"));
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM work_lanes WHERE leased_by IS NOT NULL"));
    }

    [Fact]
    public async Task WhileTheDatabaseRefusesTheQueuesWrites_AClaimAndASubmissionAreRefusedInWords_AndBothGoThroughOnceItIsBack()
    {
        var (bot, database) = await StartAsync(metrics: true);
        await using var _ = bot;
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        // A second mentee opens the request form: Slack sends the form's blocks back with its submission.
        await bot.SendAsync(bot.Requests.Command("/mentor", "UMENTEE2", triggerId: "trigger-2"));
        var form = (JsonObject)bot.Slack.CallsTo("views.open").Last().Body["view"]!;
        var submission = SlackRequests.ViewSubmission(RequestModal.CallbackId, "UMENTEE2",
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "Could someone look over my resume for a data analyst role?"),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected("Military Spouse")));
        submission["view"]!["blocks"] = form["blocks"]!.DeepClone();
        bot.Slack.Clear();

        // The database stops taking the queue's writes (a failover, a full disk): nothing can be made durable.
        await PostgresServer.ExecAsync(database, "ALTER TABLE work_jobs RENAME TO work_jobs_away");
        var press = await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        var submitted = await bot.SendAsync(bot.Requests.Interaction(submission));

        // The press was not acknowledged (Slack shows its warning sign), and the mentor is told in words what happened.
        Assert.Equal(HttpStatusCode.InternalServerError, press.StatusCode);
        var told = Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal(("UMENTOR1", MentorBot.MentorsChannelId), (told["user"], told["channel"]));
        Assert.Equal(SlackAck.PressFailed, told.Text);
        Assert.Null((await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        // The form stays open with what was typed, and says why at its top.
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var answer = JsonNode.Parse(await submitted.Content.ReadAsStringAsync())!;
        Assert.Equal("errors", answer["response_action"]!.ToString());
        var firstInput = form["blocks"]!.AsArray().First(b => b!["type"]!.ToString() == "input")!["block_id"]!.ToString();
        Assert.Equal(SlackAck.SubmissionFailed, answer["errors"]![firstInput]!.ToString());
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
        // Each failure is counted for an operator's alert.
        var failures = await Telemetry.MetricsTests.ScrapeAsync(bot);
        Assert.Equal(1, Telemetry.MetricsTests.Sample(failures, "ocm_slack_ack_failures_total", ("kind", "action"), ("handler", RequestButtons.Claim)));
        Assert.Equal(1, Telemetry.MetricsTests.Sample(failures, "ocm_slack_ack_failures_total", ("kind", "view"), ("handler", RequestModal.CallbackId)));

        // Once the database is back, pressing and submitting again at once both go through, once each.
        await PostgresServer.ExecAsync(database, "ALTER TABLE work_jobs_away RENAME TO work_jobs");
        var again = await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        var resubmitted = await bot.SendAsync(bot.Requests.Interaction(submission));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (again.StatusCode, resubmitted.StatusCode));
        Assert.Equal("", await resubmitted.Content.ReadAsStringAsync());
        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId && c.AllText.Contains("resume", StringComparison.Ordinal));
        Assert.Single(bot.Slack.DmsTo("UMENTEE2"));
        Assert.Equal(1, Telemetry.MetricsTests.Sample(await Telemetry.MetricsTests.ScrapeAsync(bot), "ocm_slack_ack_failures_total", ("kind", "action"), ("handler", RequestButtons.Claim)));
    }

    [Fact]
    public async Task AClaim_IsDecidedOnWhatWasReadWithTheClicksOwnWrite_WithNoReadOfItsOwn()
    {
        // Where the connection prepares its statements (IMentorshipStore.ReadWithTheWrite), as one straight to the server
        // does by default; the first lines say so.
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        Assert.Contains(bot.Logs.Entries, e => e.Message.StartsWith("PostgreSQL statements: prepared (the 20 most used per connection)", StringComparison.Ordinal));
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        var written = (await bot.Store.RequestAsync(request.Reference))!.Details;
        // The moment the click's write commits, its request's details change (a trigger deferred to that commit): a job
        // that read the request for itself would show the new details on the card; one decided on what the click's write
        // read a moment before shows those it read.
        await PostgresServer.ExecAsync(database, """
            CREATE FUNCTION change_details() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE requests SET details = 'Changed as the click was committed'; RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER change_details AFTER INSERT ON work_jobs DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (NEW.kind = 'claim') EXECUTE FUNCTION change_details();
            """);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Contains(written, card.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("Changed as the click was committed", card.AllText, StringComparison.Ordinal);
        var stored = (await bot.Store.RequestAsync(request.Reference))!;
        Assert.Equal("UMENTOR1", stored.ClaimedBy);
        Assert.Equal("Changed as the click was committed", stored.Details);
    }

    /// <summary>
    /// At the commit of a submission's write (a trigger deferred to it), the numbers move on to 5000 and the one Python mentor
    /// pauses: a job that numbered the request and read the mentors for itself would show request 5001 and mention nobody.
    /// </summary>
    private static async Task<(MentorBot Bot, string Database)> StartChangingAtTheSubmissionsCommitAsync()
    {
        var (bot, database) = await StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await ChangeAtTheSubmissionsCommitAsync(database);
        bot.Slack.Clear();
        return (bot, database);
    }

    private static Task ChangeAtTheSubmissionsCommitAsync(string database) => PostgresServer.ExecAsync(database, """
        CREATE FUNCTION move_on() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM setval('request_numbers', 5000); UPDATE mentors SET paused = 1; RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER move_on AFTER INSERT ON work_jobs DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.kind = 'submit-request') EXECUTE FUNCTION move_on();
        """);

    [Fact]
    public async Task ASubmissionAlone_IsNumberedWithItsOwnWrite_ItsCardNamesTheMentorsReadThen_AndNothingIsReadBackFromSlack()
    {
        var (bot, database) = await StartChangingAtTheSubmissionsCommitAsync();
        await using var _ = bot;

        var request = await bot.RequestAsync(Mentee, ["Python"]);

        Assert.Equal("R-1001", request.Reference);
        var card = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Contains("<@UMENTOR1>", card.AllText, StringComparison.Ordinal);
        Assert.Single(bot.Slack.DmsTo(Mentee), d => d.AllText.Contains(request.Reference, StringComparison.Ordinal));
        // The card's and the confirmation's intents went to disk with the submission itself: nothing to look for first.
        Assert.Empty(bot.Slack.CallsTo("conversations.history"));
        Assert.Equal(request.Reference, (await bot.Store.RequestAsync(request.Reference))!.Reference);
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM mentors WHERE paused <> 0"));
    }

    [Fact]
    public async Task ASubmissionNumberedWithItsOwnWrite_WhoseFirstAttemptFails_LooksBeforeSendingAgain_AndPostsItsCardOnce()
    {
        var (bot, database) = await StartChangingAtTheSubmissionsCommitAsync();
        await using var _ = bot;
        // The card goes out; opening the mentee's DM for the confirmation fails until the client gives up, and the work is
        // tried again: that attempt cannot know whether the first one sent anything, so it reads back.
        bot.Slack.FailNext("conversations.open", HttpStatusCode.ServiceUnavailable, times: 10);

        var response = await bot.Http.SendAsync(bot.Requests.Interaction(MentorBot.Submission(Mentee, ["Python"], "Please look over my first API.")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await bot.SettleAsync();

        var card = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Contains("R-1001", card.AllText, StringComparison.Ordinal);
        Assert.NotEmpty(bot.Slack.CallsTo("conversations.history"));
        Assert.Single(bot.Slack.DmsTo(Mentee), d => d.AllText.Contains("R-1001", StringComparison.Ordinal));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM requests"));
    }

    [Fact]
    public async Task ASubmissionRightBehindAnother_IsNumberedWithItsOwnWrite_AndNeitherReadsBackFromSlack()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        bot.Slack.Clear();
        // The first submission's card is on its way to Slack, its job holding the intake, when the second is written.
        var (release, reached) = bot.Slack.HoldBefore("chat.postMessage");
        var first = await bot.Http.SendAsync(bot.Requests.Interaction(MentorBot.Submission(Mentee, ["Python"], "Please review my first Flask app.")));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await reached.WaitAsync(TimeSpan.FromSeconds(10));
        await ChangeAtTheSubmissionsCommitAsync(database);

        var second = await bot.Http.SendAsync(bot.Requests.Interaction(MentorBot.Submission("UMENTEE2", ["Python"], "Please look over my resume.")));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        // Its write numbered it next, with its intents, and marked it for its first taker: nobody has tried it.
        var progress = JsonNode.Parse(await PostgresServer.ScalarAsync<string>(database, "SELECT progress FROM work_jobs WHERE kind = 'submit-request' ORDER BY id DESC LIMIT 1"))!.AsObject();
        Assert.Equal(1002, progress["number"]!.GetValue<long>());
        Assert.True(progress[Job.UntriedMark]!.GetValue<bool>());
        release.SetResult();
        await bot.IdleAsync();

        // Numbered and read at its write (the trigger moved the numbers on and paused the mentor at its commit), and its
        // intents taken as written with the work: no card, no confirmation looked for in Slack first.
        var cards = bot.Slack.CallsTo("chat.postMessage").Where(c => c["channel"] == MentorBot.MentorsChannelId).ToList();
        Assert.Equal(2, cards.Count);
        Assert.Contains("R-1001", cards[0].AllText, StringComparison.Ordinal);
        Assert.Contains("R-1002", cards[1].AllText, StringComparison.Ordinal);
        Assert.All(cards, c => Assert.Contains("<@UMENTOR1>", c.AllText, StringComparison.Ordinal));
        Assert.Single(bot.Slack.DmsTo(Mentee), d => d.AllText.Contains("R-1001", StringComparison.Ordinal));
        Assert.Single(bot.Slack.DmsTo("UMENTEE2"), d => d.AllText.Contains("R-1002", StringComparison.Ordinal));
        Assert.Empty(bot.Slack.CallsTo("conversations.history"));
        Assert.Equal(2, await CountAsync(database, "SELECT COUNT(*) FROM requests"));
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE state <> 'done'"));
    }

    [Fact]
    public async Task ADoubleClick_IsRecognisedThroughTheDatabase_AndClaimsOnce()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Clock.Advance(TimeSpan.FromMilliseconds(400));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Empty(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM seen_deliveries WHERE key LIKE 'click:UMENTOR1%'"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE key LIKE '%:UMENTOR1:%' AND kind LIKE '%claim%'"));
    }

    [Fact]
    public async Task ARetriedEvent_IsAnsweredOnce()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        var dm = DirectMessageTests.Dm("UWRITER1", eventId: "Ev0PGRETRY1");
        var first = await bot.SendAsync(bot.Requests.Event(dm));
        var retry = bot.Requests.Event(dm);
        retry.Headers.Add("X-Slack-Retry-Num", "1");
        retry.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        var second = await bot.SendAsync(retry);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Single(bot.Slack.DmsTo("UWRITER1"), c => c.AllText.Contains("I can't read messages here", StringComparison.Ordinal));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM seen_deliveries WHERE key = 'event:Ev0PGRETRY1'"));
    }

    [Fact]
    public async Task APressReachingAReplicaOnItsWayOut_IsLeftForAnother_NotHeldForTheLease()
    {
        var database = await PostgresServer.NewSchemaAsync();
        var clock = new ManualTimeProvider();
        await using var slack = await FakeSlack.StartAsync();
        var settings = new Dictionary<string, string?> { ["Storage:Postgres:ConnectionString"] = database };
        await using var leaving = await MentorBot.StartAsync(settings, slack, clock);
        await using var staying = await MentorBot.StartAsync(settings, slack, clock);
        await staying.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await staying.RequestAsync(Mentee, ["Python"]);

        // Shutting down: its queue has stopped (work finished, leases handed back) while its server still answers.
        await leaving.Services.GetRequiredService<WorkQueue>().StopAsync(CancellationToken.None);
        var click = await leaving.Http.SendAsync(leaving.Requests.Interaction(
            SlackRequests.BlockAction(RequestButtons.Claim, request.Reference, "UMENTOR1", MentorBot.MentorsChannelId, request.MessageTs!)));

        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        Assert.Equal(1L, await CountAsync(database, $"SELECT COUNT(*) FROM work_jobs WHERE lane = '{request.Reference}' AND kind = 'claim' AND state = 'pending'"));
        Assert.Equal(0L, await CountAsync(database, $"SELECT COUNT(*) FROM work_lanes WHERE lane = '{request.Reference}' AND leased_by IS NOT NULL"));
        // The other replica takes it at its next look, a second on, not once a lease of 30 seconds has run out.
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(async () => (await staying.Store.RequestAsync(request.Reference))!.ClaimedBy == "UMENTOR1", "the staying replica to make the claim");
        await staying.IdleAsync();
        Assert.Single(slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", Mentee));
    }

    [Fact]
    public async Task TwoReplicasReachingTheDigestsMoment_SendItOnce()
    {
        // Two bots on one database and one clock: both wake at Monday 09:00 in New York.
        var database = await PostgresServer.NewSchemaAsync();
        var clock = new ManualTimeProvider();
        await using var slack = await FakeSlack.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Postgres:ConnectionString"] = database,
            ["Mentorship:Digest"] = "Monday 09:00",
            ["Mentorship:TimeZone"] = "America/New_York",
            ["Mentorship:Coordinators:0"] = $"{MentorBot.Coordinator},UCOORD02",
        };
        await using var a = await MentorBot.StartAsync(settings, slack, clock);
        await using var b = await MentorBot.StartAsync(settings, slack, clock);
        WeeklyDigest Digest(MentorBot bot) => bot.Services.GetRequiredService<WeeklyDigest>();
        var due = new DateTimeOffset(2026, 11, 9, 14, 0, 0, TimeSpan.Zero);
        await Eventually.TrueAsync(() => Digest(a).NextDueAt == due && Digest(b).NextDueAt == due, "both replicas to wait for Monday");

        clock.SetUtcNow(due);
        await Eventually.TrueAsync(() => Digest(a).Sent + Digest(b).Sent == 1, "one replica to send the digest");
        // Both at once: the replica that sent it marks its job done with its next look for work (a finish put off), which
        // only its own wait asks for while the clock stands still.
        await Task.WhenAll(a.IdleAsync(), b.IdleAsync());

        var digests = slack.CallsTo("chat.postMessage").Where(c => c.Text.Contains("weekly mentorship digest", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(["D" + MentorBot.Coordinator, "DUCOORD02"], digests.Select(d => d["channel"]!).Order());
        Assert.Equal(1, Digest(a).Sent + Digest(b).Sent);
    }
}
