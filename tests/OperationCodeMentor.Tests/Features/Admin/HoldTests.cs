using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Admin;

/// <summary>
/// A coordinator's hold: from <c>/mentor-admin</c> and from App Home, no follow-up while it lasts, and its end (by itself,
/// or by hand) restarting the ladder from then. The clock starts on Monday 2 November 2026, 15:00 UTC (10:00 in New York).
/// </summary>
public class HoldTests
{
    private const string Mentee = "UMENTEE1";
    private const string Mentor = "UMENTOR1";
    private const string Coordinator = MentorBot.Coordinator;
    private const string Coordinator2 = "UCOORD02";

    /// <summary>09:00 in New York on Monday 9 November 2026 (standard time, UTC−5).</summary>
    private static readonly DateTimeOffset NinthAtNine = new(2026, 11, 9, 14, 0, 0, TimeSpan.Zero);

    private static Task<MentorBot> StartAsync() => MentorBot.StartAsync(FollowUpKit.Fast(
        ("Mentorship:TimeZone", "America/New_York"), ("Mentorship:Coordinators:1", Coordinator2)));

    internal static async Task<SlackCall> AdminAsync(MentorBot bot, string text, string user = Coordinator)
    {
        var before = bot.Slack.CallsTo("response_url").Count;
        var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, user, text, responseUrl: bot.Slack.ResponseUrl("admin")));
        response.EnsureSuccessStatusCode();
        Assert.Empty((await response.AckAsync()).AsObject());
        return bot.Slack.CallsTo("response_url").Skip(before).Single();
    }

    [Fact]
    public async Task Hold_ByCommand_KeepsAnOpenRequestOffEveryLadder_ThenItComesBackByItself_AndItsLadderStartsFromThen()
    {
        await using var bot = await StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        var reply = await AdminAsync(bot, $"hold {request.Reference} 2026-11-09 the mentee is travelling");

        Assert.Contains($"{request.Reference} is on hold until <!date^{NinthAtNine.ToUnixTimeSeconds()}^", reply.Text);
        var held = await bot.TrackedAsync(request);
        Assert.Equal((NinthAtNine, Coordinator), (held.Session.OnHoldUntil!.Value, held.Session.OnHoldBy));
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, card["ts"]);
        Assert.Contains("On hold until", card.AllText);
        Assert.Contains("the mentee is travelling", card.AllText);
        Assert.Contains(RequestButtons.Claim, card.ActionIds());

        // A week without one bump, notice, escalation: every step of the ladder would have been due many times over.
        for (var day = 0; day < 6; day++) await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(1));
        await bot.AdvanceAndSweepAsync(NinthAtNine - bot.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Single(bot.Slack.CallsTo("chat.update"));

        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));

        var back = await bot.TrackedAsync(request);
        Assert.Equal((null, null, NinthAtNine), (back.Session.OnHoldUntil, back.Session.OnHoldBy, back.Session.ResumedAt));
        var told = Assert.Single(bot.Slack.DmsTo(Coordinator));
        Assert.Contains($"*{request.Reference}* from <@{Mentee}> is back from the hold you put on it", told.AllText);
        var redrawn = bot.Slack.CallsTo("chat.update")[^1];
        Assert.Equal(request.MessageTs, redrawn["ts"]);
        Assert.DoesNotContain("On hold", redrawn.AllText);
        Assert.Contains(RequestButtons.Claim, redrawn.ActionIds());

        // The ladder counts from the return, not from the request: nothing yet, then the first bump 10 s later.
        await bot.SweepAsync();
        Assert.Empty(bot.Slack.Bumps(request));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        Assert.Single(bot.Slack.Bumps(request));
        Assert.Single(bot.Slack.DmsTo(Coordinator));
    }

    [Fact]
    public async Task Hold_OfAClaimedRequest_StopsTheNudgeAndTheStuckReport_AndResumeByAnotherCoordinator_TellsTheOneWhoHeldIt()
    {
        await using var bot = await StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, Mentor);
        bot.Slack.Clear();

        await AdminAsync(bot, $"hold {request.Reference} 2026-11-20", Coordinator2);

        Assert.Contains($"<@{Coordinator2}> put *{request.Reference}*", Assert.Single(bot.Slack.DmsTo(Mentor)).Text);
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Contains($"claimed by <@{Mentor}>", card.AllText);
        Assert.Contains("On hold until", card.AllText);
        for (var day = 0; day < 3; day++) await bot.AdvanceAndSweepAsync(TimeSpan.FromDays(1));
        Assert.Single(bot.Slack.DmsTo(Mentor));
        Assert.Empty(bot.Slack.DmsTo(Coordinator));

        var reply = await AdminAsync(bot, $"resume {request.Reference}");

        Assert.Contains($"{request.Reference} is off hold", reply.Text);
        Assert.Contains($"<@{Coordinator}> ended the hold you put on *{request.Reference}*", Assert.Single(bot.Slack.DmsTo(Coordinator2)).Text);
        var redrawn = bot.Slack.CallsTo("chat.update")[^1];
        Assert.DoesNotContain("On hold", redrawn.AllText);
        Assert.Contains($"claimed by <@{Mentor}>", redrawn.AllText);
        Assert.Null((await bot.TrackedAsync(request)).Session.OnHoldUntil);

        await bot.SweepAsync();
        Assert.Single(bot.Slack.DmsTo(Mentor));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("Has the session happened?", bot.Slack.DmsTo(Mentor)[^1].AllText);

        Assert.Contains("isn't on hold", (await AdminAsync(bot, $"resume {request.Reference}")).Text);
    }

    [Theory]
    [InlineData("hold R-1001", "Usage: `/mentor-admin hold R-1042 YYYY-MM-DD [reason]`")]
    [InlineData("hold R-1001 tomorrow", "`tomorrow` isn't a date I can read; write it as YYYY-MM-DD")]
    [InlineData("hold R-1001 2026-13-01", "isn't a date I can read")]
    [InlineData("hold R-1001 2026-11-01", "2026-11-01 at 09:00 (America/New_York) has already passed")]
    [InlineData("hold R-1001 2026-11-02", "2026-11-02 at 09:00 (America/New_York) has already passed")]
    [InlineData("hold R-1001 2028-01-01", "more than 365 days away")]
    [InlineData("hold banana 2026-11-09", "isn't a request reference")]
    [InlineData("resume", "Usage: `/mentor-admin resume R-1042`")]
    public async Task Hold_WithABadOrPastDay_IsAnsweredAtOnce_AndNothingIsRecorded(string text, string expected)
    {
        await using var bot = await StartAsync();
        var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, text, responseUrl: bot.Slack.ResponseUrl()));
        var ack = await response.AckAsync();
        Assert.Equal("ephemeral", ack["response_type"]!.ToString());
        Assert.Contains(expected, ack["text"]!.ToString());
        Assert.Empty(bot.Slack.Calls);
    }

    [Fact]
    public async Task Hold_OfAClosedRequest_OrByAMentor_IsRefused()
    {
        await using var bot = await StartAsync();
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await AdminAsync(bot, $"close {request.Reference} duplicate");

        Assert.Contains("only an open or claimed request can be put on hold", (await AdminAsync(bot, $"hold {request.Reference} 2026-11-09")).Text);
        Assert.Null((await bot.TrackedAsync(request)).Session.OnHoldUntil);

        var stranger = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Mentor, $"hold {request.Reference} 2026-11-09"));
        Assert.Contains("for mentor coordinators only", (await stranger.AckAsync())["text"]!.ToString());
    }

    [Fact]
    public async Task Hold_FromAppHome_AsksForADayInAModal_ShowsTheHold_AndEndHoldBringsItBack()
    {
        await using var bot = await StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();
        var home = await OpenHomeAsync(bot, Coordinator);
        Assert.Equal(request.Reference, Assert.Single(Buttons(home, HoldAction.Id))["value"]!.ToString());
        Assert.Empty(Buttons(home, EndHoldAction.Id));

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(HoldAction.Id, request.Reference, Coordinator)));

        var view = Assert.Single(bot.Slack.CallsTo("views.open")).Body["view"]!;
        Assert.Equal(HoldAction.CallbackId, view["callback_id"]!.ToString());
        var picker = view["blocks"]!.AsArray().Select(b => b!["element"]).OfType<JsonObject>().Single(e => e["type"]?.ToString() == "datepicker");
        Assert.Equal("2026-11-09", picker["initial_date"]!.ToString());
        Assert.Contains("09:00 (America/New_York)", view.ToJsonString());
        var meta = view["private_metadata"]!.ToString();

        // A day that has passed is refused in the modal, which stays open; nothing is recorded.
        var refused = await (await bot.SendAsync(bot.Requests.Interaction(HoldSubmission(meta, "2026-10-30", null)))).AckAsync();
        Assert.Equal("errors", refused["response_action"]!.ToString());
        Assert.Contains("has already passed", refused["errors"]![HoldAction.DateBlock]!.ToString());
        Assert.Null((await bot.TrackedAsync(request)).Session.OnHoldUntil);

        await bot.SendAsync(bot.Requests.Interaction(HoldSubmission(meta, "2026-11-09", "travelling")));

        Assert.Equal(NinthAtNine, (await bot.TrackedAsync(request)).Session.OnHoldUntil);
        Assert.Contains("travelling", bot.Slack.CallsTo("chat.update")[^1].AllText);
        Assert.Contains("is on hold until", bot.Slack.DmsTo(Coordinator)[^1].Text);
        var redrawn = bot.Slack.CallsTo("views.publish")[^1];
        Assert.Contains($"On hold until <!date^{NinthAtNine.ToUnixTimeSeconds()}^", redrawn.AllText);
        Assert.All(Buttons(redrawn, EndHoldAction.Id), b => Assert.Equal(request.Reference, b["value"]!.ToString()));
        Assert.Equal(2, Buttons(redrawn, EndHoldAction.Id).Count); // in the queue, and in the list of holds
        Assert.Empty(Buttons(redrawn, HoldAction.Id));

        // Someone else's crafted press changes nothing.
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(EndHoldAction.Id, request.Reference, Mentor)));
        Assert.Equal(NinthAtNine, (await bot.TrackedAsync(request)).Session.OnHoldUntil);

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(EndHoldAction.Id, request.Reference, Coordinator)));

        Assert.Null((await bot.TrackedAsync(request)).Session.OnHoldUntil);
        Assert.Contains("is off hold", bot.Slack.DmsTo(Coordinator)[^1].Text);
        var after = bot.Slack.CallsTo("views.publish")[^1];
        Assert.Empty(Buttons(after, EndHoldAction.Id));
        Assert.DoesNotContain("On hold", after.AllText);
    }

    private static JsonObject HoldSubmission(string meta, string day, string? reason)
    {
        var payload = SlackRequests.ViewSubmission(HoldAction.CallbackId, Coordinator, (HoldAction.ReasonBlock, reason));
        payload["view"]!["private_metadata"] = meta;
        payload["view"]!["state"]!["values"]![HoldAction.DateBlock] = new JsonObject
        {
            [HoldAction.DateAction] = new JsonObject { ["type"] = "datepicker", ["selected_date"] = day },
        };
        return payload;
    }

    private static async Task<SlackCall> OpenHomeAsync(MentorBot bot, string user)
    {
        var before = bot.Slack.CallsTo("views.publish").Count;
        (await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(user)))).EnsureSuccessStatusCode();
        return bot.Slack.CallsTo("views.publish").Skip(before).Single();
    }

    private static List<JsonObject> Buttons(SlackCall publish, string actionId) =>
        Seeding.Elements(publish.Body["view"]!["blocks"]).Where(e => e["action_id"]?.ToString() == actionId).ToList();
}
