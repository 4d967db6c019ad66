using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Admin;

public class StatsTests
{
    /// <summary>
    /// A month of history, every figure worked out by hand below. "Now" is the test clock's start.
    ///
    ///   req  made    service          skills            what happened
    ///   A    -10 d   Code Review      Python            claimed by UMPY after 2 h; session done after 1 d; "it helped"
    ///   B    -9 d    Code Review      Python, SQL       claimed by UMPY2 after 30 h; session done 2 d ago; "another mentor" 1 d ago, which opens J
    ///   C    -8 d    Mock Interview   JavaScript        claimed by UMJS after 72 h; session done after 4 d; no answer yet
    ///   D    -7 d    Career Guidance  Go                escalated after 6 d; still open
    ///   E    -6 d    Code Review      Python            closed by the coordinator after 1 h, never claimed
    ///   F    -5 d    Mock Interview   JavaScript, Go    assigned to UMJS by the coordinator after 50 h
    ///   G    -1 d    Code Review      Python            still open
    ///   I    -4 d    Code Review      Python            escalated after 3 h, claimed by UMPY after 4 h, released at 5 h, claimed by UMPY2 at 20 h
    ///   J    -1 d    Code Review      Python, SQL       B's follow-up (UB asked for another mentor); still open
    ///   H    -40 d   Resume Review    Python            claimed by UMPY after 1 h; session done; "it helped" (outside the 30 days)
    ///
    /// In the last 30 days: 9 requests (A B C D E F G I J). By service: Code Review 6, Mock Interview 2, Career Guidance 1.
    /// By skill: Python 6, then Go, JavaScript and SQL 2 each. Claimed: A B C F I = 5; by hand: F = 1; closed: E = 1.
    /// Time to first claim (I counts its first claim, 4 h): 2 h, 4 h, 30 h, 50 h, 72 h; median 30 h = 1 d 6 h;
    /// 90th percentile is the ⌈0.9 × 5⌉ = 5th value, 72 h = 3 d.
    /// Claimed within 48 h: old enough and not withdrawn unclaimed = A B C D F I (E withdrawn, G and J a day old) = 6;
    /// within 48 h: A (2 h), B (30 h), I (4 h) = 3, so 3 of 6 (50%).
    /// Open now: D, G and J, the oldest 7 d; D (Go) has no available mentor, G and J (Python) have UMPY: 1 with none.
    /// Pairings: UMJS 2 (C F), UMPY2 2 (B I), UMPY 1 (A). Skills asked for: Go by nobody (asked 2×);
    /// JavaScript (2×) only UMJS, SQL (2×) only UMPY; Python has two mentors (UMPY2 is paused but still lists it).
    /// Escalated: D and I = 2 of 9 (22%); I's release started its ladder again, but it was escalated all the same.
    /// Sessions done: A B C = 3 (H is outside the period). Answers: A "it helped", B "another mentor": 1 of 2 (50%).
    /// Re-pairs: B, reopened as J = 1.
    /// </summary>
    [Fact]
    public async Task Stats_OnASeededHistory_GiveTheFiguresWorkedOutByHand()
    {
        await using var bot = await MentorBot.StartAsync();
        var now = bot.Clock.GetUtcNow();
        await bot.VolunteerAsync("UMPY", ["Python", "SQL"], maxMentees: 5);
        await bot.VolunteerAsync("UMPY2", ["Python"], maxMentees: 5);
        await bot.VolunteerAsync("UMJS", ["JavaScript"], maxMentees: 5);
        await bot.Store.SetMentorPausedAsync("UMPY2", true);
        var store = bot.Store;
        var d = TimeSpan.FromDays(1);
        var h = TimeSpan.FromHours(1);

        var a = await bot.SeedRequestAsync("UA", ["Python"], now - 10 * d);
        await store.TryClaimAsync(a.Reference, "UMPY", a.CreatedAt + 2 * h);
        await store.TryCompleteSessionAsync(a.Reference, "UMPY", "UMPY", a.CreatedAt + d);
        await store.TryRecordFeedbackAsync(a.Reference, SessionFeedback.Helped, "UA", a.CreatedAt + d + h);
        var b = await bot.SeedRequestAsync("UB", ["Python", "SQL"], now - 9 * d);
        await store.TryClaimAsync(b.Reference, "UMPY2", b.CreatedAt + 30 * h);
        await store.TryCompleteSessionAsync(b.Reference, "UMPY2", "UMPY2", now - 2 * d);
        var repair = await store.TryRecordFeedbackAsync(b.Reference, SessionFeedback.AnotherMentor, "UB", now - d);
        Assert.Equal(now - d, repair.FollowUpRequest!.CreatedAt);
        var c = await bot.SeedRequestAsync("UC", ["JavaScript"], now - 8 * d, "Mock Interview");
        await store.TryClaimAsync(c.Reference, "UMJS", c.CreatedAt + 72 * h);
        await store.TryCompleteSessionAsync(c.Reference, "UMJS", "UMJS", c.CreatedAt + 4 * d);
        var dd = await bot.SeedRequestAsync("UD", ["Go"], now - 7 * d, "Career Guidance");
        await EscalateAsync(bot, dd, dd.CreatedAt + 6 * d);
        var e = await bot.SeedRequestAsync("UE", ["Python"], now - 6 * d);
        await store.TryCloseAsync(e.Reference, MentorBot.Coordinator, "asked twice", e.CreatedAt + h);
        var f = await bot.SeedRequestAsync("UF", ["JavaScript", "Go"], now - 5 * d, "Mock Interview");
        await store.TryAssignAsync(f.Reference, "UMJS", MentorBot.Coordinator, expectedClaimer: null, f.CreatedAt + 50 * h);
        await bot.SeedRequestAsync("UG", ["Python"], now - d);
        var i = await bot.SeedRequestAsync("UI", ["Python"], now - 4 * d);
        await EscalateAsync(bot, i, i.CreatedAt + 3 * h);
        await store.TryClaimAsync(i.Reference, "UMPY", i.CreatedAt + 4 * h);
        await store.TryReleaseAsync(i.Reference, "UMPY", "UMPY", i.CreatedAt + 5 * h);
        Assert.Null((await store.GetRequestAsync(i.Reference))!.FollowUp.EscalatedAt);
        await store.TryClaimAsync(i.Reference, "UMPY2", i.CreatedAt + 20 * h);
        var old = await bot.SeedRequestAsync("UH", ["Python"], now - 40 * d, "Resume Review");
        await store.TryClaimAsync(old.Reference, "UMPY", old.CreatedAt + h);
        await store.TryCompleteSessionAsync(old.Reference, "UMPY", "UMPY", old.CreatedAt + d);
        await store.TryRecordFeedbackAsync(old.Reference, SessionFeedback.Helped, "UH", old.CreatedAt + 2 * d);

        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats", responseUrl: bot.Slack.ResponseUrl()));

        var reply = Assert.Single(bot.Slack.CallsTo("response_url"));
        var text = reply.AllText;
        Assert.Contains("the last 30 days", text);
        Assert.Contains("*9 requests* · 5 claimed · 1 paired by a coordinator · 1 closed", text);
        Assert.Contains("*Open now:* 3, the oldest waiting 7 d; 1 with no available mentor for their skills", text);
        Assert.Contains("*Time to first claim:* median 1 d 6 h · 90th percentile 3 d", text);
        Assert.Contains("*Claimed within 48 h:* 3 of 6 (50%)", text);
        Assert.Contains("• Code Review: 6\\n• Mock Interview: 2\\n• Career Guidance: 1", text);
        Assert.Contains("• Python: 6\\n• Go: 2\\n• JavaScript: 2\\n• SQL: 2", text);
        Assert.Contains("• <@UMJS>: 2\\n• <@UMPY2>: 2\\n• <@UMPY>: 1", text);
        Assert.Contains("_No mentor lists:_\\n• Go (asked 2×)", text);
        Assert.Contains("_Only one mentor lists:_\\n• JavaScript (asked 2×): only <@UMJS>\\n• SQL (asked 2×): only <@UMPY>", text);
        Assert.DoesNotContain("Python (asked", text);
        Assert.DoesNotContain("Resume Review", text);
        Assert.Contains("*Escalated:* 2 of 9 (22%)", text);
        Assert.Contains("*Sessions done:* 3", text);
        Assert.Contains("*Feedback \\\"it helped\\\":* 1 of 2 (50%)", text);
        Assert.Contains("*Re-pairs:* 1", text);
        Assert.DoesNotContain(StatsMessage.NotTracked, text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);

        // A shorter window: only G and J (a day old), nothing claimed, escalated, done or answered.
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats 2", responseUrl: bot.Slack.ResponseUrl("two")));
        var recent = bot.Slack.CallsTo("response_url").Last().AllText;
        Assert.Contains("the last 2 days", recent);
        Assert.Contains("*2 requests* · 0 claimed", recent);
        Assert.Contains("median n/a (nothing claimed)", recent);
        Assert.Contains("*Claimed within 48 h:* n/a (none yet)", recent);
        Assert.Contains("*Escalated:* 0 of 2 (0%)", recent);
        Assert.Contains("*Sessions done:* 0", recent);
        Assert.Contains("*Feedback \\\"it helped\\\":* n/a (none yet)", recent);
        Assert.Contains("*Re-pairs:* 0", recent);
    }

    /// <summary>
    /// The same figures as the ladder and the buttons record them: a request climbs the whole ladder to its escalation,
    /// is claimed, released and claimed again, its session is marked done and the mentee asks for another mentor.
    /// Two requests (the first and its follow-up): 1 of 2 escalated, 1 session done, 0 of 1 "it helped", 1 re-pair.
    /// </summary>
    [Fact]
    public async Task Stats_CountWhatTheLadderAndTheButtonsRecorded()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.SweepAsync();
        for (var step = 0; step < 11; step++) await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        Assert.Single(bot.Slack.DmsTo(FollowUpKit.Escalation));

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR2");
        await bot.FileReportAsync(request.Reference, "UMENTOR2");
        await bot.PressAsync(AnotherMentorAction.Id, request.Reference, "UMENTEE1");

        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats 1", responseUrl: bot.Slack.ResponseUrl()));

        var text = bot.Slack.CallsTo("response_url").Single().AllText;
        Assert.Contains("*2 requests* · 1 claimed", text);
        Assert.Contains("*Escalated:* 1 of 2 (50%)", text);
        Assert.Contains("*Sessions done:* 1", text);
        Assert.Contains("*Feedback \\\"it helped\\\":* 0 of 1 (0%)", text);
        Assert.Contains("*Re-pairs:* 1", text);
    }

    [Fact]
    public async Task Stats_OfOneRequest_SpeakOfOneRequest()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.RequestAsync("UMENTEE1", ["Python"]);

        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats 1", responseUrl: bot.Slack.ResponseUrl()));

        var answer = bot.Slack.CallsTo("response_url").Single();
        Assert.Equal("Mentorship stats: 1 request, 0 claimed, 1 open now.", answer.Text);
        Assert.Contains("*1 request* · 0 claimed", answer.AllText);
    }

    /// <summary>Seeds an escalation the way the sweep records one: the step begun, then done with its time.</summary>
    private static async Task EscalateAsync(MentorBot bot, MentorRequest r, DateTimeOffset at)
    {
        var tracked = (await bot.Store.GetRequestAsync(r.Reference))!;
        Assert.True(await bot.Store.TryBeginStepAsync(r.Reference, tracked.Version, FollowUpStep.Escalate, "seed", at));
        Assert.True(await bot.Store.TryCompleteStepAsync(r.Reference, "seed", tracked.FollowUp with { EscalatedAt = at }, at));
    }

    [Fact]
    public void FollowUpFigures_AppearOnceTheStoreRecordsThem()
    {
        var now = new DateTimeOffset(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);
        MentorRequest Request(string id) => new("R-" + id, "UM" + id, null, "Code Review", ["Python"], "details", "Veteran",
            RequestStatus.Completed, now.AddDays(-3), "UMENTOR", now.AddDays(-2), null, null, 0, null, null, []);
        var rows = new[]
        {
            new RequestActivity(Request("1"), now.AddDays(-2), null, null, null, EscalatedAt: now.AddDays(-2.5), SessionDoneAt: now.AddDays(-1), Helped: true),
            new RequestActivity(Request("2"), now.AddDays(-2), null, null, null, SessionDoneAt: now.AddDays(-1), Helped: false, RePairs: 1),
            new RequestActivity(Request("3"), now.AddDays(-2), null, null, null, ContactLostAt: now.AddDays(-1)),
            new RequestActivity(Request("4") with { Status = RequestStatus.Open, ClaimedBy = null, ClaimedAt = null }, null, null, null, null),
        };

        var untracked = ProgramStats.Compute(new ActivityHistory(rows, FollowUpFields.None), [], [], now.AddDays(-30), now);
        Assert.Null(untracked.Escalated);
        Assert.Null(untracked.SessionsDone);
        Assert.Null(untracked.Helped);
        Assert.Null(untracked.RePairs);
        Assert.Null(untracked.ContactLost);

        var all = FollowUpFields.Escalation | FollowUpFields.SessionDone | FollowUpFields.Feedback | FollowUpFields.RePairs | FollowUpFields.ContactLost;
        var tracked = ProgramStats.Compute(new ActivityHistory(rows, all), [], [], now.AddDays(-30), now);
        Assert.Equal(new Share(1, 4), tracked.Escalated);
        Assert.Equal(2, tracked.SessionsDone);
        Assert.Equal(new Share(1, 2), tracked.Helped);
        Assert.Equal(1, tracked.RePairs);
        // Of the three requests ever claimed (not the one still open), one ended as contact lost.
        Assert.Equal(new Share(1, 3), tracked.ContactLost);
        var (_, blocks) = StatsMessage.Build(tracked, "Stats");
        var text = blocks.ToJsonString();
        Assert.Contains("*Escalated:* 1 of 4 (25%)", text);
        Assert.Contains("the mentee never answered): 1 of 3 (33%)", text);
        Assert.Contains("*Sessions done:* 2", text);
        Assert.Contains("2 (50%)", text);
        Assert.DoesNotContain(StatsMessage.NotTracked, text);
    }

    [Fact]
    public void SessionFigures_ShareReported_MeanRating_AndShareRated_CountOnlySessionsDone()
    {
        var now = new DateTimeOffset(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);
        MentorRequest Request(string id) => new("R-" + id, "UM" + id, null, "Code Review", ["Python"], "details", "Veteran",
            RequestStatus.Completed, now.AddDays(-3), "UMENTOR", now.AddDays(-2), null, null, 0, null, null, []);
        var done = now.AddDays(-1);
        var rows = new[]
        {
            new RequestActivity(Request("1"), now.AddDays(-2), null, null, null, SessionDoneAt: done, Reported: true, Rating: 5),
            new RequestActivity(Request("2"), now.AddDays(-2), null, null, null, SessionDoneAt: done, Reported: true, Rating: 2),
            new RequestActivity(Request("3"), now.AddDays(-2), null, null, null, SessionDoneAt: done, Reported: true),
            new RequestActivity(Request("4"), now.AddDays(-2), null, null, null, SessionDoneAt: done),
            new RequestActivity(Request("5"), now.AddDays(-2), null, null, null),
        };

        var stats = ProgramStats.Compute(new ActivityHistory(rows, ActivityHistory.Everything), [], [], now.AddDays(-30), now);
        var none = ProgramStats.Compute(new ActivityHistory([rows[4]], ActivityHistory.Everything), [], [], now.AddDays(-30), now);

        Assert.Equal(new Share(3, 4), stats.SessionsReported);
        Assert.Equal(new Share(2, 4), stats.SessionsRated);
        Assert.Equal(3.5, stats.MeanRating);
        Assert.Null(none.MeanRating);
        static string Text(ProgramStats s) => string.Join("\n", StatsMessage.Build(s, "Stats").Blocks.Select(b => b?["text"]?["text"]?.ToString()));
        var text = Text(stats);
        Assert.Contains("*Sessions with a report:* 3 of 4 (75%)", text);
        Assert.Contains("*Rating:* mean 3.5 of 5 · rated: 2 of 4 (50%)", text);
        Assert.Contains("mean rating 3.5 of 5", StatsMessage.Headline(stats, 30));
        Assert.Contains("*Rating:* n/a (no session rated yet) · rated: n/a (none yet)", Text(none));
        Assert.DoesNotContain("mean rating", StatsMessage.Headline(none, 30));
    }

    [Theory]
    [InlineData(new[] { 5.0 }, 5.0, 5.0)]
    [InlineData(new[] { 1.0, 3.0 }, 2.0, 3.0)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0 }, 5.5, 9.0)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0 }, 6.0, 10.0)]
    public void MedianAndP90_FollowTheStatedRules(double[] hours, double median, double p90)
    {
        var sorted = hours.Select(TimeSpan.FromHours).ToList();
        Assert.Equal(TimeSpan.FromHours(median), ProgramStats.Median(sorted));
        Assert.Equal(TimeSpan.FromHours(p90), ProgramStats.Percentile(sorted, 0.9));
    }
}
