using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Slack;

public class SlackEndpointsTests
{
    [Fact]
    public async Task Command_WithAForgedSignature_Answers401AndDoesNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = bot.Requests.Signed("/slack/commands", SlackRequests.Form(("command", "/mentor-volunteer"), ("user_id", "U1"), ("text", "pause"), ("trigger_id", "t")),
            "application/x-www-form-urlencoded", secret: "not-the-secret");
        var response = await bot.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(bot.Slack.Calls);
    }

    [Fact]
    public async Task Interaction_Replayed_SixMinutesLater_Answers401AndStoresNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        var payload = SlackRequests.ViewSubmission("mentor_volunteer_modal", "UREPLAY", ("skills", new[] { "Python" }), ("max_mentees", 2));
        var request = bot.Requests.Signed("/slack/interactions", SlackRequests.Form(("payload", payload.ToJsonString())),
            "application/x-www-form-urlencoded", at: bot.Clock.GetUtcNow().AddMinutes(-6));
        var response = await bot.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await bot.Store.GetMentorAsync("UREPLAY"));
    }

    [Fact]
    public async Task Interaction_Unsigned_Answers401AndStoresNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        var payload = SlackRequests.ViewSubmission("mentor_volunteer_modal", "UNSIGNED", ("skills", new[] { "Python" }), ("max_mentees", 2));
        var response = await bot.Http.PostAsync("/slack/interactions",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["payload"] = payload.ToJsonString() }));
        await bot.IdleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await bot.Store.GetMentorAsync("UNSIGNED"));
    }

    [Fact]
    public async Task Requests_WithoutASigningSecretConfigured_AreAllRefused()
    {
        // Offline mode (no bot token) may run without a secret, but then nothing from Slack is trusted.
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:BotToken"] = "", ["Slack:SigningSecret"] = "" });
        var response = await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", "U1", "help"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Events_UrlVerification_EchoesTheChallenge()
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(bot.Requests.Event(new JsonObject { ["type"] = "url_verification", ["token"] = "x", ["challenge"] = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" }));
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", body["challenge"]!.ToString());
    }

    [Fact]
    public async Task Body_OverOneMegabyte_Answers413()
    {
        await using var bot = await MentorBot.StartAsync();
        var big = SlackRequests.Form(("payload", new string('x', 1024 * 1024 + 10)));
        var response = await bot.SendAsync(bot.Requests.Signed("/slack/interactions", big, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Body_WithoutALength_IsReadWhole()
    {
        // A body sent in chunks, with no Content-Length, takes the other way in; the form still opens.
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(await WithoutLengthAsync(bot.Requests.Command("/mentor", "U1")));
        response.EnsureSuccessStatusCode();
        await bot.IdleAsync();
        var opened = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal("mentor_request_modal", opened.Body["view"]!["callback_id"]!.ToString());
    }

    [Fact]
    public async Task Body_WithoutALength_OverOneMegabyte_Answers413()
    {
        await using var bot = await MentorBot.StartAsync();
        var big = SlackRequests.Form(("payload", new string('x', 1024 * 1024 + 10)));
        var response = await bot.SendAsync(await WithoutLengthAsync(bot.Requests.Signed("/slack/interactions", big, "application/x-www-form-urlencoded")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    // The same signed request with its body behind a stream of unknown length, so no Content-Length is sent.
    private static async Task<HttpRequestMessage> WithoutLengthAsync(HttpRequestMessage request)
    {
        var bytes = await request.Content!.ReadAsByteArrayAsync();
        var unsized = new StreamContent(new UnseekableStream(bytes));
        foreach (var h in request.Content.Headers.Where(h => h.Key != "Content-Length")) unsized.Headers.TryAddWithoutValidation(h.Key, h.Value);
        request.Content = unsized;
        request.Headers.TransferEncodingChunked = true;
        return request;
    }

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Theory]
    [InlineData("payload=%7Bnot-json")]
    [InlineData("payload=%5B1%2C2%5D")]
    [InlineData("nopayload=1")]
    [InlineData("payload=%7B%22type%22%3A%22block_actions%22%7D")]
    public async Task Interaction_Malformed_Answers400WithoutInternals(string body)
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(bot.Requests.Signed("/slack/interactions", body, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
    }

    [Fact]
    public async Task Command_Unknown_AnswersWithAnEphemeralPointer()
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(bot.Requests.Command("/mentor-something", "U1"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("ephemeral", body["response_type"]!.ToString());
        Assert.Contains("/mentor", body["text"]!.ToString());
    }

    [Fact]
    public async Task Healthz_ReportsTheStoreAndSlackMode()
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.Http.GetAsync("/healthz");
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("ok", body["store"]!["state"]!.ToString());
        Assert.Equal("online", body["slack"]!["mode"]!.ToString());
    }

    [Fact]
    public async Task Event_WhoseHandlingFailed_IsHandledWhenSlackRetriesIt_AndARetryAfterSuccessIsSkipped()
    {
        var flaky = new FailsOnceEvent();
        await using var bot = await MentorBot.StartAsync(services: s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions
            .AddSingleton<OperationCodeMentor.Slack.ISlackEventHandler>(s, flaky));
        JsonObject Callback() => new()
        {
            ["type"] = "event_callback",
            ["team_id"] = "T0TEAM",
            ["api_app_id"] = "A0APP",
            ["event_id"] = "Ev0RETRY01",
            ["event_time"] = 1_700_000_000,
            ["event"] = new JsonObject { ["type"] = FailsOnceEvent.Type, ["user"] = "U1" },
        };

        var failed = await bot.SendAsync(bot.Requests.Event(Callback()));
        var retried = await bot.SendAsync(bot.Requests.Event(Callback()));
        var again = await bot.SendAsync(bot.Requests.Event(Callback()));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, flaky.Calls);
    }

    private sealed class FailsOnceEvent : OperationCodeMentor.Slack.ISlackEventHandler
    {
        public const string Type = "test_fails_once";
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public string EventType => Type;

        public OperationCodeMentor.Reliability.AfterAck? Handle(JsonObject evt) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new IOException("the store is down") : null;
    }
}
