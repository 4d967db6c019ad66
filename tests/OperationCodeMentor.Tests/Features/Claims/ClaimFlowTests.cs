using Microsoft.Extensions.Logging;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Features.Sessions;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Claims;

public class ClaimFlowTests
{
    private const string Mentee = "UMENTEE1";

    /// <summary>Enrols a mentor through the volunteer form with a bio and a time zone, as the introduction shows them.</summary>
    private static Task EnrolWithBioAsync(MentorBot bot, string mentor, string bio, string zone) =>
        bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(VolunteerModal.CallbackId, mentor,
            (VolunteerModal.SkillsBlock, new[] { "Python" }), (VolunteerModal.MaxMenteesBlock, 2),
            (VolunteerModal.BioBlock, bio), (VolunteerModal.TimeZoneBlock, zone))));

    [Fact]
    public async Task Claim_UpdatesTheCard_IntroducesThePairInAGroupDm_AndPointsTheMentorToIt()
    {
        await using var bot = await MentorBot.StartAsync();
        await EnrolWithBioAsync(bot, "UMENTOR1", "Backend engineer; I <3 code reviews & testing.", "America/Chicago");
        var request = await bot.RequestAsync(Mentee, ["Python"], "Help me prepare for a Python interview.", service: "Mock Interview", affiliation: "Military Spouse");
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        var tracked = await bot.Store.GetRequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Claimed, tracked!.Request.Status);
        Assert.Equal(("UMENTOR1", bot.Clock.GetUtcNow()), (tracked.Request.ClaimedBy, tracked.Request.ClaimedAt));

        var update = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, update["ts"]);
        Assert.Contains("claimed by <@UMENTOR1>", update.AllText);
        Assert.DoesNotContain("claim_request", update.AllText);
        Assert.Contains("release_request", update.AllText);

        // One group DM with both of them, recorded with the request.
        var group = FakeSlack.GroupDmId("UMENTOR1", Mentee);
        Assert.Equal($"UMENTOR1,{Mentee}", Assert.Single(bot.Slack.CallsTo("conversations.open"), c => c["users"]!.Contains(',', StringComparison.Ordinal))["users"]);
        Assert.Equal((group, bot.Clock.GetUtcNow()), (tracked.Session.ConversationId, tracked.Session.ConversationOpenedAt));

        // The introduction: who the mentor is, the request, what happens next, and the buttons.
        var intro = Assert.Single(bot.Slack.GroupDmOf("UMENTOR1", Mentee));
        Assert.Contains($"<@{Mentee}>, meet <@UMENTOR1>, your mentor for *{request.Reference}*", intro.AllText);
        Assert.Contains("Backend engineer; I &lt;3 code reviews &amp; testing.", intro.AllText);
        Assert.Contains("*Time zone:* America/Chicago", intro.AllText);
        foreach (var part in new[] { "Mock Interview", "Python", "Military Spouse", "Help me prepare for a Python interview.", "*What happens next*", "remind you here 1 hour before" })
            Assert.Contains(part, intro.AllText);
        Assert.Equal([RequestButtons.SetTime, RequestButtons.CantReach], intro.ActionIds());
        Assert.Contains("Only <@UMENTOR1> can use *Can't reach them*", intro.AllText);

        // The mentor's DM points to it, with a link to the introduction; the mentee needs no separate DM.
        var toMentor = Assert.Single(bot.Slack.DmsTo("UMENTOR1"));
        Assert.StartsWith("You claimed", toMentor.Text);
        var introTs = Assert.Single(bot.Slack.Messages, m => m.Channel == group).Ts;
        Assert.Contains($"<https://fake.slack.test/archives/{group}/p{introTs.Replace(".", "")}|a group DM> with <@{Mentee}>", toMentor.AllText);
        Assert.Equal([RequestButtons.SessionDone, RequestButtons.CantReach], toMentor.ActionIds());
        Assert.Empty(bot.Slack.DmsTo(Mentee));
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Claim_IsWrittenTogetherWithThePairsConversation_InOneChangeOfTheRequest()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        var before = (await bot.Store.GetRequestAsync(request.Reference))!.Version;
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        // The group DM was opened before the claim was written, and the claim and the conversation went in as one change.
        var after = (await bot.Store.GetRequestAsync(request.Reference))!;
        Assert.Equal(("UMENTOR1", FakeSlack.GroupDmId("UMENTOR1", Mentee)), (after.Request.ClaimedBy, after.Session.ConversationId));
        Assert.Equal(before + 1, after.Version);
        var calls = bot.Slack.Calls.Select(c => c.Method).ToList();
        Assert.True(calls.IndexOf("conversations.open") < calls.IndexOf("chat.update"), string.Join(", ", calls));
        Assert.Single(bot.Slack.GroupDmOf("UMENTOR1", Mentee));
    }

    [Fact]
    public async Task Claim_WhenSlackCannotOpenTheGroupDmYet_IsRecordedAtOnce_AndThePairIsIntroducedWhenSlackAnswers()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();
        // Every attempt of the first call (the client tries 5 times).
        bot.Slack.FailNext("conversations.open", System.Net.HttpStatusCode.ServiceUnavailable, times: 5);

        await bot.ClickAndSettleAsync(RequestButtons.Claim, request, "UMENTOR1");
        // A second mentor a moment later finds it taken: the first claim did not wait for Slack.
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR2");

        var tracked = (await bot.Store.GetRequestAsync(request.Reference))!;
        Assert.Equal(("UMENTOR1", FakeSlack.GroupDmId("UMENTOR1", Mentee)), (tracked.Request.ClaimedBy, tracked.Session.ConversationId));
        Assert.Single(bot.Slack.GroupDmOf("UMENTOR1", Mentee));
        Assert.Single(bot.Slack.DmsTo("UMENTOR1"), m => m.Text.StartsWith("You claimed", StringComparison.Ordinal));
        Assert.Contains("already claimed by <@UMENTOR1>", Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"), c => c["user"] == "UMENTOR2").Text);
        Assert.Contains(bot.Logs.Entries, e => e.Message.Contains("Could not open the pair's conversation before recording", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("restricted_action")]
    [InlineData("missing_scope")]
    [InlineData("not_allowed")]
    public async Task Claim_WhenSlackRefusesTheGroupDm_FallsBackToTwoDms_AndSaysWhyInTheLogAndToTheMentor(string error)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"], "Help me prepare for a Python interview.");
        bot.Slack.Clear();
        bot.Slack.RefuseGroupDms = error;

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        var tracked = (await bot.Store.GetRequestAsync(request.Reference))!;
        Assert.Equal("UMENTOR1", tracked.Request.ClaimedBy);
        Assert.Null(tracked.Session.ConversationId);
        Assert.Equal(bot.Clock.GetUtcNow(), tracked.Session.ConversationOpenedAt);
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"]!.StartsWith('G'));

        var toMentor = Assert.Single(bot.Slack.DmsTo("UMENTOR1"));
        Assert.Contains($"<@{Mentee}>", toMentor.AllText);
        Assert.Contains("Help me prepare for a Python interview.", toMentor.AllText);
        Assert.Contains("30-minute session", toMentor.AllText);
        Assert.Contains($"I couldn't open a group DM for you both (Slack said `{error}`)", toMentor.AllText);
        Assert.Equal([RequestButtons.SessionDone, RequestButtons.SetTime, RequestButtons.CantReach], toMentor.ActionIds());
        var toMentee = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains("<@UMENTOR1> is your mentor", toMentee.Text);
        Assert.Equal([RequestButtons.SetTime], toMentee.ActionIds());

        var logged = Assert.Single(bot.Logs.Entries, e => e.Message.Contains("refused a group DM", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains(request.Reference, logged.Message);
        Assert.Contains(error, logged.Message);
    }

    [Fact]
    public async Task ReleaseThenClaimByAnother_ForgetsTheFirstPairsConversationAndTime_AndOpensANewOne()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        await bot.SetSessionTimeAsync(request, Mentee, "2026-11-05", "18:30");
        Assert.NotNull((await bot.TrackedAsync(request)).Session.SessionAt);

        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");
        Assert.Equal(RequestSession.None, (await bot.TrackedAsync(request)).Session);
        bot.Slack.Clear();
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR2");

        var session = (await bot.TrackedAsync(request)).Session;
        Assert.Equal(FakeSlack.GroupDmId("UMENTOR2", Mentee), session.ConversationId);
        Assert.Null(session.SessionAt);
        Assert.Contains("meet <@UMENTOR2>", Assert.Single(bot.Slack.GroupDmOf("UMENTOR2", Mentee)).Text);
        Assert.Empty(bot.Slack.GroupDmOf("UMENTOR1", Mentee));
        Assert.DoesNotContain("Session:", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
    }

    [Fact]
    public async Task ClaimAndRelease_WhenTheCardIsGone_StillTellTheMentorAndTheMentee()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();
        bot.Slack.ErrorNext("chat.update", "message_not_found", times: 2);

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.Equal(RequestStatus.Claimed, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Contains("<@UMENTOR1>", Assert.Single(bot.Slack.GroupDmOf("UMENTOR1", Mentee)).Text);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");

        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Contains("can no longer take it", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee).Text);
        // The card could not be redrawn, so there is no thread note under it.
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
    }

    [Theory]
    [InlineData(3, false)]  // a few seconds of failures: not worth a notice
    [InlineData(8, true)]   // minutes of retries: the mentor hears once that it is in hand
    public async Task Claim_WhenSlackFailsAfterTheClaim_FinishesTheAnnouncementsOnceSlackAnswers(int failedPosts, bool mentorToldOfDelay)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();
        bot.Slack.FailNext("chat.postMessage", System.Net.HttpStatusCode.ServiceUnavailable, times: failedPosts);

        await bot.ClickAndSettleAsync(RequestButtons.Claim, request, "UMENTOR1");

        // The claim was recorded at once; the DMs followed when Slack took posts again, each once. The card may be redrawn
        // again by the attempt that follows a failure, to the same claimed card (a redraw is noted, not written).
        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.NotEmpty(bot.Slack.CallsTo("chat.update"));
        Assert.All(bot.Slack.CallsTo("chat.update"), u => Assert.Equal((request.MessageTs, $"{request.Reference} claimed by <@UMENTOR1>"), (u["ts"], u.Text)));
        Assert.Single(bot.Slack.Messages, m => m.Channel == "DUMENTOR1" && m.Body["text"]!.ToString().StartsWith("You claimed", StringComparison.Ordinal));
        Assert.Single(bot.Slack.Messages, m => m.Channel == FakeSlack.GroupDmId("UMENTOR1", Mentee) && m.Body["text"]!.ToString().Contains("meet <@UMENTOR1>", StringComparison.Ordinal));
        var notices = bot.Slack.CallsTo("chat.postEphemeral");
        if (!mentorToldOfDelay)
        {
            Assert.Empty(notices);
            return;
        }
        var notice = Assert.Single(notices);
        Assert.Equal("UMENTOR1", notice["user"]);
        Assert.Contains("no need to press again", notice.Text);
    }

    [Fact]
    public async Task Claim_TwentyMentorsAtOnce_ExactlyOneWins_AndEveryoneElseIsTold()
    {
        await using var bot = await MentorBot.StartAsync();
        var mentors = Enumerable.Range(1, 20).Select(i => $"URACE{i:D2}").ToList();
        foreach (var m in mentors) await bot.VolunteerAsync(m, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAllAtOnceAsync(RequestButtons.Claim, request, mentors);

        var stored = await bot.Store.RequestAsync(request.Reference);
        var winner = stored!.ClaimedBy!;
        Assert.Contains(winner, mentors);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Single(bot.Slack.GroupDmOf(winner, Mentee));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + winner);
        Assert.Single(bot.Slack.CallsTo("conversations.open"), c => c["users"]!.Contains(',', StringComparison.Ordinal));

        var told = bot.Slack.CallsTo("chat.postEphemeral");
        Assert.Equal(19, told.Count);
        Assert.Equal(mentors.Where(m => m != winner).Order(), told.Select(t => t["user"]!).Order());
        Assert.All(told, t => Assert.Contains($"already claimed by <@{winner}>", t.Text));
        Assert.Equal(1, (await bot.Store.GetMentorLoadsAsync()).Sum(l => l.OpenClaims));
    }

    [Fact]
    public async Task Claim_BySomeoneNotEnrolled_PointsToVolunteer_AndChangesNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "USTRANGER");

        var told = Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal("USTRANGER", told["user"]);
        Assert.Contains("/mentor-volunteer", told.Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }

    [Fact]
    public async Task Claim_ByAMentorAtCapacity_IsRefusedWithTheReason()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UBUSY", ["Python"], maxMentees: 1);
        var first = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, first, "UBUSY");
        var second = await bot.RequestAsync("UMENTEE2", ["Python"]);
        Assert.Empty(second.MentionedMentors);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, second, "UBUSY");

        Assert.Contains("your limit", Assert.Single(bot.Slack.CallsTo("chat.postEphemeral")).Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(second.Reference))!.Status);
    }

    [Fact]
    public async Task Release_ByAnotherMentor_IsRefused_AndTheClaimStands()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UOWNER", ["Python"]);
        await bot.VolunteerAsync("UOTHER", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UOWNER");
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Release, request, "UOTHER");

        var told = Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal("UOTHER", told["user"]);
        Assert.Contains("Only <@UOWNER>", told.Text);
        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Claimed, stored!.Status);
        Assert.Equal("UOWNER", stored.ClaimedBy);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }

    [Theory]
    [InlineData("UOWNER")]
    [InlineData(MentorBot.Coordinator)]
    public async Task Release_ByTheClaimerOrACoordinator_ReopensItAndTellsTheMentee(string releaser)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UOWNER", ["Python"]);
        await bot.VolunteerAsync("UOTHER", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UOWNER");
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Release, request, releaser);

        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Open, stored!.Status);
        Assert.Null(stored.ClaimedBy);
        Assert.Equal(releaser, stored.ReleasedBy);
        Assert.Equal(1, stored.ResetCount);

        var update = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Contains("claim_request", update.AllText);
        Assert.Contains("Released by", update.AllText);
        var thread = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["thread_ts"] == request.MessageTs);
        Assert.Contains("<@UOTHER>", thread.Text);
        Assert.DoesNotContain("<@UOWNER> <@", thread.Text);
        var toMentee = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
        Assert.Contains("back with our mentors", toMentee.Text);

        // Open again: another mentor can now claim it.
        await bot.ClickAsync(RequestButtons.Claim, request, "UOTHER");
        Assert.Equal("UOTHER", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
    }

    [Fact]
    public async Task Claim_DoubleClicked_ClaimsOnce_AndSaysNothingMore()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Clock.Advance(TimeSpan.FromMilliseconds(400));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Empty(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
    }

    [Fact]
    public async Task Claim_AgainLaterBySameMentor_SaysTheyAlreadyHaveIt()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Slack.Clear();
        bot.Clock.Advance(TimeSpan.FromMinutes(5));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        Assert.Contains("already claimed by you", Assert.Single(bot.Slack.CallsTo("chat.postEphemeral")).Text);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }
}
