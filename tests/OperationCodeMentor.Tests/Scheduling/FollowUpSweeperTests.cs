using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Scheduling;

public class FollowUpSweeperTests
{
    private const string Mentee = "UMENTEE1";
    private static readonly TimeSpan Lease = FollowUpSweeper.AbandonedAfter;

    [Fact]
    public async Task WholeLadder_UnclaimedRequest_BumpsWidening_NotifiesCoordinators_ThenEscalates_EachOnce()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast(("Mentorship:MaxMentions", "1")));
        await bot.VolunteerAsync("UFULL1", ["Python", "Java"]);
        await bot.VolunteerAsync("UFULL2", ["Python", "Java"]);
        await bot.VolunteerAsync("UPART1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python", "Java"]);
        bot.Slack.Clear();

        // A new request is only planned: the first bump is 10 seconds away.
        var first = await bot.SweepAsync();
        Assert.Equal((1, 0, 1), (first.Examined, first.StepsTaken, first.Planned));
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Equal(0, (await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(9))).Examined);

        // 10 s: bump 1, in the request's thread and sent to the channel, re-mentioning the best match.
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));
        var bump1 = Assert.Single(bot.Slack.Bumps(request));
        Assert.Equal(MentorBot.MentorsChannelId, bump1["channel"]);
        Assert.Equal("true", bump1["reply_broadcast"]);
        Assert.Contains("still waiting for a mentor, 10 seconds", bump1.AllText);
        Assert.Contains("<@UFULL1>, could you take it?", bump1.AllText);
        Assert.DoesNotContain("<@UFULL2>", bump1.Text);
        Assert.Contains(RequestButtons.Claim, bump1.ActionIds());
        Assert.Equal(0, (await bot.SweepAsync()).StepsTaken);

        // 30 s: bump 2 reaches more mentors; the coordinator notice, due at the same moment, follows on the next sweep.
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(20));
        var bump2 = bot.Slack.Bumps(request)[1];
        Assert.Contains("<@UFULL1>", bump2.Text);
        Assert.Contains("<@UFULL2>", bump2.Text);
        Assert.Contains("could one of you take it?", bump2.AllText);
        Assert.DoesNotContain("<@UPART1>", bump2.Text);
        Assert.Empty(bot.Slack.DmsTo(MentorBot.Coordinator));
        await bot.SweepAsync();
        var notice = Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator));
        Assert.Contains("has waited 30 seconds", notice.AllText);
        Assert.Contains("I'd like help getting my first Python project reviewed.", notice.AllText);
        Assert.Equal([AssignAction.Id, AskDetailsAction.Id, CloseAction.Id, HoldAction.Id], notice.ActionIds());
        Assert.Contains("users_select", notice.AllText);
        var reassurance = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains("still working on pairing you with a mentor", reassurance.AllText);

        // 50 s: bump 3 widens to a mentor who has only some of the skills.
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, bot.Slack.Bumps(request).Count);
        Assert.Contains("<@UPART1>", bot.Slack.Bumps(request)[2].Text);

        // 100 s: escalation to the chain of command, with the same buttons.
        Assert.Equal(0, (await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(49))).StepsTaken);
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));
        var escalation = Assert.Single(bot.Slack.DmsTo(FollowUpKit.Escalation));
        Assert.Contains("Escalation", escalation.AllText);
        Assert.Equal([AssignAction.Id, AskDetailsAction.Id, CloseAction.Id, HoldAction.Id], escalation.ActionIds());

        // Nothing is left: a day of sweeps sends nothing more, and the request has left the sweep's index.
        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(1));
        Assert.Equal(3, bot.Slack.Bumps(request).Count);
        Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator));
        Assert.Single(bot.Slack.DmsTo(FollowUpKit.Escalation));
        Assert.Single(bot.Slack.DmsTo(Mentee));
        var state = (await bot.TrackedAsync(request)).FollowUp;
        Assert.Equal(3, state.BumpCount);
        Assert.NotNull(state.CoordinatorsNotifiedAt);
        Assert.NotNull(state.EscalatedAt);
        Assert.Null(state.NextActionAt);
        Assert.Null(state.PendingStep);
    }

    [Fact]
    public async Task DefaultLadder_FirstBumpComesAfterADay_AndTheNoticeAfterThree()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.SweepAsync();

        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1));
        Assert.Empty(bot.Slack.Bumps(request));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        Assert.Contains("still waiting for a mentor, 1 day", Assert.Single(bot.Slack.Bumps(request)).Text);

        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(2));
        await bot.SweepAsync();
        Assert.Equal(2, bot.Slack.Bumps(request).Count);
        Assert.Contains("has waited 3 days", Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator)).AllText);
    }

    [Fact]
    public async Task Restart_InTheMiddleOfTheLadder_NoStepIsRepeatedOrSkipped()
    {
        await using var world = await FollowUpKit.SharedWorld.CreateAsync();
        MentorRequest request;
        await using (var before = await world.StartBotAsync(FollowUpKit.Fast()))
        {
            await before.VolunteerAsync("UMENTOR1", ["Python"]);
            request = await before.RequestAsync(Mentee, ["Python"]);
            await before.SweepAsync();
            await before.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
            await before.AdvanceAndSweepAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(2, world.Slack.Bumps(request).Count);
            Assert.Empty(world.Slack.DmsTo(MentorBot.Coordinator)); // due, but not yet taken when the bot stops
        }

        await using var after = await world.StartBotAsync(FollowUpKit.Fast());
        await after.SweepAsync();
        Assert.Equal(2, world.Slack.Bumps(request).Count);
        Assert.Single(world.Slack.DmsTo(MentorBot.Coordinator));
        await after.SweepAsync();
        await after.AdvanceAndSweepAsync(TimeSpan.FromSeconds(20));
        await after.AdvanceAndSweepAsync(TimeSpan.FromSeconds(50));
        await after.AdvanceAndSweepAsync(TimeSpan.FromDays(1));

        var bumps = world.Slack.Bumps(request);
        Assert.Equal(["bump 1", "bump 2", "bump 3"], bumps.Select(b => System.Text.RegularExpressions.Regex.Match(b.AllText, @"bump \d").Value));
        Assert.Single(world.Slack.DmsTo(MentorBot.Coordinator));
        Assert.Single(world.Slack.DmsTo(FollowUpKit.Escalation));
    }

    [Fact]
    public async Task TwoSweepsAtOnce_InOneProcessAndAcrossTwo_TakeEachStepExactlyOnce()
    {
        await using var world = await FollowUpKit.SharedWorld.CreateAsync();
        await using var one = await world.StartBotAsync(FollowUpKit.Fast());
        await using var two = await world.StartBotAsync(FollowUpKit.Fast());
        await one.VolunteerAsync("UMENTOR1", ["Python"]);
        var requests = new List<MentorRequest>();
        for (var i = 0; i < 12; i++) requests.Add(await one.RequestAsync($"UMENTEE{i:D2}", ["Python"]));
        world.Clock.Advance(TimeSpan.FromSeconds(10));

        var sweeps = new[] { one, one, two, two }.Select(b => Task.Run(() => b.Sweeper().RunOnceAsync())).ToList();
        var reports = await Task.WhenAll(sweeps);
        await one.Sweeper().WhenIdleAsync();
        await two.Sweeper().WhenIdleAsync();

        Assert.Equal(12, reports.Sum(r => r.StepsTaken));
        foreach (var r in requests)
        {
            Assert.Single(world.Slack.Bumps(r));
            Assert.Equal(1, (await one.TrackedAsync(r)).FollowUp.BumpCount);
        }
    }

    [Fact]
    public async Task SlowSweep_OutlastingTheLease_IsNotTakenForDead_ByTheNextSweepInItsOwnProcess()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        bot.Clock.Advance(TimeSpan.FromSeconds(20));
        await bot.SweepAsync();
        Assert.Equal(2, bot.Slack.Bumps(request).Count);
        bot.Slack.Clear();

        // The coordinator notice begins, then waits on Slack for the coordinator's DM while the clock passes the lease.
        var opening = bot.Slack.Hold("conversations.open");
        var slow = bot.Sweeper().RunOnceAsync();
        await Eventually.TrueAsync(() => !bot.Slack.Holding("conversations.open"), "the notice to ask for the coordinator's DM");
        bot.Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var next = bot.Sweeper().RunOnceAsync();

        // The next sweep waits for the slow one rather than resuming its step as abandoned.
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(300))));
        opening.TrySetResult();
        await Task.WhenAll(slow, next).WaitAsync(TimeSpan.FromSeconds(30));
        await bot.IdleAsync();

        var notice = Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator));
        Assert.Contains("has waited", notice.AllText);
        Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Empty(bot.Slack.CallsTo("conversations.history"));
    }

    [Fact]
    public async Task LongSweep_StepsLateInIt_AreNotTakenForAbandoned_ByAnotherReplica()
    {
        await using var world = await FollowUpKit.SharedWorld.CreateAsync();
        await using var one = await world.StartBotAsync(FollowUpKit.Fast());
        await using var two = await world.StartBotAsync(FollowUpKit.Fast());
        await one.VolunteerAsync("UMENTOR1", ["Python"]);
        var first = await one.RequestAsync("UMENTEE1", ["Python"]);
        var second = await one.RequestAsync("UMENTEE2", ["Python"]);
        await one.SweepAsync();
        world.Clock.Advance(TimeSpan.FromSeconds(10));

        // Replica one's sweep posts the first bump, then waits on Slack's answer past the lease (a backlog, Slack pacing).
        var answer = world.Slack.Hold("chat.postMessage");
        var sweep = one.Sweeper().RunOnceAsync();
        await Eventually.TrueAsync(() => !world.Slack.Holding("chat.postMessage"), "the first bump to reach Slack");
        var (release, reached) = world.Slack.HoldBefore("chat.postMessage");
        world.Clock.Advance(Lease + TimeSpan.FromMinutes(1));
        answer.TrySetResult();

        // It goes on to the second request's bump, which is still on its way to Slack when replica two sweeps.
        await reached.WaitAsync(TimeSpan.FromSeconds(30));
        await two.SweepAsync();
        release.TrySetResult();
        await sweep.WaitAsync(TimeSpan.FromSeconds(30));
        await one.Sweeper().WhenIdleAsync();
        await one.IdleAsync();

        // Replica two went on with the first request's ladder; no step of either went out twice.
        var markers = world.Slack.CallsTo("chat.postMessage").Select(c => c.Body["blocks"]?[0]?["block_id"]?.ToString())
            .Where(id => id?.StartsWith("followup-", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(markers.Distinct().Count(), markers.Count);
        Assert.Single(world.Slack.Bumps(second));
        Assert.Equal(1, (await one.TrackedAsync(second)).FollowUp.BumpCount);
    }

    [Fact]
    public async Task Crash_AfterTheStepWasClaimed_BeforeThePost_IsResumedOnceTheLeaseEnds_AndPostsOnce()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.SweepAsync();
        bot.Clock.Advance(TimeSpan.FromSeconds(10));

        // A sweep in another process records its intent to bump, then dies before posting.
        var tracked = await bot.TrackedAsync(request);
        Assert.True(await bot.Store.TryBeginStepAsync(request.Reference, tracked.Version, FollowUpStep.Bump, "deadsweep", bot.Clock.GetUtcNow()));

        // While its lease runs, the step belongs to that sweep: nobody else posts it.
        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(Lease - TimeSpan.FromSeconds(1));
        Assert.Empty(bot.Slack.Bumps(request));

        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));
        var replies = Assert.Single(bot.Slack.CallsTo("conversations.replies"));
        Assert.Equal(request.MessageTs, replies["ts"]);
        var bump = Assert.Single(bot.Slack.Bumps(request));
        Assert.Equal("followup-deadsweep", bump.Body["blocks"]![0]!["block_id"]!.ToString());
        var after = (await bot.TrackedAsync(request)).FollowUp;
        Assert.Equal(1, after.BumpCount);
        Assert.Null(after.PendingToken);
        await bot.SweepAsync();
        Assert.Single(bot.Slack.Bumps(request));
    }

    [Fact]
    public async Task Crash_AfterThePost_BeforeItWasRecorded_IsNotPostedAgain_AndTheLadderGoesOn()
    {
        await using var world = await FollowUpKit.SharedWorld.CreateAsync();
        MentorRequest request;
        await using (var dying = await world.StartBotAsync(FollowUpKit.Fast()))
        {
            await dying.VolunteerAsync("UMENTOR1", ["Python"]);
            request = await dying.RequestAsync(Mentee, ["Python"]);
            await dying.SweepAsync();
            world.Clock.Advance(TimeSpan.FromSeconds(10));

            // Slack posts the bump, but the process dies before it hears back (and so before the store write).
            var answer = world.Slack.Hold("chat.postMessage");
            using var death = new CancellationTokenSource();
            var sweep = dying.Sweeper().RunOnceAsync(death.Token);
            await Eventually.TrueAsync(() => world.Slack.Bumps(request).Count == 1, "world.Slack.Bumps(request).Count == 1");
            await death.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sweep);
            answer.TrySetResult();
            var pending = (await dying.TrackedAsync(request)).FollowUp;
            Assert.Equal(FollowUpStep.Bump, pending.PendingStep);
            Assert.Equal(0, pending.BumpCount);
        }

        await using var restarted = await world.StartBotAsync(FollowUpKit.Fast());
        await restarted.SweepAsync();
        await restarted.AdvanceAndSweepAsync(Lease);
        Assert.Single(world.Slack.Bumps(request));
        Assert.Single(world.Slack.CallsTo("conversations.replies"));
        Assert.Equal(1, (await restarted.TrackedAsync(request)).FollowUp.BumpCount);

        // Not skipped either: the steps that fell due during the pause follow in ladder order, then bump 2.
        await restarted.SweepAsync();
        Assert.Single(world.Slack.DmsTo(MentorBot.Coordinator));
        await restarted.SweepAsync();
        Assert.Single(world.Slack.DmsTo(FollowUpKit.Escalation));
        await restarted.AdvanceAndSweepAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, world.Slack.Bumps(request).Count);
        Assert.Contains("bump 2", world.Slack.Bumps(request)[1].AllText);
    }

    [Fact]
    public async Task SlackRefusal_LeavesTheStepUntaken_AndItIsTriedAgainLater()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.SweepAsync();
        bot.Slack.ErrorNext("chat.postMessage", "not_in_channel");

        var refused = await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, refused.StepsTaken);
        var state = (await bot.TrackedAsync(request)).FollowUp;
        Assert.Equal(0, state.BumpCount);
        Assert.Null(state.PendingStep);
        Assert.True(state.NextActionAt > bot.Clock.GetUtcNow());

        await bot.AdvanceAndSweepAsync(state.NextActionAt!.Value - bot.Clock.GetUtcNow());
        Assert.Equal(2, bot.Slack.Bumps(request).Count); // the refused attempt and the retry
        Assert.Single(bot.Slack.Messages, m => m.ThreadTs == request.MessageTs);
        Assert.Equal(1, (await bot.TrackedAsync(request)).FollowUp.BumpCount);
    }

    [Fact]
    public async Task QuietHours_AStepDueAtNight_WaitsForTheMorning()
    {
        // The clock starts at 15:00 UTC = 10:00 in New York (EST); the bump falls due at 22:30 there.
        await using var bot = await MentorBot.StartAsync(new()
        {
            ["Mentorship:Schedule:FirstBumpAfter"] = "12:30:00",
            ["Mentorship:Schedule:QuietHours"] = "22:00-07:00",
            ["Mentorship:TimeZone"] = "America/New_York",
            ["Mentorship:Schedule:SweepInterval"] = "01:00:00",
        });
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.SweepAsync();

        await bot.AdvanceAndSweepAsync(TimeSpan.FromHours(12.5));
        Assert.Empty(bot.Slack.Bumps(request));
        var morning = new DateTimeOffset(2026, 11, 3, 7, 0, 0, TimeSpan.FromHours(-5));
        Assert.Equal(morning, (await bot.TrackedAsync(request)).FollowUp.NextActionAt);

        await bot.AdvanceAndSweepAsync(morning - bot.Clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.Empty(bot.Slack.Bumps(request));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        Assert.Contains("still waiting for a mentor, 21 hours", Assert.Single(bot.Slack.Bumps(request)).Text);
    }

    [Fact]
    public async Task ClaimedRequest_NudgesTheMentor_ThenTellsTheCoordinatorsTheClaimLooksStuck()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Slack.Clear();
        await bot.SweepAsync();

        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(15));
        var nudge = Assert.Single(bot.Slack.DmsTo("UMENTOR1"));
        Assert.Contains("Has the session happened?", nudge.AllText);
        Assert.Equal([SessionDoneAction.Id, RequestButtons.CantReach, RequestButtons.Release], nudge.ActionIds());
        Assert.Empty(bot.Slack.Bumps(request));

        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(30));
        var stuck = Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator));
        Assert.Contains("looks stuck", stuck.AllText);
        Assert.Contains("<@UMENTOR1>", stuck.AllText);
        Assert.Equal([AssignAction.Id, RequestButtons.Release, CloseAction.Id, HoldAction.Id], stuck.ActionIds());

        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(30));
        Assert.Single(bot.Slack.DmsTo("UMENTOR1"));
        Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator));
    }

    [Fact]
    public async Task Release_StartsTheUnclaimedLadderAgain_FromTheRelease()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        Assert.Single(bot.Slack.Bumps(request));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(5));
        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");
        Assert.Equal(0, (await bot.TrackedAsync(request)).FollowUp.BumpCount);

        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(9));
        Assert.Single(bot.Slack.Bumps(request));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, bot.Slack.Bumps(request).Count);
        Assert.Contains("bump 1", bot.Slack.Bumps(request)[1].AllText);
    }

    [Fact]
    public async Task Timer_SweepsOnItsOwn_EverySweepInterval()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast(("Mentorship:Schedule:SweepInterval", "00:00:05")));
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);

        // The sweep starts on a background thread; its periodic timer must be on the clock before the clock moves.
        await Eventually.TrueAsync(() => bot.Clock.ActiveTimers > bot.Clock.ActiveDelays, "bot.Clock.ActiveTimers > bot.Clock.ActiveDelays");
        bot.Clock.Advance(TimeSpan.FromSeconds(5));  // first tick: plans the request
        await Eventually.TrueAsync(() => bot.Store.GetRequestAsync(request.Reference).Result!.FollowUp.NextActionAt > DateTimeOffset.UnixEpoch, "the request to be planned");
        bot.Clock.Advance(TimeSpan.FromSeconds(5));  // second tick, at 10 s: the first bump
        await Eventually.TrueAsync(() => bot.Slack.Bumps(request).Count == 1, "bot.Slack.Bumps(request).Count == 1");
        await bot.Sweeper().WhenIdleAsync();
        await bot.IdleAsync();
        Assert.Single(bot.Slack.Bumps(request));
    }

    [Fact]
    public async Task Bump_OfARequestWhosePostNeverReachedTheChannel_PostsItInFull()
    {
        await using var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        bot.Slack.ErrorNext("chat.postMessage", "channel_not_found");
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(
            OperationCodeMentor.Features.RequestMentor.RequestModal.CallbackId, Mentee,
            (OperationCodeMentor.Features.RequestMentor.RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
            (OperationCodeMentor.Features.RequestMentor.RequestModal.SkillsBlock, new[] { "Python" }),
            (OperationCodeMentor.Features.RequestMentor.RequestModal.DetailsBlock, "My first post never made it to the channel."),
            (OperationCodeMentor.Features.RequestMentor.RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));
        var stored = (await bot.Store.GetRequestAsync("R-1001"))!;
        Assert.Null(stored.Request.MessageTs);

        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        var bump = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c.Text.Contains("still waiting for a mentor"));
        Assert.Equal(MentorBot.MentorsChannelId, bump["channel"]);
        Assert.Null(bump["thread_ts"]);
        Assert.Contains("My first post never made it to the channel.", bump.AllText);
        Assert.Contains(RequestButtons.Claim, bump.ActionIds());
    }
}
