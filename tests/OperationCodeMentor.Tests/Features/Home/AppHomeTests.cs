using OperationCodeMentor.Features.Claims;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Home;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Home;

public class AppHomeTests
{
    private static async Task<SlackCall> OpenHomeAsync(MentorBot bot, string user)
    {
        var before = bot.Slack.CallsTo("views.publish").Count;
        var response = await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(user)));
        response.EnsureSuccessStatusCode();
        var publish = bot.Slack.CallsTo("views.publish").Skip(before).Single();
        Assert.Equal(user, publish["user_id"]);
        Assert.Equal("home", publish.Body["view"]!["type"]!.ToString());
        return publish;
    }

    private static List<JsonObject> Buttons(SlackCall publish, string actionId) =>
        Seeding.Elements(publish.Body["view"]!["blocks"]).Where(e => e["action_id"]?.ToString() == actionId).ToList();

    [Fact]
    public async Task Mentee_SeesTheirRequests_EachStatus_AndTheirPlaceInTheQueue()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["SQL"]);
        var earlier = await bot.RequestAsync("UMENTEE1", ["SQL"], service: "Resume Review");
        await bot.ClickAsync(RequestButtons.Claim, earlier, "UMENTOR1");
        await bot.RequestAsync("UOTHER1", ["Python"]);
        bot.Clock.Advance(TimeSpan.FromHours(1));
        await bot.RequestAsync("UOTHER2", ["Python"]);
        bot.Clock.Advance(TimeSpan.FromHours(1));
        var mine = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Clock.Advance(TimeSpan.FromHours(2));
        await bot.RequestAsync("UOTHER3", ["Python"]);

        var home = await OpenHomeAsync(bot, "UMENTEE1");

        var text = home.AllText;
        Assert.Contains("Your requests", text);
        Assert.Contains($"*{mine.Reference}*", text);
        Assert.Contains("Waiting for a mentor for 2 h · *number 3 of 4* in the queue", text);
        Assert.Contains($"*{earlier.Reference}* · Resume Review", text);
        Assert.Contains("Claimed by <@UMENTOR1>", text);
        Assert.True(text.IndexOf(mine.Reference, StringComparison.Ordinal) < text.IndexOf(earlier.Reference, StringComparison.Ordinal));
        Assert.DoesNotContain("Mentoring", text);
        Assert.DoesNotContain("Coordinating", text);
        Assert.DoesNotContain("UOTHER", text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task SomeoneNew_IsToldHowToAsk()
    {
        await using var bot = await MentorBot.StartAsync();
        var home = await OpenHomeAsync(bot, "UNEWBIE");
        Assert.Contains("Type `/mentor`", home.AllText);
    }

    [Fact]
    public async Task MessagesTab_PublishesNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened("UMENTEE1", tab: "messages")));
        Assert.Empty(bot.Slack.CallsTo("views.publish"));
    }

    [Fact]
    public async Task Mentor_SeesClaims_MatchingOpenRequestsWithClaimButtons_AndPause()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python", "SQL"], maxMentees: 3);
        var claimed = await bot.RequestAsync("UMENTEE1", ["SQL"], "Help me normalise my database schema.");
        await bot.ClickAsync(RequestButtons.Claim, claimed, "UMENTOR1");
        var python = await bot.RequestAsync("UMENTEE2", ["Python", "Go"], "Async IO in Python confuses me.");
        var java = await bot.RequestAsync("UMENTEE3", ["Java"]);

        var home = await OpenHomeAsync(bot, "UMENTOR1");

        var text = home.AllText;
        Assert.Contains("Mentoring", text);
        Assert.Contains("You're *active*", text);
        Assert.Contains("You hold 1 of 3 mentees", text);
        Assert.Contains($"*{claimed.Reference}* · <@UMENTEE1>", text);
        Assert.Contains("Async IO in Python", text);
        Assert.DoesNotContain(java.Reference, text);
        Assert.DoesNotContain("at capacity", text);
        Assert.Equal([python.Reference], Buttons(home, ClaimAction.Id).Select(b => b["value"]!.ToString()));
        Assert.Single(Buttons(home, HomePauseAction.Id));
        Assert.Empty(Buttons(home, HomeResumeAction.Id));
        Assert.DoesNotContain("Coordinating", text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Mentor_AtCapacity_IsToldSo_AndGetsNoClaimButtons()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"], maxMentees: 1);
        var first = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, first, "UMENTOR1");
        var waiting = await bot.RequestAsync("UMENTEE2", ["Python"]);

        var home = await OpenHomeAsync(bot, "UMENTOR1");

        Assert.Contains("*You're at capacity* (1 of 1)", home.AllText);
        Assert.Contains(waiting.Reference, home.AllText);
        Assert.Empty(Buttons(home, ClaimAction.Id));
    }

    [Fact]
    public async Task PauseAndResume_OnTheHomeTab_AreTheVolunteerPause_AndRedrawTheTab()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(HomePauseAction.Id, "pause", "UMENTOR1")));

        Assert.True((await bot.Store.GetMentorAsync("UMENTOR1"))!.Paused);
        var paused = Assert.Single(bot.Slack.CallsTo("views.publish"));
        Assert.Contains("You're *paused*", paused.AllText);
        Assert.Single(Buttons(paused, HomeResumeAction.Id));
        // Paused mentors are not mentioned, exactly as after /mentor-volunteer pause.
        Assert.Empty((await bot.RequestAsync("UMENTEE1", ["Python"])).MentionedMentors);

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(HomeResumeAction.Id, "resume", "UMENTOR1")));

        Assert.False((await bot.Store.GetMentorAsync("UMENTOR1"))!.Paused);
        Assert.Contains("You're *active*", bot.Slack.CallsTo("views.publish").Last().AllText);
    }

    [Fact]
    public async Task Pause_BySomeoneNotEnrolled_PointsToTheForm()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(HomePauseAction.Id, "pause", "USTRANGER")));
        Assert.Contains("/mentor-volunteer", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUSTRANGER").Text);
        Assert.Null(await bot.Store.GetMentorAsync("USTRANGER"));
    }

    [Fact]
    public async Task Claim_OnTheHomeTab_ClaimsLikeTheChannelButton_AndRedrawsTheTab()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(ClaimAction.Id, request.Reference, "UMENTOR1")));

        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Contains("claimed by <@UMENTOR1>", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1"));
        var redrawn = Assert.Single(bot.Slack.CallsTo("views.publish"));
        Assert.Empty(Buttons(redrawn, ClaimAction.Id));
        Assert.Contains("*Your claims*", redrawn.AllText);

        // A click on the stale tab later on is told, by DM since the Home tab has no channel.
        bot.Slack.Clear();
        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.HomeAction(ClaimAction.Id, request.Reference, "UMENTOR1")));
        Assert.Contains("already claimed by you", Assert.Single(bot.Slack.CallsTo("chat.postMessage")).Text);
    }

    [Fact]
    public async Task Coordinator_AlsoSeesTheQueueSummaryTheHeadlineStats_AndQueueButtons()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var claimed = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Clock.Advance(TimeSpan.FromHours(3));
        await bot.ClickAsync(RequestButtons.Claim, claimed, "UMENTOR1");
        await bot.FileReportAsync(claimed.Reference, "UMENTOR1");
        var waiting = await bot.RequestAsync("UMENTEE2", ["Go"]);
        bot.Clock.Advance(TimeSpan.FromHours(1));

        var home = await OpenHomeAsync(bot, MentorBot.Coordinator);

        var text = home.AllText;
        Assert.Contains("Coordinating", text);
        Assert.Contains("*Open now:* 1, the oldest waiting 1 h; 1 with no available mentor", text);
        Assert.Contains("*Last 30 days:* 2 requests, 1 claimed · median time to first claim 3 h", text);
        Assert.Contains("sessions done: 1 · \\\"it helped\\\": n/a (none yet) · escalated: 0 of 2 (0%) · skills asked for with no mentor: 1", text);
        Assert.Contains(waiting.Reference, text);
        Assert.Single(Buttons(home, AssignAction.Id));
        Assert.Equal(waiting.Reference, Assert.Single(Buttons(home, CloseAction.Id))["value"]!.ToString());
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Coordinator_AssigningFromTheHomeTab_PairsIt_AndRedrawsTheTab()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ChoosingUser(
            SlackRequests.HomeAction(AssignAction.Id, "", MentorBot.Coordinator, CoordinatorButtons.BlockPrefix + request.Reference), "UMENTOR1")));

        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Contains("Paired", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + MentorBot.Coordinator).Text);
        Assert.Contains("*Open now:* none", Assert.Single(bot.Slack.CallsTo("views.publish")).AllText);
    }

    [Fact]
    public async Task EveryRole_WithTwoHundredOpenRequestsAndHundredFiftySkills_StaysWithinBlockKitLimits()
    {
        await using var bot = await MentorBot.StartAsync();
        var skills = Seeding.ManySkills(150);
        await bot.AddSkillsAsync(skills);
        // The coordinator is also a mentor with every skill and has asked for help themselves: the longest Home tab there is.
        await bot.VolunteerAsync(MentorBot.Coordinator, [.. skills], maxMentees: 10);
        var now = bot.Clock.GetUtcNow();
        for (var i = 0; i < 200; i++)
            await bot.SeedRequestAsync($"UMENTEE{i:D3}", [skills[i % 150], skills[(i * 7) % 150]], now.AddMinutes(-500 + i),
                details: new string('x', 2900));
        for (var i = 0; i < 15; i++)
            await bot.SeedRequestAsync(MentorBot.Coordinator, [skills[i]], now.AddDays(-80 + i));
        bot.Slack.Clear();

        var home = await OpenHomeAsync(bot, MentorBot.Coordinator);

        var view = home.Body["view"]!.AsObject();
        BlockKitLimits.AssertView(view);
        Assert.InRange(view["blocks"]!.AsArray().Count, 40, BlockKitLimits.ViewBlocks);
        Assert.Contains("…and 5 earlier requests", home.AllText);
        Assert.Contains("…and 185 more in the mentors channel", home.AllText);
        Assert.Contains("…and 210 more open requests", home.AllText);
        Assert.Equal(AppHome.MaxMatching, Buttons(home, ClaimAction.Id).Count);

        var mentee = await OpenHomeAsync(bot, "UMENTEE000");
        BlockKitLimits.AssertView(mentee.Body["view"]!.AsObject());
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats", responseUrl: bot.Slack.ResponseUrl()));
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "open 11", responseUrl: bot.Slack.ResponseUrl()));
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, $"mentor <@{MentorBot.Coordinator}>", responseUrl: bot.Slack.ResponseUrl()));
        Assert.Equal(3, bot.Slack.CallsTo("response_url").Count);
        Assert.Contains("…and", bot.Slack.CallsTo("response_url")[0].AllText);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }
}
