using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.Health;

/// <summary><c>/healthz/live</c> and <c>/healthz/ready</c> for a platform, <c>/healthz</c> for people.</summary>
public class HealthProbeTests
{
    [Fact]
    public async Task Ready_Is503WhileTheStoreDoesNotAnswer_AndLiveStays200()
    {
        var outage = new StoreOutage { Down = false };
        await using var bot = await MentorBot.StartAsync(services: FailingStore.Failing(outage, "CheckAsync"));
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/ready")).StatusCode);

        outage.Down = true;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await bot.Http.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/live")).StatusCode);
        var people = await bot.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, people.StatusCode);
        Assert.Equal("unavailable", JsonNode.Parse(await people.Content.ReadAsStringAsync())!["store"]!["state"]!.ToString());

        outage.Down = false;
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/ready")).StatusCode);
    }

    [Fact]
    public async Task DuringASlackOutage_ReadyStays200_WhileHealthzSaysSlackIsUnreachable()
    {
        await using var bot = await MentorBot.StartAsync();
        bot.Slack.GoDown();
        bot.Clock.Advance(TimeSpan.FromMinutes(1)); // past the half minute Slack's last answer is remembered

        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/live")).StatusCode);
        var people = await bot.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, people.StatusCode);
        Assert.False(JsonNode.Parse(await people.Content.ReadAsStringAsync())!["slack"]!["reachable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Offline_HealthzDoesNotClaimSlackIsReachable_AndAsksNobody()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:BotToken"] = "" });

        var people = await bot.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, people.StatusCode);
        var slack = JsonNode.Parse(await people.Content.ReadAsStringAsync())!["slack"]!;
        Assert.Equal("offline", slack["mode"]!.ToString());
        Assert.Null(slack["reachable"]);
        Assert.Null(slack["checkedAt"]);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz/ready")).StatusCode);
        Assert.Empty(bot.Slack.CallsTo("auth.test"));
    }
}
