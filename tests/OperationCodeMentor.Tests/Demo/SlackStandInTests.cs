using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OperationCodeMentor.Demo;

namespace OperationCodeMentor.Tests.Demo;

public class SlackStandInTests
{
    private readonly SlackStandIn _slack = new(TimeProvider.System, Cast.Channels);

    private async Task<JsonObject> CallAsync(string method, JsonObject body, string token = SlackStandIn.BotToken)
    {
        using var http = new HttpClient(_slack.CreateHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, _slack.ApiBaseUrl + method)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task ViewsOpen_TakesEachTriggerOnce_LikeSlack()
    {
        var trigger = _slack.NewTriggerId(Cast.Sam.Id);
        var view = new JsonObject { ["type"] = "modal", ["callback_id"] = "x", ["blocks"] = new JsonArray() };

        var first = await CallAsync("views.open", new JsonObject { ["trigger_id"] = trigger, ["view"] = view.DeepClone() });
        var again = await CallAsync("views.open", new JsonObject { ["trigger_id"] = trigger, ["view"] = view.DeepClone() });
        var madeUp = await CallAsync("views.open", new JsonObject { ["trigger_id"] = "1.2.3", ["view"] = view.DeepClone() });

        Assert.True(first["ok"]!.GetValue<bool>());
        Assert.StartsWith("V", first["view"]!["id"]!.ToString());
        Assert.Equal("exchanged_trigger_id", again["error"]!.ToString());
        Assert.Equal("invalid_trigger_id", madeUp["error"]!.ToString());
        Assert.Equal(Cast.Sam.Id, _slack.TriggerOwner(trigger));
    }

    [Fact]
    public async Task Calls_WithAWrongToken_OrToAnUnknownChannel_AreRefused_AndRecorded()
    {
        var mark = _slack.Mark;

        var badToken = await CallAsync("chat.postMessage", new JsonObject { ["channel"] = Cast.MentorsChannelId, ["text"] = "hi" }, "xoxb-wrong");
        var unknown = await CallAsync("chat.postMessage", new JsonObject { ["channel"] = "C0NOWHERE", ["text"] = "hi" });
        var posted = await CallAsync("chat.postMessage", new JsonObject { ["channel"] = Cast.MentorsChannelId, ["text"] = "hi" });
        var edited = await CallAsync("chat.update", new JsonObject { ["channel"] = Cast.MentorsChannelId, ["ts"] = posted["ts"]!.ToString(), ["text"] = "edited" });

        Assert.Equal("invalid_auth", badToken["error"]!.ToString());
        Assert.Equal("channel_not_found", unknown["error"]!.ToString());
        Assert.True(edited["ok"]!.GetValue<bool>());
        Assert.Equal("edited", _slack.Messages.Single(m => m.Ts == posted["ts"]!.ToString()).Body["text"]!.ToString());
        Assert.Equal([false, false, true, true], _slack.CallsSince(mark).Select(c => c.Ok));
    }
}
