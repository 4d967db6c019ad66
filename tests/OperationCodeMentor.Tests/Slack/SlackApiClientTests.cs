using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Slack;

public class SlackApiClientTests
{
    [Fact]
    public async Task AfterA429_EveryCallToThatMethodWaitsOutRetryAfter_OtherMethodsDoNot()
    {
        await using var bot = await MentorBot.StartAsync();
        var slack = bot.Services.GetRequiredService<SlackApiClient>();
        bot.Slack.FailNext("chat.postMessage", HttpStatusCode.TooManyRequests, retryAfterSeconds: 30);

        var first = slack.PostMessageAsync("C0AAAAAAA", "one");
        await Eventually.TrueAsync(() => bot.Slack.CallsTo("chat.postMessage").Count == 1, "bot.Slack.CallsTo('chat.postMessage').Count == 1");
        await Eventually.TrueAsync(() => bot.Clock.ActiveDelays > 0, "bot.Clock.ActiveDelays > 0");
        var second = slack.PostMessageAsync("C0BBBBBBB", "two");
        await slack.PostEphemeralAsync("C0AAAAAAA", "U1", "not held back");

        await Task.Delay(200);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));

        bot.Clock.Advance(TimeSpan.FromSeconds(30));
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["one", "one", "two"], bot.Slack.CallsTo("chat.postMessage").Select(c => c.Text).Order());
    }

    [Fact]
    public async Task PostsToOneChannel_ArePacedAfterTheBurst_InOrder()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:ChannelBurst"] = "3" });
        var slack = bot.Services.GetRequiredService<SlackApiClient>();

        var posts = new List<Task>();
        for (var i = 0; i < 6; i++)
        {
            posts.Add(slack.PostMessageAsync("G0MENTORS", $"post {i}"));
            await Task.Delay(20);
        }
        var other = slack.PostMessageAsync("C0ELSEWHERE", "another channel is not held back");
        await other.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == "G0MENTORS") == 3, "bot.Slack.CallsTo('chat.postMessage').Count(c => c['channel'] == 'G0ME");
        await Task.Delay(200);
        Assert.Equal(3, bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == "G0MENTORS"));

        for (var expected = 4; expected <= 6; expected++)
        {
            await Eventually.TrueAsync(() => bot.Clock.ActiveDelays > 0, "bot.Clock.ActiveDelays > 0");
            bot.Clock.Advance(TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(() => bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == "G0MENTORS") == expected, "bot.Slack.CallsTo('chat.postMessage').Count(c => c['channel'] == 'G0ME");
        }
        await Task.WhenAll(posts).WaitAsync(TimeSpan.FromSeconds(10));
        // The burst goes out concurrently; the paced posts follow one a second in the order they were asked for.
        var sent = bot.Slack.CallsTo("chat.postMessage").Where(c => c["channel"] == "G0MENTORS").Select(c => c.Text).ToList();
        Assert.Equal(["post 0", "post 1", "post 2"], sent.Take(3).Order());
        Assert.Equal(["post 3", "post 4", "post 5"], sent.Skip(3));
    }

    [Fact]
    public async Task OkFalse_SurfacesAsATypedErrorWithSlacksCodeAndAdvice()
    {
        await using var bot = await MentorBot.StartAsync();
        var slack = bot.Services.GetRequiredService<SlackApiClient>();
        bot.Slack.ErrorNext("chat.postMessage", "not_in_channel");
        var ex = await Assert.ThrowsAsync<SlackApiException>(() => slack.PostMessageAsync("G0MENTORS", "x"));
        Assert.Equal("not_in_channel", ex.Error);
        Assert.Contains("/invite", ex.Message);
        Assert.DoesNotContain(FakeSlack.BotToken, ex.Message);
    }

    [Fact]
    public async Task ServerErrors_AreRetried_ThenSucceed()
    {
        await using var bot = await MentorBot.StartAsync();
        var slack = bot.Services.GetRequiredService<SlackApiClient>();
        bot.Slack.FailNext("chat.postMessage", HttpStatusCode.ServiceUnavailable, times: 2);
        var post = slack.PostMessageAsync("G0MENTORS", "eventually");
        // Other parts of the bot keep timers of their own, so the retry's pause is found by moving the clock in steps
        // until the call has gone through, not by counting timers.
        for (var step = 0; step < 400 && !post.IsCompleted; step++)
        {
            bot.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(post, Task.Delay(10));
        }
        await post.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, bot.Slack.CallsTo("chat.postMessage").Count);
    }

    private static List<string> OfflineLog(MentorBot bot) => bot.Logs.Entries
        .Where(e => e.Category == typeof(SlackApiClient).FullName && e.Message.StartsWith("Slack (offline, not sent)", StringComparison.Ordinal))
        .Select(e => e.Message).ToList();

    [Fact]
    public async Task Offline_ARequest_IsLoggedAsAPersonWouldReadIt()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:BotToken"] = "" });
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var response = await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(RequestModal.CallbackId, "UMENTEE1",
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
            (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "Review my <!channel> & Flask app, please."),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));
        response.EnsureSuccessStatusCode();

        Assert.Empty(bot.Slack.Calls);
        var log = OfflineLog(bot);
        var card = Assert.Single(log, m => m.Contains("chat.postMessage in channel G0MENTORS", StringComparison.Ordinal));
        Assert.Contains("New mentorship request", card);
        Assert.Contains("Matching mentors: @UMENTOR1", card);
        Assert.Contains("| [Claim]", card);
        Assert.Contains("Requested by @UMENTEE1 · Service Code Review · Skills Python · Affiliation Veteran", card.Replace("\n", " ", StringComparison.Ordinal).Replace("*", "", StringComparison.Ordinal));
        // The mentee's text reads as they typed it; the log shows what Slack would show, not escapes.
        Assert.Contains("Review my <!channel> & Flask app, please.", card);
        Assert.DoesNotContain("<@", card);

        var receipt = Assert.Single(log, m => m.Contains("chat.postMessage DM to @UMENTEE1", StringComparison.Ordinal));
        Assert.Contains("We received your mentor request", receipt);
        Assert.Contains(log, m => m.StartsWith("Slack (offline, not sent) conversations.open opens a DM with @UMENTEE1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Offline_AModal_IsLoggedWithItsTitleAndFields()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:BotToken"] = "" });
        await bot.SendAsync(bot.Requests.Command(MentorCommand.Name, "UMENTEE1", triggerId: "trigger-offline"));

        var modal = Assert.Single(OfflineLog(bot), m => m.Contains("views.open", StringComparison.Ordinal));
        Assert.Contains("opens a modal for whoever clicked (trigger trigger-offline)", modal);
        Assert.Contains("modal \"Request a mentor\" [Send request] (mentor_request_modal)", modal);
        Assert.Contains("| Skills you'd like help with: <pick several: Choose 1 to 5 skills", modal);
        Assert.Contains("| Details: <text box>", modal);
    }

    [Fact]
    public async Task Offline_Ephemeral_SaysWhoSeesIt()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:BotToken"] = "" });
        await bot.Services.GetRequiredService<SlackApiClient>().PostEphemeralAsync("C0GENERAL", "UONE", "Only <@UONE> &amp; nobody else");
        var line = Assert.Single(OfflineLog(bot));
        Assert.Equal("Slack (offline, not sent) chat.postEphemeral only @UONE sees it, in channel C0GENERAL" + Environment.NewLine + "    Only @UONE & nobody else", line);
    }

    [Fact]
    public async Task ApiError_IsLoggedWithWhatToDo()
    {
        await using var bot = await MentorBot.StartAsync();
        bot.Slack.ErrorNext("chat.postMessage", "not_in_channel");
        var e = await Assert.ThrowsAsync<SlackApiException>(() => bot.Services.GetRequiredService<SlackApiClient>().PostMessageAsync("G0MENTORS", "hi"));

        Assert.Contains("/invite @mentor-bot", e.Message);
        var entry = Assert.Single(bot.Logs.Entries, x => x.Level == LogLevel.Error && x.Category == typeof(SlackApiClient).FullName);
        Assert.Contains("chat.postMessage answered error not_in_channel", entry.Message);
        Assert.Contains("/invite @mentor-bot", entry.Message);
        Assert.Contains("README: Troubleshooting", entry.Message);
    }

    [Theory]
    [InlineData("apps.connections.open", "invalid_auth", "Slack:AppToken")]
    [InlineData("apps.connections.open", "not_allowed_token_type", "xapp-")]
    [InlineData("apps.connections.open", "missing_scope", "connections:write")]
    [InlineData("chat.postMessage", "invalid_auth", "Slack:BotToken")]
    [InlineData("chat.postMessage", "channel_not_found", "Slack:MentorsChannel")]
    [InlineData("chat.update", "missing_scope", "slack-manifest.yml")]
    [InlineData("views.open", "expired_trigger_id", "3 seconds")]
    public void Advice_NamesWhatToChange_AndPointsToTroubleshooting(string method, string error, string names)
    {
        var advice = SlackErrors.Advice(error, method);
        Assert.Contains(names, advice);
        Assert.Contains("README: Troubleshooting", advice);
    }

    [Fact]
    public async Task FindMarkedMessage_PagesBackThroughABusyChannel_ToTheMarkedPost()
    {
        await using var bot = await MentorBot.StartAsync();
        var slack = bot.Services.GetRequiredService<SlackApiClient>();
        using var http = new System.Net.Http.HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", FakeSlack.BotToken);
        async Task PostAsync(JsonObject body) =>
            (await http.PostAsync(bot.Slack.ApiUrl + "chat.postMessage", new System.Net.Http.StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        await PostAsync(new JsonObject { ["channel"] = "C0BUSY", ["text"] = "card", ["blocks"] = BlockKit.Blocks([BlockKit.Section("card", "request-R-1042")]) });
        // More than two pages of other messages arrive before the read-back.
        for (var i = 0; i < 450; i++) await PostAsync(new JsonObject { ["channel"] = "C0BUSY", ["text"] = $"chatter {i}" });
        bot.Slack.Clear();

        var ts = await slack.FindMarkedMessageAsync("C0BUSY", null, "request-R-1042", DateTimeOffset.UnixEpoch);

        Assert.Equal(bot.Slack.Messages.First(m => m.Channel == "C0BUSY").Ts, ts);
        Assert.Equal(3, bot.Slack.CallsTo("conversations.history").Count);
        Assert.Null(await slack.FindMarkedMessageAsync("C0BUSY", null, "request-R-9999", DateTimeOffset.UnixEpoch));
    }
}
