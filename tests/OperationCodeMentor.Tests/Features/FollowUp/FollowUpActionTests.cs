using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.FollowUp;

public class FollowUpActionTests
{
    private const string Mentee = "UMENTEE1";
    private const string Intruder = "UINTRUDER";

    private static async Task<(MentorBot Bot, MentorRequest Request)> OpenRequestAsync(params string[] mentors)
    {
        var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        foreach (var m in mentors) await bot.VolunteerAsync(m, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        return (bot, request);
    }

    private static async Task<(MentorBot Bot, MentorRequest Request)> ClaimedRequestAsync(params string[] otherMentors)
    {
        var (bot, request) = await OpenRequestAsync(["UMENTOR1", .. otherMentors]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        return (bot, (await bot.Store.RequestAsync(request.Reference))!);
    }

    [Fact]
    public async Task Cancel_ByTheMentee_FromTheConfirmationDm_EndsItAndItLeavesEveryLadder()
    {
        var (bot, request) = await OpenRequestAsync("UMENTOR1");
        await using var _ = bot;
        var received = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains("What happens next", received.AllText);
        Assert.Equal([CancelAction.Id], received.ActionIds());
        bot.Slack.Clear();

        await bot.PressAsync(CancelAction.Id, request.Reference, Mentee);

        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Cancelled, stored.Request.Status);
        Assert.Equal(Mentee, stored.Outcome.ClosedBy);
        Assert.Null(stored.FollowUp.NextActionAt);
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, card["ts"]);
        Assert.Contains($"cancelled by <@{Mentee}>", card.AllText);
        Assert.DoesNotContain(RequestButtons.Claim, card.AllText);
        Assert.Contains("Cancelled R-1001", Assert.Single(bot.Slack.EphemeralsTo(Mentee)).Text);

        // Not one follow-up, however long we wait.
        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(30));
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));

        // And nobody can claim it any more.
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        Assert.Equal(RequestStatus.Cancelled, (await bot.Store.RequestAsync(request.Reference))!.Status);
    }

    [Fact]
    public async Task Cancel_AfterAMentorClaimedIt_PointsTheMenteeToTheirMentor_AndChangesNothing()
    {
        var (bot, request) = await ClaimedRequestAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.PressAsync(CancelAction.Id, request.Reference, Mentee);

        Assert.Equal(RequestStatus.Claimed, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Contains("already been claimed by <@UMENTOR1>", Assert.Single(bot.Slack.EphemeralsTo(Mentee)).Text);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }

    [Fact]
    public async Task Assign_ByACoordinator_PairsLikeAClaim_WithTheSameDms()
    {
        var (bot, request) = await OpenRequestAsync("UMENTOR1", "UMENTOR2");
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.AssignAsync(request, "UMENTOR2", MentorBot.Coordinator);

        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Claimed, stored!.Status);
        Assert.Equal("UMENTOR2", stored.ClaimedBy);
        Assert.Contains("claimed by <@UMENTOR2>", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        var toMentor = Assert.Single(bot.Slack.DmsTo("UMENTOR2"));
        Assert.Contains($"<@{MentorBot.Coordinator}> paired you with", toMentor.AllText);
        Assert.Contains(SessionDoneAction.Id, toMentor.ActionIds());
        Assert.Contains($"<@{Mentee}>, meet <@UMENTOR2>", Assert.Single(bot.Slack.GroupDmOf("UMENTOR2", Mentee)).Text);
        Assert.Empty(bot.Slack.DmsTo(Mentee));
        Assert.Contains("Paired R-1001 with <@UMENTOR2>", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
    }

    [Fact]
    public async Task Assign_AStuckClaim_MovesItToTheNewMentor_TellsTheEarlierOne_AndRestartsTheNudges()
    {
        var (bot, request) = await ClaimedRequestAsync("UMENTOR2");
        await using var _ = bot;
        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(45)); // nudge, then…
        await bot.SweepAsync();                                     // …the stuck report
        Assert.Contains("looks stuck", Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator)).AllText);
        bot.Slack.Clear();

        await bot.AssignAsync(request, "UMENTOR2", MentorBot.Coordinator);

        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal("UMENTOR2", stored!.ClaimedBy);
        Assert.Contains("passed R-1001", Assert.Single(bot.Slack.DmsTo("UMENTOR1")).Text);
        Assert.Contains("paired you with", Assert.Single(bot.Slack.DmsTo("UMENTOR2")).AllText);
        Assert.Contains($"<@{Mentee}>, meet <@UMENTOR2>", Assert.Single(bot.Slack.GroupDmOf("UMENTOR2", Mentee)).Text);
        Assert.Contains("told <@UMENTOR1> they can let it go", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
        // The stats count it as paired by a coordinator.
        Assert.Equal(MentorBot.Coordinator, Assert.Single(await bot.Store.GetActivityAsync(DateTimeOffset.MinValue)).Outcome.AssignedBy);

        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("Has the session happened?", bot.Slack.DmsTo("UMENTOR2").Last().AllText);
    }

    [Fact]
    public async Task Assign_FromANoticeSentWhileItWasOpen_AfterAMentorClaimedIt_LeavesItWithThatMentor()
    {
        var (bot, request) = await OpenRequestAsync("UMENTOR1", "UMENTOR2");
        await using var _ = bot;
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Slack.Clear();

        await bot.AssignAsync(request, "UMENTOR2", MentorBot.Coordinator);

        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Contains("is claimed by <@UMENTOR1>", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }

    [Fact]
    public async Task Assign_FromAStuckReport_AfterTheClaimChangedHands_ChangesNothing()
    {
        var (bot, reported) = await ClaimedRequestAsync("UMENTOR2", "UMENTOR3");
        await using var _ = bot;
        await bot.ClickAsync(RequestButtons.Release, reported, "UMENTOR1");
        await bot.ClickAsync(RequestButtons.Claim, reported, "UMENTOR3");
        bot.Slack.Clear();

        // The report named UMENTOR1; UMENTOR3 claimed it since, and keeps it.
        await bot.AssignAsync(reported, "UMENTOR2", MentorBot.Coordinator);

        Assert.Equal("UMENTOR3", (await bot.Store.RequestAsync(reported.Reference))!.ClaimedBy);
        Assert.Contains("is claimed by <@UMENTOR3>", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
    }

    [Fact]
    public async Task Cancel_PressedByACoordinator_ClosesItAsMentorAdminCloseDoes()
    {
        var (bot, request) = await OpenRequestAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.PressAsync(CancelAction.Id, request.Reference, MentorBot.Coordinator);

        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Cancelled, stored.Request.Status);
        Assert.Equal(MentorBot.Coordinator, stored.Outcome.ClosedBy);
        Assert.Contains($"closed by <@{MentorBot.Coordinator}>", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        Assert.Contains("Cancelled by a mentor coordinator.", Assert.Single(bot.Slack.DmsTo(Mentee)).Text);
        Assert.Contains("Closed R-1001", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
    }

    [Fact]
    public async Task Assign_SomeoneNotEnrolled_IsRefusedWithTheWayForward()
    {
        var (bot, request) = await OpenRequestAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.AssignAsync(request, "UNOTAMENTOR", MentorBot.Coordinator);

        Assert.Contains("/mentor-volunteer", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
    }

    [Fact]
    public async Task AskForDetails_OpensAModal_ThenDmsTheMenteeTheQuestion_Escaped()
    {
        var (bot, request) = await OpenRequestAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.PressAsync(AskDetailsAction.Id, request.Reference, MentorBot.Coordinator);
        var open = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.StartsWith("trigger-action-", open["trigger_id"]);
        Assert.Equal(AskDetailsAction.CallbackId, open.Body["view"]!["callback_id"]!.ToString());
        Assert.Equal(request.Reference, CoordinatorModal.ReadMetadata(open.Body["view"]!["private_metadata"]!.ToString())!.Reference);

        var response = await bot.SubmitCoordinatorModalAsync(AskDetailsAction.CallbackId, request, MentorBot.Coordinator, "Which project is it? <!channel>");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());

        var question = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains($"<@{MentorBot.Coordinator}>", question.Text);
        Assert.Contains("Which project is it? &lt;!channel&gt;", question.Text);
        Assert.DoesNotContain("<!channel>", question.Text);
        Assert.Contains("Sent your question", Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator)).Text);
    }

    [Fact]
    public async Task Close_WithAReason_EndsTheRequest_UpdatesTheCard_AndTellsTheMentee()
    {
        var (bot, request) = await OpenRequestAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.PressAsync(CloseAction.Id, request.Reference, FollowUpKit.Escalation);
        Assert.Equal(CloseAction.CallbackId, Assert.Single(bot.Slack.CallsTo("views.open")).Body["view"]!["callback_id"]!.ToString());
        var tooShort = await bot.SubmitCoordinatorModalAsync(CloseAction.CallbackId, request, FollowUpKit.Escalation, " ");
        Assert.Contains("errors", await tooShort.Content.ReadAsStringAsync());
        await bot.SubmitCoordinatorModalAsync(CloseAction.CallbackId, request, FollowUpKit.Escalation, "No mentor for this skill right now; please ask again in March.");

        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Cancelled, stored.Request.Status);
        Assert.Equal(FollowUpKit.Escalation, stored.Outcome.ClosedBy);
        Assert.Equal("No mentor for this skill right now; please ask again in March.", stored.Outcome.CloseReason);
        Assert.Contains("closed by", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        Assert.Contains("please ask again in March", Assert.Single(bot.Slack.DmsTo(Mentee)).Text);
    }

    [Fact]
    public async Task SessionDone_ByTheClaimer_CompletesIt_AsksTheMenteeHowItWent_AndStopsTheNudges()
    {
        var (bot, request) = await ClaimedRequestAsync();
        await using var _ = bot;
        Assert.Contains(SessionDoneAction.Id, bot.Slack.DmsTo("UMENTOR1").Last().ActionIds());
        bot.Slack.Clear();

        await bot.FileReportAsync(request.Reference, "UMENTOR1");

        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Completed, stored.Request.Status);
        Assert.Equal("UMENTOR1", stored.Outcome.CompletedBy);
        Assert.Null(stored.FollowUp.NextActionAt);
        Assert.Contains("session done", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        var ask = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains("How did it go?", ask.AllText);
        Assert.Equal([HelpedAction.Id, AnotherMentorAction.Id, RateAction.Id, RequestButtons.BookFollowUp], ask.ActionIds());
        Assert.Contains("Thank you for mentoring", Assert.Single(bot.Slack.EphemeralsTo("UMENTOR1")).Text);

        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(30));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
    }

    [Fact]
    public async Task Feedback_ItHelped_IsStoredOnce()
    {
        var (bot, request) = await ClaimedRequestAsync();
        await using var _ = bot;
        await bot.FileReportAsync(request.Reference, "UMENTOR1");
        bot.Slack.Clear();

        await bot.PressAsync(HelpedAction.Id, request.Reference, Mentee);
        await bot.PressAsync(AnotherMentorAction.Id, request.Reference, Mentee);

        var outcome = (await bot.TrackedAsync(request)).Outcome;
        Assert.Equal(SessionFeedback.Helped, outcome.Feedback);
        Assert.Equal(Mentee, outcome.FeedbackBy);
        var told = bot.Slack.EphemeralsTo(Mentee);
        Assert.Contains("Wonderful", told[0].Text);
        Assert.Contains("already have your answer", told[1].Text);
        Assert.Null(await bot.Store.RequestAsync("1002"));
    }

    [Fact]
    public async Task Feedback_AnotherMentor_ReopensItAsALinkedRequest_WithoutTheEarlierMentor_AndTellsTheCoordinators()
    {
        var (bot, request) = await ClaimedRequestAsync("UMENTOR2");
        await using var _ = bot;
        await bot.FileReportAsync(request.Reference, "UMENTOR1");
        bot.Slack.Clear();

        await bot.PressAsync(AnotherMentorAction.Id, request.Reference, Mentee);

        Assert.Equal(SessionFeedback.AnotherMentor, (await bot.TrackedAsync(request)).Outcome.Feedback);
        var again = (await bot.Store.GetRequestAsync("R-1002"))!;
        Assert.Equal("R-1002", again.Request.Reference);
        Assert.Equal(request.Reference, again.Outcome.FollowUpOf);
        Assert.Equal(RequestStatus.Open, again.Request.Status);
        Assert.Equal(request.Details, again.Request.Details);
        Assert.Equal(["UMENTOR2"], again.Request.MentionedMentors);

        var post = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Contains("<@UMENTOR2>", post.AllText);
        Assert.Contains("Follow-up of R-1001", post.AllText);
        Assert.DoesNotContain("<@UMENTOR1>", post.AllText);
        Assert.Contains("R-1002", Assert.Single(bot.Slack.EphemeralsTo(Mentee)).Text);
        Assert.Contains("would like another mentor after R-1001", Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator)).Text);

        // Its bumps leave the earlier mentor out too, even when widening.
        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        var bump = Assert.Single(bot.Slack.Bumps((await bot.Store.RequestAsync("1002"))!));
        Assert.Contains("<@UMENTOR2>", bump.Text);
        Assert.DoesNotContain("<@UMENTOR1>", bump.Text);
    }

    public static TheoryData<string, string> CraftedPresses => new()
    {
        { CancelAction.Id, "Only <@UMENTEE1>" },
        { AskDetailsAction.Id, "only mentor coordinators" },
        { CloseAction.Id, "only mentor coordinators" },
        { AssignAction.Id, "only mentor coordinators" },
        { SessionDoneAction.Id, "Only <@UMENTOR1>" },
        { HelpedAction.Id, "Only <@UMENTEE1>" },
        { AnotherMentorAction.Id, "Only <@UMENTEE1>" },
    };

    [Theory]
    [MemberData(nameof(CraftedPresses))]
    public async Task Button_PressedBySomeoneNotAllowed_IsRefusedPrivately_AndChangesNothing(string actionId, string refusal)
    {
        var (bot, request) = await ClaimedRequestAsync("UMENTOR2");
        await using var _ = bot;
        if (actionId is HelpedAction.Id or AnotherMentorAction.Id)
            await bot.FileReportAsync(request.Reference, "UMENTOR1");
        var before = await bot.TrackedAsync(request);
        bot.Slack.Clear();

        if (actionId == AssignAction.Id) await bot.AssignAsync(request, "UMENTOR2", Intruder);
        else await bot.PressAsync(actionId, request.Reference, Intruder);

        var told = Assert.Single(bot.Slack.Calls);
        Assert.Equal("chat.postEphemeral", told.Method);
        Assert.Equal(Intruder, told["user"]);
        Assert.Contains(refusal, told.Text);
        Assert.Contains("Nothing was changed", told.Text);
        var after = await bot.TrackedAsync(request);
        Assert.Equal((before.Request.Status, before.Request.ClaimedBy, before.Request.ClaimedAt), (after.Request.Status, after.Request.ClaimedBy, after.Request.ClaimedAt));
        Assert.Equal(before.Outcome, after.Outcome);
        Assert.Null(await bot.Store.RequestAsync("1002"));
    }

    [Theory]
    [InlineData(AskDetailsAction.CallbackId)]
    [InlineData(CloseAction.CallbackId)]
    public async Task ModalSubmission_CraftedBySomeoneNotAllowed_IsRefusedInTheModal_AndChangesNothing(string callbackId)
    {
        var (bot, request) = await OpenRequestAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        var response = await bot.SubmitCoordinatorModalAsync(callbackId, request, Intruder, "Closing this because I can.");

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("errors", body["response_action"]!.ToString());
        Assert.Contains("only mentor coordinators", body["errors"]![CoordinatorModal.TextBlock]!.ToString());
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Empty(bot.Slack.Calls);
    }
}
