using System.Text.Json;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.Admin;

/// <summary>Only coordinators can use /mentor-admin or its buttons; anything from anyone else changes nothing.</summary>
public class AdminAuthorizationTests
{
    private const string Outsider = "UOUTSIDER";
    private const string Mentor = "UMENTOR1";

    [Theory]
    [InlineData("")]
    [InlineData("help")]
    [InlineData("open")]
    [InlineData("open 2")]
    [InlineData("assign R-1001 <@UMENTOR1|mentor1>")]
    [InlineData("close R-1001 not needed")]
    [InlineData("reopen R-1002")]
    [InlineData("stats 7")]
    [InlineData("mentor <@UMENTOR1|mentor1>")]
    [InlineData("nonsense")]
    public async Task Command_FromSomeoneWhoIsNotACoordinator_IsRefusedPolitely_AndChangesNothing(string text)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var open = await bot.RequestAsync("UMENTEE1", ["Python"]);
        var closed = await bot.RequestAsync("UMENTEE2", ["Python"]);
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, $"close {closed.Reference}", responseUrl: bot.Slack.ResponseUrl()));
        bot.Slack.Clear();

        var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Outsider, text, responseUrl: bot.Slack.ResponseUrl()));

        var ack = await response.AckAsync();
        Assert.Equal("ephemeral", ack["response_type"]!.ToString());
        Assert.Contains("for mentor coordinators only", ack["text"]!.ToString());
        Assert.Contains("haven't done anything", ack["text"]!.ToString());
        Assert.Empty(bot.Slack.Calls);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(open.Reference))!.Status);
        Assert.Equal(RequestStatus.Cancelled, (await bot.Store.RequestAsync(closed.Reference))!.Status);
    }

    [Fact]
    public async Task Buttons_CraftedBySomeoneWhoIsNotACoordinator_AreRefused_AndChangeNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        var block = CoordinatorButtons.BlockPrefix + request.Reference;
        bot.Slack.Clear();

        // Assign to… from a /mentor-admin list, and from the Home tab.
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ChoosingUser(
            SlackRequests.EphemeralAction(AssignAction.Id, "", Outsider, bot.Slack.ResponseUrl("list"), block), Mentor)));
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ChoosingUser(
            SlackRequests.HomeAction(AssignAction.Id, "", Outsider, block), Outsider)));
        // Close (which would open the reason modal), paging, and a forged submission of the reason modal.
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.EphemeralAction(CloseAction.Id, request.Reference, Outsider, bot.Slack.ResponseUrl("list"))));
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.EphemeralAction(QueuePageAction.Id, "2", Outsider, bot.Slack.ResponseUrl("list"))));
        var forged = SlackRequests.ViewSubmission(CloseAction.CallbackId, Outsider, (CoordinatorModal.TextBlock, "forged"));
        forged["view"]!["private_metadata"] = JsonSerializer.Serialize(new CoordinatorModal.Metadata(request.Reference, null, false));
        var submitted = await bot.SendAsync(bot.Requests.Interaction(forged));

        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Open, stored!.Status);
        Assert.Null(stored.ClaimedBy);
        Assert.Empty(bot.Slack.CallsTo("views.open"));
        Assert.Empty(bot.Slack.CallsTo("views.publish"));
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] != "D" + Outsider);

        var refusals = bot.Slack.CallsTo("response_url");
        Assert.Equal(3, refusals.Count);
        Assert.All(refusals, r => Assert.Contains("only mentor coordinators", r.Text));
        Assert.All(refusals, r => Assert.Equal("false", r["replace_original"]));
        var homeRefusal = Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Contains("only mentor coordinators", homeRefusal.Text);

        var ack = await submitted.AckAsync();
        Assert.Equal("errors", ack["response_action"]!.ToString());
        Assert.Contains("only mentor coordinators", ack["errors"]![CoordinatorModal.TextBlock]!.ToString());
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }
}
