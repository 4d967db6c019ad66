using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.FollowUp;

/// <summary>
/// The mentor's private session report (Session done opens it; filing it completes the session), the goals that reach the
/// mentee and their next mentor, and the mentee's rating: through signed requests against the fake Slack.
/// </summary>
public class SessionReportTests
{
    private const string Mentee = "UMENTEE1";
    private const string Mentor = "UMENTOR1";
    private const string Covered = "SECRET-COVERED: walked through their portfolio site";
    private const string Note = "SECRET-NOTE: seemed discouraged about the job search";

    private static async Task<(MentorBot Bot, MentorRequest Request)> ClaimedAsync(params string[] otherMentors)
    {
        var bot = await MentorBot.StartAsync(FollowUpKit.Fast());
        foreach (var m in (string[])[Mentor, .. otherMentors]) await bot.VolunteerAsync(m, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, Mentor);
        return (bot, (await bot.Store.RequestAsync(request.Reference))!);
    }

    private static async Task<SlackCall> PressSessionDoneAsync(MentorBot bot, MentorRequest r, string user)
    {
        await bot.PressAsync(SessionDoneAction.Id, r.Reference, user);
        return Assert.Single(bot.Slack.CallsTo("views.open"));
    }

    private static async Task<JsonNode> SubmitRawAsync(MentorBot bot, SlackCall opened, string user, params (string Block, object? Value)[] values)
    {
        var payload = SlackRequests.ViewSubmission(SessionReportModal.CallbackId, user, values);
        payload["view"]!["private_metadata"] = opened.Body["view"]!["private_metadata"]!.ToString();
        var response = await bot.SendAsync(bot.Requests.Interaction(payload));
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    /// <summary>Everything the mentee could read: messages and ephemerals to them, and any modal opened for them.</summary>
    private static string AllTheMenteeSaw(MentorBot bot) => string.Join("\n", bot.Slack.Calls
        .Where(c => c["channel"] == "D" + Mentee || c["user"] == Mentee || c["user_id"] == Mentee)
        .Select(c => c.AllText));

    [Fact]
    public async Task SessionDone_OpensTheReportModal_WithTheTrigger_AndChangesNothingYet()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        var opened = await PressSessionDoneAsync(bot, request, Mentor);

        Assert.StartsWith("trigger-action-", opened["trigger_id"]);
        var view = opened.Body["view"]!;
        Assert.Equal(SessionReportModal.CallbackId, view["callback_id"]!.ToString());
        Assert.Equal(request.Reference, ModalOrigin.Read(view["private_metadata"]!.ToString())!.Reference);
        var inputs = view["blocks"]!.AsArray().Where(b => b!["type"]!.ToString() == "input").Select(b => b!["block_id"]!.ToString());
        Assert.Equal([SessionReportModal.CoveredBlock, SessionReportModal.GoalsBlock, SessionReportModal.FollowUpBlock, SessionReportModal.ForCoordinatorsBlock], inputs);
        Assert.Contains("Only mentor coordinators see this report", opened.AllText);
        Assert.Equal(RequestStatus.Claimed, (await bot.TrackedAsync(request)).Request.Status);
        Assert.Single(bot.Slack.Calls);
    }

    [Fact]
    public async Task TheReport_InvalidInput_IsAnsweredInsideTheModal_AndNothingIsStoredOrSent()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();
        var opened = await PressSessionDoneAsync(bot, request, Mentor);
        bot.Slack.Clear();

        var empty = await SubmitRawAsync(bot, opened, Mentor,
            (SessionReportModal.CoveredBlock, "  "),
            (SessionReportModal.GoalsBlock, "One\nTwo\n\nThree\nFour"),
            (SessionReportModal.FollowUpBlock, new SlackRequests.Selected("someday")),
            (SessionReportModal.ForCoordinatorsBlock, new string('x', SessionReportModal.MaxForCoordinators + 1)));
        var tooLong = await SubmitRawAsync(bot, opened, Mentor,
            (SessionReportModal.CoveredBlock, new string('c', SessionReportModal.MaxCovered + 1)),
            (SessionReportModal.GoalsBlock, "Fine goal\n" + new string('g', SessionReportModal.MaxGoal + 1)),
            (SessionReportModal.FollowUpBlock, new SlackRequests.Selected("none")),
            (SessionReportModal.ForCoordinatorsBlock, null));

        Assert.Equal("errors", empty["response_action"]!.ToString());
        var errors = empty["errors"]!;
        Assert.Contains("what the session covered", errors[SessionReportModal.CoveredBlock]!.ToString());
        Assert.Contains("at most 3 goals", errors[SessionReportModal.GoalsBlock]!.ToString());
        Assert.Contains("(there are 4)", errors[SessionReportModal.GoalsBlock]!.ToString());
        Assert.Contains("choose one", errors[SessionReportModal.FollowUpBlock]!.ToString());
        Assert.Contains($"under {SessionReportModal.MaxForCoordinators}", errors[SessionReportModal.ForCoordinatorsBlock]!.ToString());
        Assert.Contains($"under {SessionReportModal.MaxCovered}", tooLong["errors"]![SessionReportModal.CoveredBlock]!.ToString());
        Assert.Contains($"each goal under {SessionReportModal.MaxGoal}", tooLong["errors"]![SessionReportModal.GoalsBlock]!.ToString());
        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Claimed, stored.Request.Status);
        Assert.Null(stored.Session.Report);
        Assert.Empty(bot.Slack.Calls);
    }

    [Fact]
    public async Task TheReport_Filed_CompletesTheSession_AsksTheMenteeWithRate_SendsOnlyTheGoals_AndThanksTheMentor()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();
        var opened = await PressSessionDoneAsync(bot, request, Mentor);

        var ack = await SubmitRawAsync(bot, opened, Mentor,
            (SessionReportModal.CoveredBlock, Covered),
            (SessionReportModal.GoalsBlock, "- Finish the README\n\n   \n2. Deploy to <!channel> Render\n• Ask for two reviews"),
            (SessionReportModal.FollowUpBlock, new SlackRequests.Selected("same_mentor")),
            (SessionReportModal.ForCoordinatorsBlock, Note));

        Assert.Empty(ack.AsObject());
        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Completed, stored.Request.Status);
        Assert.Equal(Mentor, stored.Outcome.CompletedBy);
        Assert.Equal(Covered, stored.Session.Report!.Covered);
        Assert.Equal(["Finish the README", "Deploy to <!channel> Render", "Ask for two reviews"], stored.Session.Report.Goals);
        Assert.Equal((Mentor, FollowUpWish.SameMentor, Note), (stored.Session.ReportedBy, stored.Session.Report!.FollowUp, stored.Session.Report.ForCoordinators));
        Assert.Null(stored.FollowUp.NextActionAt);

        Assert.Contains("session done", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        var toMentee = bot.Slack.DmsTo(Mentee);
        Assert.Equal(2, toMentee.Count);
        Assert.Contains("How did it go?", toMentee[0].AllText);
        Assert.Equal([HelpedAction.Id, AnotherMentorAction.Id, RateAction.Id, RequestButtons.BookFollowUp], toMentee[0].ActionIds());
        Assert.Contains($"Your goals from today's session with <@{Mentor}>", toMentee[1].AllText);
        Assert.Contains("1. Finish the README", toMentee[1].AllText);
        Assert.Contains("3. Ask for two reviews", toMentee[1].AllText);
        Assert.Contains("&lt;!channel&gt;", toMentee[1].AllText);
        Assert.DoesNotContain("SECRET", AllTheMenteeSaw(bot));
        var thanks = Assert.Single(bot.Slack.EphemeralsTo(Mentor));
        Assert.Equal("D" + Mentor, thanks["channel"]);
        Assert.Contains("report on R-1001 is filed and the session marked done", thanks.Text);
        Assert.Contains("sent them the goals", thanks.Text);

        // The nudges stop, as they did when Session done completed at once.
        await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(30));
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentor);
    }

    [Fact]
    public async Task TheReport_WithoutGoals_SendsNoGoalsDm()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.FileReportAsync(request.Reference, Mentor, covered: Covered, goals: "\n  \n", forCoordinators: Note);

        Assert.Empty((await bot.TrackedAsync(request)).Session.Report!.Goals);
        Assert.Contains("How did it go?", Assert.Single(bot.Slack.DmsTo(Mentee)).AllText);
        Assert.DoesNotContain("goals", Assert.Single(bot.Slack.EphemeralsTo(Mentor)).Text);
    }

    [Fact]
    public async Task TheReport_SubmittedAgain_IsRefusedClearly_TheFirstStands_AndNobodyHearsTwice()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();
        var opened = await PressSessionDoneAsync(bot, request, Mentor);
        await bot.SubmitReportAsync(opened, Mentor, Covered, goals: "Goal one");
        await bot.SubmitReportAsync(opened, Mentor, "A second, different report", goals: "Other goal");

        var stored = await bot.TrackedAsync(request);
        Assert.Equal(Covered, stored.Session.Report!.Covered);
        Assert.Equal(["Goal one"], stored.Session.Report.Goals);
        Assert.Equal(2, bot.Slack.DmsTo(Mentee).Count);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
        var told = bot.Slack.EphemeralsTo(Mentor);
        Assert.Equal(2, told.Count);
        Assert.Contains("already filed by <@UMENTOR1>", told[1].Text);

        // Session done pressed again (later than a double click) opens nothing and says why.
        bot.Slack.Clear();
        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        await bot.PressAsync(SessionDoneAction.Id, request.Reference, Mentor);
        Assert.Empty(bot.Slack.CallsTo("views.open"));
        Assert.Contains("already filed", Assert.Single(bot.Slack.EphemeralsTo(Mentor)).Text);
    }

    [Fact]
    public async Task TheReport_ByACoordinator_ForTheMentor_CompletesIt_AndAnotherMentorIsRefusedWithoutAModal()
    {
        var (bot, request) = await ClaimedAsync("UMENTOR2");
        await using var _ = bot;
        bot.Slack.Clear();

        await bot.PressAsync(SessionDoneAction.Id, request.Reference, "UMENTOR2");
        Assert.Empty(bot.Slack.CallsTo("views.open"));
        Assert.Contains("Only <@UMENTOR1>, who has R-1001, or a mentor coordinator", Assert.Single(bot.Slack.EphemeralsTo("UMENTOR2")).Text);

        await bot.FileReportAsync(request.Reference, MentorBot.Coordinator, covered: "Checked in with both; the session happened.");

        var stored = await bot.TrackedAsync(request);
        Assert.Equal((RequestStatus.Completed, MentorBot.Coordinator), (stored.Request.Status, stored.Session.ReportedBy));
        Assert.Contains($"<@{Mentor}> marked your session", Assert.Single(bot.Slack.DmsTo(Mentee)).AllText);
    }

    [Fact]
    public async Task TheReport_ForASessionAlreadyMarkedDone_IsAdded_WithoutAskingTheMenteeAgain()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        Assert.True((await bot.Store.TryCompleteSessionAsync(request.Reference, Mentor, Mentor, bot.Clock.GetUtcNow()))!.Applied);
        bot.Slack.Clear();

        await bot.FileReportAsync(request.Reference, Mentor, covered: Covered, goals: "Practise SQL joins");

        Assert.Equal(Covered, (await bot.TrackedAsync(request)).Session.Report!.Covered);
        Assert.Contains("Practise SQL joins", Assert.Single(bot.Slack.DmsTo(Mentee)).AllText);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
        Assert.DoesNotContain("marked done", Assert.Single(bot.Slack.EphemeralsTo(Mentor)).Text);
    }

    [Fact]
    public async Task TheGoals_AreShownToWhoeverTakesTheMenteesNextRequest_ByClaimOrAssignment_AndNothingElseOfTheReport()
    {
        var (bot, first) = await ClaimedAsync("UMENTOR2", "UMENTOR3");
        await using var _ = bot;
        await bot.FileReportAsync(first.Reference, Mentor, covered: Covered, goals: "Finish the README\nDeploy it", forCoordinators: Note);
        var second = await bot.RequestAsync(Mentee, ["Python"]);
        var stranger = await bot.RequestAsync("UOTHER1", ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, second, "UMENTOR2");
        await bot.ClickAsync(RequestButtons.Claim, stranger, "UMENTOR3");

        var claimDm = Assert.Single(bot.Slack.DmsTo("UMENTOR2"));
        Assert.Contains($"*Goals from <@{Mentee}>'s last session with <@{Mentor}>* (R-1001", claimDm.AllText);
        Assert.Contains("1. Finish the README", claimDm.AllText);
        Assert.Contains("2. Deploy it", claimDm.AllText);
        Assert.DoesNotContain("SECRET", claimDm.AllText);
        Assert.DoesNotContain("Goals from", Assert.Single(bot.Slack.DmsTo("UMENTOR3")).AllText);

        // A coordinator moving it to someone else: the new mentor sees them too.
        bot.Slack.Clear();
        await bot.AssignAsync((await bot.Store.RequestAsync(second.Reference))!, "UMENTOR3", MentorBot.Coordinator);
        Assert.Contains("Finish the README", Assert.Single(bot.Slack.DmsTo("UMENTOR3")).AllText);
    }

    [Fact]
    public async Task Rating_OpensAModal_IsStoredOnce_ThanksTheMentee_AndIsOnlyForTheMentee()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        // Before the session is done there's nothing to rate.
        await bot.PressAsync(RateAction.Id, request.Reference, Mentee);
        Assert.Empty(bot.Slack.CallsTo("views.open"));
        Assert.Contains("hasn't been marked done", Assert.Single(bot.Slack.EphemeralsTo(Mentee)).Text);

        await bot.FileReportAsync(request.Reference, Mentor, covered: Covered);
        bot.Slack.Clear();
        await bot.PressAsync(RateAction.Id, request.Reference, Mentor);
        Assert.Contains("Only <@UMENTEE1>, who had the session", Assert.Single(bot.Slack.EphemeralsTo(Mentor)).Text);
        Assert.Empty(bot.Slack.CallsTo("views.open"));

        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        await bot.PressAsync(RateAction.Id, request.Reference, Mentee);
        var opened = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal(RateAction.CallbackId, opened.Body["view"]!["callback_id"]!.ToString());
        var metadata = opened.Body["view"]!["private_metadata"]!.ToString();

        var missing = await SubmitRatingAsync(bot, metadata, null, new string('c', RateAction.MaxComment + 1));
        Assert.Contains("rating from 1 to 5", missing["errors"]![RateAction.StarsBlock]!.ToString());
        Assert.Contains($"under {RateAction.MaxComment}", missing["errors"]![RateAction.CommentBlock]!.ToString());
        Assert.Null((await bot.TrackedAsync(request)).Session.Rating);

        await SubmitRatingAsync(bot, metadata, "4", "  Really practical advice.  ");
        await SubmitRatingAsync(bot, metadata, "1", "changed my mind");

        var session = (await bot.TrackedAsync(request)).Session;
        Assert.Equal((4, "Really practical advice."), (session.Rating, session.RatingComment));
        var told = bot.Slack.EphemeralsTo(Mentee);
        Assert.Contains("Thank you for rating R-1001 (4/5)", told[^2].Text);
        Assert.Contains("already rated (4/5)", told[^1].Text);
        Assert.Empty(bot.Slack.DmsTo(Mentor));
    }

    private static async Task<JsonNode> SubmitRatingAsync(MentorBot bot, string metadata, string? stars, string? comment)
    {
        var values = new List<(string, object?)> { (RateAction.CommentBlock, comment) };
        if (stars is not null) values.Add((RateAction.StarsBlock, new SlackRequests.Selected(stars)));
        var payload = SlackRequests.ViewSubmission(RateAction.CallbackId, Mentee, [.. values]);
        payload["view"]!["private_metadata"] = metadata;
        var body = await (await bot.SendAsync(bot.Requests.Interaction(payload))).Content.ReadAsStringAsync();
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    [Fact]
    public async Task Stats_CountTheShareReported_TheMeanRating_AndTheShareRated()
    {
        var (bot, first) = await ClaimedAsync("UMENTOR2");
        await using var _ = bot;
        await bot.FileReportAsync(first.Reference, Mentor);
        await SubmitRatingAfterPressAsync(bot, first, "5");
        var second = await bot.RequestAsync("UMENTEE2", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, second, "UMENTOR2");
        await bot.FileReportAsync(second.Reference, "UMENTOR2");
        await SubmitRatingAfterPressAsync(bot, second, "2", mentee: "UMENTEE2");
        var third = await bot.RequestAsync("UMENTEE3", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, third, "UMENTOR2");
        Assert.True((await bot.Store.TryCompleteSessionAsync(third.Reference, "UMENTOR2", "UMENTOR2", bot.Clock.GetUtcNow()))!.Applied);
        await bot.RequestAsync("UMENTEE4", ["Python"]);                   // still open: not a session

        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats", responseUrl: bot.Slack.ResponseUrl()));

        var text = Assert.Single(bot.Slack.CallsTo("response_url")).AllText;
        Assert.Contains("*Sessions done:* 3", text);
        Assert.Contains("*Sessions with a report:* 2 of 3 (67%)", text);
        Assert.Contains("*Rating:* mean 3.5 of 5 · rated: 2 of 3 (67%)", text);
    }

    private static async Task SubmitRatingAfterPressAsync(MentorBot bot, MentorRequest r, string stars, string mentee = Mentee)
    {
        var before = bot.Slack.CallsTo("views.open").Count;
        await bot.PressAsync(RateAction.Id, r.Reference, mentee);
        var opened = Assert.Single(bot.Slack.CallsTo("views.open").Skip(before));
        var payload = SlackRequests.ViewSubmission(RateAction.CallbackId, mentee, (RateAction.StarsBlock, new SlackRequests.Selected(stars)), (RateAction.CommentBlock, null));
        payload["view"]!["private_metadata"] = opened.Body["view"]!["private_metadata"]!.ToString();
        (await bot.SendAsync(bot.Requests.Interaction(payload))).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task MentorAdminReport_ShowsTheWholeReportAndRating_ToCoordinators_AndAnswersEveryOtherCaseClearly()
    {
        var (bot, request) = await ClaimedAsync("UMENTOR2");
        await using var _ = bot;
        var unreported = await bot.RequestAsync("UMENTEE2", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, unreported, "UMENTOR2");
        await bot.FileReportAsync(request.Reference, Mentor, covered: Covered, goals: "Finish the README", wish: "another_mentor", forCoordinators: Note);
        await SubmitRatingAfterPressAsync(bot, request, "4");
        bot.Slack.Clear();

        async Task<string> AskAsync(string user, string text)
        {
            var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, user, text, responseUrl: bot.Slack.ResponseUrl()));
            var ack = await response.Content.ReadAsStringAsync();
            return ack.Length > 0 ? JsonNode.Parse(ack)!["text"]!.ToString() : bot.Slack.CallsTo("response_url").Last().AllText;
        }

        var report = await AskAsync(MentorBot.Coordinator, "report r1001");
        Assert.Contains("Session report for R-1001", report);
        Assert.Contains(Covered, report);
        Assert.Contains(Note, report);
        Assert.Contains("1. Finish the README", report);
        Assert.Contains("a session with another mentor", report);
        Assert.Contains("4/5", report);
        Assert.Equal("ephemeral", bot.Slack.CallsTo("response_url").Last()["response_type"]);

        Assert.Contains("for mentor coordinators only", await AskAsync(Mentor, "report R-1001"));
        var unknown = await AskAsync(MentorBot.Coordinator, "report R-1099");
        Assert.True(unknown.Contains("I can't find R-1099"), unknown);
        Assert.Contains("R-1002 has no session report: it's claimed by <@UMENTOR2>", await AskAsync(MentorBot.Coordinator, "report R-1002"));
        Assert.Contains("isn't a request reference", await AskAsync(MentorBot.Coordinator, "report soon"));
        Assert.Contains("Usage: `/mentor-admin report R-1042`", await AskAsync(MentorBot.Coordinator, "report"));
        Assert.Contains("/mentor-admin report R-1042", await AskAsync(MentorBot.Coordinator, "help"));
    }

    [Fact]
    public async Task MentorReport_AndCoordinatorsHome_ShowTheReports_AndTheMeanRating_WhileTheMenteesHomeDoesNot()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        await bot.FileReportAsync(request.Reference, Mentor, covered: Covered, goals: "Finish the README", forCoordinators: Note);
        await SubmitRatingAfterPressAsync(bot, request, "5");
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, $"mentor <@{Mentor}>", responseUrl: bot.Slack.ResponseUrl()));
        var mentorReport = Assert.Single(bot.Slack.CallsTo("response_url")).AllText;
        Assert.Contains("*Mentees' ratings:* mean 5.0 of 5 from 1 rating", mentorReport);
        Assert.Contains("*Session reports:* 1 filed", mentorReport);
        Assert.Contains("SECRET-COVERED", mentorReport);

        await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(MentorBot.Coordinator)));
        await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(Mentee)));
        var homes = bot.Slack.CallsTo("views.publish");
        var coordinatorHome = Assert.Single(homes, c => c["user_id"] == MentorBot.Coordinator).AllText;
        Assert.Contains("Latest session reports", coordinatorHome);
        Assert.Contains("*R-1001* · <@UMENTEE1> with <@UMENTOR1>", coordinatorHome);
        Assert.Contains("SECRET-COVERED", coordinatorHome);
        Assert.Contains("mean rating 5.0 of 5", coordinatorHome);
        var menteeHome = Assert.Single(homes, c => c["user_id"] == Mentee).AllText;
        Assert.DoesNotContain("SECRET", menteeHome);
        Assert.DoesNotContain("session reports", menteeHome);
    }
}
