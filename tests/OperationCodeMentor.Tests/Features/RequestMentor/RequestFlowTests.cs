using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.RequestMentor;

public class RequestFlowTests
{
    private const string Mentee = "UMENTEE1";

    [Fact]
    public async Task Mentor_OpensTheRequestModalWithTheTrigger()
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, triggerId: "trig-42"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var open = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal("trig-42", open["trigger_id"]);
        var view = open.Body["view"]!;
        Assert.Equal(RequestModal.CallbackId, view["callback_id"]!.ToString());
        var blocks = view["blocks"]!.AsArray().Select(b => b!["block_id"]?.ToString()).ToList();
        Assert.Contains(RequestModal.ServiceBlock, blocks);
        Assert.Contains(RequestModal.SkillsBlock, blocks);
        Assert.Contains(RequestModal.DetailsBlock, blocks);
        Assert.Contains(RequestModal.AffiliationBlock, blocks);
        Assert.Contains("Code Review", open.AllText);
        Assert.Contains("Military Spouse", open.AllText);
    }

    [Fact]
    public async Task Mentor_WhenTheModalCannotOpen_TellsThePersonThroughTheResponseUrl()
    {
        await using var bot = await MentorBot.StartAsync();
        bot.Slack.ErrorNext("views.open", "expired_trigger_id");
        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, responseUrl: bot.Slack.ResponseUrl()));
        var reply = Assert.Single(bot.Slack.CallsTo("response_url"));
        Assert.Contains("couldn't open the request form", reply.Text);
        Assert.Equal("ephemeral", reply["response_type"]);
    }

    public static TheoryData<string, object?, string> InvalidFields => new()
    {
        { RequestModal.DetailsBlock, "too short", "at least 10 characters" },
        { RequestModal.DetailsBlock, "          ", "describe" },
        { RequestModal.DetailsBlock, new string('x', 3001), "under 3000" },
        { RequestModal.SkillsBlock, Array.Empty<string>(), "at least one skill" },
        { RequestModal.SkillsBlock, new[] { "Python", "Java", "Go", "SQL", "AWS", "Ruby" }, "at most 5" },
        { RequestModal.SkillsBlock, new[] { "Underwater Basket Weaving" }, "no longer listed" },
        { RequestModal.ServiceBlock, null, "kind of help" },
        { RequestModal.ServiceBlock, new SlackRequests.Selected("Astrology"), "no longer offered" },
        { RequestModal.AffiliationBlock, null, "affiliation" },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task Submit_WithAProblem_ShowsItInTheModalUnderThatField_AndStoresNothing(string block, object? value, string message)
    {
        await using var bot = await MentorBot.StartAsync();
        var values = new Dictionary<string, object?>
        {
            [RequestModal.ServiceBlock] = new SlackRequests.Selected("Code Review"),
            [RequestModal.SkillsBlock] = new[] { "Python" },
            [RequestModal.DetailsBlock] = "I need help reviewing my Flask app before an interview.",
            [RequestModal.AffiliationBlock] = new SlackRequests.Selected("Veteran"),
        };
        values[block] = value;
        var payload = SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee, values.Select(kv => (kv.Key, kv.Value)).ToArray());
        var response = await bot.SendAsync(bot.Requests.Interaction(payload));

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("errors", body["response_action"]!.ToString());
        var errors = body["errors"]!.AsObject();
        Assert.Single(errors);
        Assert.Contains(message, errors[block]!.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Null(await bot.Store.RequestAsync("1001"));
    }

    [Fact]
    public async Task Submit_StoresPostsToTheMentorsChannelWithMentionsAndClaim_AndTellsTheMentee()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UPYSQL", ["Python", "SQL"]);
        await bot.VolunteerAsync("UPY", ["Python"]);
        await bot.VolunteerAsync("UJAVA", ["Java"]);
        bot.Slack.Clear();

        var request = await bot.RequestAsync(Mentee, ["Python", "SQL"], "Stuck on SQL joins in my Python capstone project.");

        Assert.Equal("R-1001", request.Reference);
        Assert.Equal(RequestStatus.Open, request.Status);
        Assert.Equal(["Python", "SQL"], request.Skills);
        Assert.Equal(["UPYSQL", "UPY"], request.MentionedMentors);

        var post = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Contains("R-1001", post.AllText);
        Assert.Contains("<@UPYSQL> <@UPY>", post.AllText);
        Assert.DoesNotContain("UJAVA", post.AllText);
        Assert.Contains($"<@{Mentee}>", post.AllText);
        Assert.Contains("Code Review", post.AllText);
        Assert.Contains("Veteran", post.AllText);
        Assert.Contains("Stuck on SQL joins", post.AllText);
        Assert.Contains("\"action_id\":\"claim_request\"", post.AllText);
        Assert.Equal(post["channel"], request.ChannelId);

        var dm = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
        Assert.Contains("R-1001", dm.Text);
        Assert.Contains("30-minute session", dm.Text);
        Assert.Contains("What happens next", dm.Text);
    }

    [Fact]
    public async Task Submit_WhenNoMentorMatches_MentionsTheCoordinators()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UJAVA", ["Java"]);
        var request = await bot.RequestAsync(Mentee, ["Go"]);

        Assert.Empty(request.MentionedMentors);
        var post = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.Contains($"<@{MentorBot.Coordinator}>", post.AllText);
        Assert.Contains("No available mentor lists these skills", post.AllText);
    }

    [Fact]
    public async Task Submit_DetailsThatTryToPingEveryone_AreEscaped()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.RequestAsync(Mentee, ["Python"], "<!channel> <!here> <@UVICTIM> & <!subteam^S1> please look");

        var post = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
        Assert.DoesNotContain("<!channel>", post.AllText);
        Assert.DoesNotContain("<!here>", post.AllText);
        Assert.DoesNotContain("<@UVICTIM>", post.AllText);
        Assert.Contains("&lt;!channel&gt; &lt;!here&gt; &lt;@UVICTIM&gt; &amp; &lt;!subteam^S1&gt;", post.AllText);
    }

    [Fact]
    public async Task Submit_ResolvesAChannelNameToItsId()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:MentorsChannel"] = "#mentors-internal" });
        await bot.RequestAsync(Mentee, ["Python"]);
        Assert.Single(bot.Slack.CallsTo("conversations.list"));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "G0MENTORS");
    }

    [Fact]
    public async Task Submit_WhenSlackAnswers429_RetriesAfterRetryAfterAndPostsOnce()
    {
        await using var bot = await MentorBot.StartAsync();
        bot.Slack.FailNext("chat.postMessage", HttpStatusCode.TooManyRequests, retryAfterSeconds: 1);
        var response = await bot.Http.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "Please help me with list comprehensions."), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));
        response.EnsureSuccessStatusCode();

        // The retry waits on the bot's clock: nothing is re-sent until a second has passed.
        await Eventually.TrueAsync(() => bot.Slack.CallsTo("chat.postMessage").Count == 1, "bot.Slack.CallsTo('chat.postMessage').Count == 1");
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        await Eventually.TrueAsync(() => bot.Clock.ActiveDelays > 0, "the retry delay to start");
        bot.Clock.Advance(TimeSpan.FromSeconds(1));
        await bot.IdleAsync();

        Assert.Equal(2, bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == MentorBot.MentorsChannelId));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
        var stored = await bot.Store.RequestAsync("1001");
        Assert.NotNull(stored!.MessageTs);
    }


    [Fact]
    public async Task Claim_OnACardWhoseRequestIsNotStoredYet_AsksTheMentorToTryAgainShortly()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(
            OperationCodeMentor.Features.Shared.RequestButtons.Claim, "R-1001", "UMENTOR1", MentorBot.MentorsChannelId, "1.000001")));

        var told = Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal("UMENTOR1", told["user"]);
        Assert.Contains("R-1001", told.Text, StringComparison.Ordinal);
        Assert.Contains("still being saved", told.Text, StringComparison.Ordinal);
    }
}
