using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;
using static OperationCodeMentor.Tests.Features.RequestMentor.RequestFlowTests;

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
        await WaitUntil(() => bot.Slack.CallsTo("chat.postMessage").Count == 1);
        await WaitUntil(() => bot.Clock.ActiveTimers > 0);
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
        await WaitUntil(() => bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == "G0MENTORS") == 3);
        await Task.Delay(200);
        Assert.Equal(3, bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == "G0MENTORS"));

        for (var expected = 4; expected <= 6; expected++)
        {
            await WaitUntil(() => bot.Clock.ActiveTimers > 0);
            bot.Clock.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => bot.Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == "G0MENTORS") == expected);
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
        for (var i = 0; i < 2; i++)
        {
            await WaitUntil(() => bot.Clock.ActiveTimers > 0);
            bot.Clock.Advance(TimeSpan.FromSeconds(30));
        }
        await post.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, bot.Slack.CallsTo("chat.postMessage").Count);
    }
}
