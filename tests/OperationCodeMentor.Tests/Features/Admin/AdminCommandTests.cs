using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.Admin;

public class AdminCommandTests
{
    private const string Coordinator = MentorBot.Coordinator;

    private static async Task<SlackCall> AdminAsync(MentorBot bot, string text, string responseUrlId = "admin")
    {
        var before = bot.Slack.CallsTo("response_url").Count;
        var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, text, responseUrl: bot.Slack.ResponseUrl(responseUrlId)));
        response.EnsureSuccessStatusCode();
        Assert.Empty((await response.AckAsync()).AsObject());
        var reply = bot.Slack.CallsTo("response_url").Skip(before).Single();
        Assert.Equal("ephemeral", reply["response_type"]);
        return reply;
    }

    [Fact]
    public async Task Open_ListsTheQueueOldestFirst_WithAgeServiceSkillsMatchingMentorsAndButtons()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UPY1", ["Python"]);
        await bot.VolunteerAsync("UPY2", ["Python", "SQL"]);
        var older = await bot.RequestAsync("UMENTEE1", ["Python"], service: "Code Review");
        bot.Clock.Advance(TimeSpan.FromHours(5));
        var newer = await bot.RequestAsync("UMENTEE2", ["Go"], service: "Mock Interview");
        var claimed = await bot.RequestAsync("UMENTEE3", ["SQL"]);
        await bot.ClickAsync(RequestButtons.Claim, claimed, "UPY2");
        bot.Clock.Advance(TimeSpan.FromMinutes(30));

        var reply = await AdminAsync(bot, "open");

        var text = reply.AllText;
        Assert.Contains("2 open requests", text);
        Assert.True(text.IndexOf(older.Reference, StringComparison.Ordinal) < text.IndexOf(newer.Reference, StringComparison.Ordinal));
        Assert.DoesNotContain(claimed.Reference, text);
        Assert.Contains("waiting 5 h 30 min · Code Review", text);
        Assert.Contains("waiting 30 min · Mock Interview", text);
        // UPY2 now holds one of two mentees, so both Python mentors are still available.
        Assert.Contains("Skills: Python · 2 available mentors match", text);
        Assert.Contains("Skills: Go · :warning: no available mentor lists these skills", text);
        var elements = Seeding.Elements(reply.Body["blocks"]).ToList();
        Assert.Equal(2, elements.Count(e => e["action_id"]?.ToString() == AssignAction.Id && e["type"]!.ToString() == "users_select"));
        Assert.Equal([older.Reference, newer.Reference], elements.Where(e => e["action_id"]?.ToString() == CloseAction.Id).Select(e => e["value"]!.ToString()));
        Assert.Equal([older.Reference, newer.Reference], elements.Where(e => e["action_id"]?.ToString() == AskDetailsAction.Id).Select(e => e["value"]!.ToString()));
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Open_WithTwoHundredRequests_ShowsAPageWithinTheLimits_AndThePageButtonsMoveThrough()
    {
        await using var bot = await MentorBot.StartAsync();
        var start = bot.Clock.GetUtcNow();
        for (var i = 0; i < 200; i++)
            await bot.SeedRequestAsync($"UMENTEE{i:D3}", ["Python"], start.AddMinutes(-1000 + i));

        var first = await AdminAsync(bot, "open");
        Assert.Contains("*200 open requests*, oldest first · page 1 of 10", first.AllText);
        Assert.Contains("and 180 more", first.AllText);
        Assert.Contains("R-1001", first.AllText);
        Assert.DoesNotContain("R-1021", first.AllText);
        var next = Seeding.Elements(first.Body["blocks"]).Single(e => e["action_id"]?.ToString() == QueuePageAction.Id);
        Assert.Equal("2", next["value"]!.ToString());

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.EphemeralAction(QueuePageAction.Id, "2", Coordinator, bot.Slack.ResponseUrl("admin"))));
        var second = bot.Slack.CallsTo("response_url").Last();
        Assert.Equal("true", second["replace_original"]);
        Assert.Contains("page 2 of 10", second.AllText);
        Assert.Contains("R-1021", second.AllText);
        Assert.DoesNotContain("R-1020*", second.AllText);

        var last = await AdminAsync(bot, "open 10");
        Assert.Contains("R-1200", last.AllText);
        Assert.Contains("180 older requests", last.AllText);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Assign_PairsByHand_WithTheSameDmsAsAClaim()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"], "Help me with decorators in Python please.");
        bot.Slack.Clear();

        // Slack sends a picked person as <@ID|name> when the command escapes mentions.
        var reply = await AdminAsync(bot, $"assign {request.Reference} <@UMENTOR1|mentor.one>");

        Assert.Contains($"Paired {request.Reference} with <@UMENTOR1>", reply.Text);
        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Claimed, stored!.Status);
        Assert.Equal("UMENTOR1", stored.ClaimedBy);
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Contains("claimed by <@UMENTOR1>", card.AllText);
        var toMentor = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Contains($"<@{Coordinator}> paired you with", toMentor.AllText);
        // The pair are introduced in their group DM, the request with them; the coordinator hears so.
        var intro = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1"));
        Assert.Contains($"(paired by <@{Coordinator}>)", intro.AllText);
        Assert.Contains("Help me with decorators", intro.AllText);
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1");
        Assert.Contains("introduced them in a group DM", reply.Text);

        var activity = await bot.Store.GetActivityAsync(bot.Clock.GetUtcNow().AddDays(-1));
        Assert.Equal(Coordinator, Assert.Single(activity).Outcome.AssignedBy);
        BlockKitLimits.AssertAll(bot.Slack.Calls);

        // Once released, the request is no longer one a coordinator paired; its first claim is still remembered.
        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");
        var released = Assert.Single(await bot.Store.GetActivityAsync(bot.Clock.GetUtcNow().AddDays(-1))).Outcome;
        Assert.Null(released.AssignedBy);
        Assert.Equal(bot.Clock.GetUtcNow(), released.FirstClaimedAt);
    }

    [Fact]
    public async Task Assign_WhenSlackFailsHalfway_FinishesOnceSlackAnswers_SendingEachMessageOnce()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();
        bot.Slack.ErrorNext("chat.postMessage", "account_inactive");

        var response = await bot.Http.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, $"assign {request.Reference} <@UMENTOR1|m>", responseUrl: bot.Slack.ResponseUrl("admin")));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await bot.SettleAsync();

        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        // The card may be redrawn again by the attempt after the failure, always to the same card (a redraw is noted, not written).
        Assert.NotEmpty(bot.Slack.CallsTo("chat.update"));
        Assert.Single(bot.Slack.CallsTo("chat.update").Select(u => (u["ts"], u.AllText)).Distinct());
        Assert.Single(bot.Slack.Messages, m => m.Channel == "DUMENTOR1" && m.Body["text"]!.ToString().Contains("paired you with", StringComparison.Ordinal));
        Assert.Single(bot.Slack.Messages, m => m.Channel == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1") && m.Body["text"]!.ToString().Contains("meet <@UMENTOR1>", StringComparison.Ordinal));
        Assert.Contains("Paired", Assert.Single(bot.Slack.CallsTo("response_url")).Text);
    }

    [Fact]
    public async Task Assign_WhenAMentorClaimedItFirst_SaysWho_AndChangesNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UFAST", ["Python"]);
        await bot.VolunteerAsync("USLOW", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UFAST");
        bot.Slack.Clear();

        var reply = await AdminAsync(bot, $"assign {request.Reference} <@USLOW|slow>");

        Assert.Contains("is claimed by <@UFAST>", reply.Text);
        Assert.Contains("Release", reply.Text);
        Assert.Equal("UFAST", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
    }

    [Theory]
    [InlineData("assign R-1001 <@UNOBODY|nobody>", "isn't enrolled as a mentor")]
    [InlineData("assign R-9999 <@UMENTOR1|m>", "can't find R-9999")]
    [InlineData("close R-9999", "can't find R-9999")]
    [InlineData("reopen R-1001", "is already open")]
    public async Task Mistakes_AreExplained_AndChangeNothing(string text, string expected)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();

        var reply = await AdminAsync(bot, text);

        Assert.Contains(expected, reply.Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Single(bot.Slack.Calls);
    }

    [Theory]
    [InlineData("assign R-1001 @mentor1", "couldn't tell who `@mentor1` is")]
    [InlineData("assign R-1001", "Usage: `/mentor-admin assign R-1042 @mentor`")]
    [InlineData("mentor bob", "couldn't tell who `bob` is")]
    [InlineData("stats 0", "days from 1 to 365")]
    [InlineData("stats lots", "days from 1 to 365")]
    [InlineData("open first", "Usage: `/mentor-admin open [page]`")]
    [InlineData("close", "Usage: `/mentor-admin close R-1042 [reason]`")]
    [InlineData("frobnicate", "I don't know `frobnicate`")]
    [InlineData("close banana", "isn't a request reference")]
    public async Task TypingMistakes_AreAnsweredAtOnce_WithUsage(string text, string expected)
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, text, responseUrl: bot.Slack.ResponseUrl()));
        var ack = await response.AckAsync();
        Assert.Equal("ephemeral", ack["response_type"]!.ToString());
        Assert.Contains(expected, ack["text"]!.ToString());
        Assert.Empty(bot.Slack.Calls);
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        await using var bot = await MentorBot.StartAsync();
        var ack = await (await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, "help"))).AckAsync();
        foreach (var verb in new[] { "open", "assign", "close", "reopen", "hold R-1042 YYYY-MM-DD", "resume R-1042", "contact-lost share", "stats", "mentor", "App Home" })
            Assert.Contains(verb, ack["text"]!.ToString());
        BlockKitLimits.AssertAck(ack);
    }

    [Fact]
    public async Task Close_WithAReason_CancelsIt_UpdatesTheCard_AndTellsTheMenteeAndTheMentor()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Slack.Clear();

        // Slack escapes &, < and > in command text; the reason is stored as the coordinator meant it and escaped again on the way out.
        var reply = await AdminAsync(bot, $"close {request.Reference} duplicate of R-1000 &amp; <!channel>");

        Assert.Contains($"Closed {request.Reference} (duplicate of R-1000 &amp; @channel)", reply.Text);
        Assert.Contains("<@UMENTEE1> and <@UMENTOR1>", reply.Text);
        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Cancelled, stored!.Status);
        var activity = Assert.Single(await bot.Store.GetActivityAsync(DateTimeOffset.MinValue)).Outcome;
        Assert.Equal(Coordinator, activity.ClosedBy);
        Assert.Equal("duplicate of R-1000 & @channel", activity.CloseReason);

        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, card["ts"]);
        Assert.Contains($"closed by <@{Coordinator}>", card.AllText);
        Assert.DoesNotContain("claim_request", card.AllText);
        Assert.DoesNotContain("release_request", card.AllText);
        Assert.DoesNotContain("<!channel>", card.AllText);
        Assert.Contains("closed by", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1").Text);
        Assert.Contains("don't need to follow up", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1").Text);
        // A closed request frees the mentor.
        Assert.Equal(0, (await bot.Store.GetMentorLoadsAsync()).Single().OpenClaims);

        var again = await AdminAsync(bot, $"close {request.Reference}");
        Assert.Contains("is already closed", again.Text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Close_WhenTheCardCannotBeUpdated_StillTellsTheMentee_AndSaysSo()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();
        bot.Slack.ErrorNext("chat.update", "message_not_found");

        var reply = await AdminAsync(bot, $"close {request.Reference} asked twice");

        Assert.Contains($"Closed {request.Reference} (asked twice)", reply.Text);
        Assert.Contains("couldn't update its card in the mentors channel: Slack said `message_not_found`", reply.Text);
        Assert.Equal(RequestStatus.Cancelled, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Contains("asked twice", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1").Text);
    }

    [Fact]
    public async Task Reopen_PutsAClosedRequestBackInTheQueue_OnItsCard_WithMentions()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await AdminAsync(bot, $"close {request.Reference} asked by mistake");
        bot.Slack.Clear();

        var reply = await AdminAsync(bot, $"reopen {request.Reference}");

        Assert.Contains($"Reopened {request.Reference}", reply.Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Contains("claim_request", card.AllText);
        Assert.Contains($"Reopened by <@{Coordinator}>", card.AllText);
        var thread = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["thread_ts"] == request.MessageTs);
        Assert.Contains("<@UMENTOR1>", thread.Text);
        Assert.Contains("open again", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1").Text);

        // Back in the queue: a mentor can claim it again.
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task Reopen_ARequestThatNeverReachedTheChannel_PostsItNow()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = (await bot.Store.CreateAsync("UMENTEE1", ["Python"], "Never posted: Slack was down.", bot.Clock.GetUtcNow())).Request;
        await bot.Store.ChangeRequestAsync(request.Reference, t => RequestLifecycle.Decide(t, new Actor(Coordinator, IsCoordinator: true), new RequestCommand.Close(null), bot.Clock.GetUtcNow()));

        await AdminAsync(bot, $"reopen {request.Reference}");

        var post = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Contains("<@UMENTOR1>", post.AllText);
        Assert.Equal(post["channel"], (await bot.Store.RequestAsync(request.Reference))!.ChannelId);
    }

    [Fact]
    public async Task Mentor_ShowsProfileCapacityAndHistory()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python", "SQL"], maxMentees: 2);
        var first = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, first, "UMENTOR1");
        var second = await bot.RequestAsync("UMENTEE2", ["SQL"], service: "Mock Interview");
        await AdminAsync(bot, $"assign {second.Reference} <@UMENTOR1>");

        var reply = await AdminAsync(bot, "mentor <@UMENTOR1|mentor.one>");

        var text = reply.AllText;
        Assert.Contains("<@UMENTOR1>", text);
        Assert.Contains("active", text);
        Assert.Contains("holding 2 of 2 mentees (at capacity)", text);
        Assert.Contains("Python, SQL", text);
        Assert.Contains("2 pairings", text);
        Assert.True(text.IndexOf(second.Reference, StringComparison.Ordinal) < text.IndexOf(first.Reference, StringComparison.Ordinal));
        Assert.Contains("Mock Interview", text);

        var stranger = await AdminAsync(bot, "mentor <@UNOBODY>");
        Assert.Contains("isn't enrolled as a mentor", stranger.Text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task AssignToMenu_InTheQueue_PairsTheRequest_AndAnswersThroughTheList()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ChoosingUser(SlackRequests.EphemeralAction(
            AssignAction.Id, "", Coordinator, bot.Slack.ResponseUrl("list"), CoordinatorButtons.BlockPrefix + request.Reference), "UMENTOR1")));

        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Contains("Paired", Assert.Single(bot.Slack.CallsTo("response_url")).Text);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1"));
    }

    [Fact]
    public async Task CloseButton_AsksForAReasonInAModal_AndSubmittingClosesTheRequest()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();

        var press = SlackRequests.EphemeralAction(CloseAction.Id, request.Reference, Coordinator, bot.Slack.ResponseUrl("list"));
        await bot.SendAsync(bot.Requests.Interaction(press));

        var open = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal(press["trigger_id"]!.ToString(), open["trigger_id"]);
        var view = open.Body["view"]!.AsObject();
        Assert.Equal(CloseAction.CallbackId, view["callback_id"]!.ToString());
        Assert.Equal($"Close {request.Reference}", view["title"]!["text"]!.ToString());
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);

        var submit = SlackRequests.ViewSubmission(CloseAction.CallbackId, Coordinator, (CoordinatorModal.TextBlock, "sorted out in #help"));
        submit["view"]!["private_metadata"] = view["private_metadata"]!.ToString();
        var response = await bot.SendAsync(bot.Requests.Interaction(submit));

        Assert.Empty((await response.AckAsync()).AsObject());
        Assert.Equal(RequestStatus.Cancelled, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Contains("sorted out in #help", Assert.Single(bot.Slack.CallsTo("response_url")).Text);
        Assert.Contains("sorted out in #help", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1").Text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }

    [Fact]
    public async Task AskForDetails_InTheQueue_DmsTheMentee_AndAnswersThroughTheList()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.EphemeralAction(AskDetailsAction.Id, request.Reference, Coordinator, bot.Slack.ResponseUrl("list"))));
        var view = Assert.Single(bot.Slack.CallsTo("views.open")).Body["view"]!.AsObject();
        Assert.Equal(AskDetailsAction.CallbackId, view["callback_id"]!.ToString());

        var submit = SlackRequests.ViewSubmission(AskDetailsAction.CallbackId, Coordinator, (CoordinatorModal.TextBlock, "Which framework is the project in?"));
        submit["view"]!["private_metadata"] = view["private_metadata"]!.ToString();
        await bot.SendAsync(bot.Requests.Interaction(submit));

        var question = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTEE1");
        Assert.Contains("> Which framework is the project in?", question.Text);
        Assert.Contains($"reply to <@{Coordinator}>", question.Text);
        Assert.Contains("Sent your question", Assert.Single(bot.Slack.CallsTo("response_url")).Text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);
    }
}
