using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// The session report, its goals at the mentee's next pairing, and the rating, with the bot on the fake Airtable: what
/// the mentor filed is in the base's own fields, and everything read back comes from there.
/// </summary>
public sealed class AirtableSessionReportFlowTests
{
    [Fact]
    public async Task OnAirtable_TheReportAndRating_AreInTheBase_TheGoalsReachTheNextMentor_AndTheStatsCountThem()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(new(airtable.BotSettings().Concat(FollowUpKit.Fast())));
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var first = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, first, "UMENTOR1");

        await bot.FileReportAsync(first.Reference, "UMENTOR1", covered: "Walked through their Flask app.", goals: "Add tests\nDeploy it",
            wish: "same_mentor", forCoordinators: "Needs encouragement.");
        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        await bot.PressAsync(RateAction.Id, first.Reference, "UMENTEE1");
        var opened = bot.Slack.CallsTo("views.open").Last();
        var rating = SlackRequests.ViewSubmission(RateAction.CallbackId, "UMENTEE1",
            (RateAction.StarsBlock, new SlackRequests.Selected("4")), (RateAction.CommentBlock, "Very helpful"));
        rating["view"]!["private_metadata"] = opened.Body["view"]!["private_metadata"]!.ToString();
        await bot.SendAsync(bot.Requests.Interaction(rating));

        var row = airtable.Requests.Records.Single(r => r.Text("Reference") == first.Reference);
        Assert.Equal("completed", row.Text("Status"));
        Assert.Equal("Walked through their Flask app.", row.Text("Session Covered"));
        Assert.Equal("Add tests\nDeploy it", row.Text("Session Goals"));
        Assert.Equal("Needs encouragement.", row.Text("Notes for Coordinators"));
        Assert.Equal("UMENTOR1", row.Text("Reported By Slack ID"));
        Assert.Equal(4, airtable.Requests.Value(row, "Rating")!.GetValue<double>());
        Assert.Equal("Very helpful", row.Text("Rating Comment"));
        Assert.Contains("Add tests", bot.Slack.DmsTo("UMENTEE1").Last().AllText);

        var second = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();
        await bot.ClickAsync(RequestButtons.Claim, second, "UMENTOR2");
        var claimDm = Assert.Single(bot.Slack.DmsTo("UMENTOR2")).AllText;
        Assert.Contains("*Goals from <@UMENTEE1>'s last session with <@UMENTOR1>*", claimDm);
        Assert.Contains("2. Deploy it", claimDm);
        Assert.DoesNotContain("Flask", claimDm);

        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, $"report {first.Reference}", responseUrl: bot.Slack.ResponseUrl("report")));
        var report = bot.Slack.CallsTo("response_url").Last().AllText;
        Assert.Contains("Walked through their Flask app.", report);
        Assert.Contains("4/5", report);
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats", responseUrl: bot.Slack.ResponseUrl("stats")));
        var stats = bot.Slack.CallsTo("response_url").Last().AllText;
        Assert.Contains("*Sessions with a report:* 1 of 1 (100%)", stats);
        Assert.Contains("*Rating:* mean 4.0 of 5 · rated: 1 of 1 (100%)", stats);
    }
}
