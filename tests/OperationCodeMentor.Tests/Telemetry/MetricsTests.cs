using System.Globalization;
using System.Net;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Telemetry;

/// <summary><c>/metrics</c> as Prometheus scrapes it, with values moved by a request submitted through Slack's endpoints.</summary>
public class MetricsTests
{
    private const string Mentee = "UMENTEE1";
    private static readonly Dictionary<string, string?> PrometheusOn = new() { ["Metrics:Prometheus"] = "true" };

    [Fact]
    public async Task Metrics_WhenPrometheusIsOff_IsNotServed()
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_WhenPrometheusIsOn_ListsTheBotsGauges_InPrometheusTextFormat()
    {
        await using var bot = await MentorBot.StartAsync(PrometheusOn);
        var response = await bot.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE ocm_queue_depth gauge", text);
        Assert.Contains("# TYPE ocm_queue_oldest_age_seconds gauge", text);
        Assert.Contains("# TYPE ocm_requests gauge", text);
        Assert.Equal(0, Sample(text, "ocm_queue_depth"));
        Assert.Equal(0, Sample(text, "ocm_requests", ("status", "open")));
        Assert.DoesNotContain(FakeSlack.BotToken, text);
    }

    [Fact]
    public async Task Metrics_ASubmittedRequest_MovesTheAcknowledgements_SlackCalls_Queue_AndRequestCounts()
    {
        await using var bot = await MentorBot.StartAsync(PrometheusOn);
        var before = await ScrapeAsync(bot);
        Assert.Equal(0, Sample(before, "ocm_requests", ("status", "open")));

        // /mentor opens the modal: one acknowledged command, one views.open.
        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, triggerId: "trig-1"));
        var opened = await ScrapeAsync(bot);
        Assert.Equal(1, Sample(opened, "ocm_slack_ack_duration_seconds_count", ("kind", "command"), ("handler", "/mentor")));
        Assert.Equal(1, Sample(opened, "ocm_slack_ack_duration_seconds_bucket", ("kind", "command"), ("handler", "/mentor"), ("le", "3")));
        Assert.Equal(1, Sample(opened, "ocm_slack_calls_total", ("method", "views.open"), ("outcome", "ok")));

        // The submission is acknowledged once its job is on disk; while Slack has not answered the card's post, the job waits.
        var held = bot.Slack.Hold("chat.postMessage");
        var submitted = await bot.Http.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(
            RequestModal.CallbackId, Mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
            (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "I'd like help getting my first Python project reviewed."),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        await Eventually.TrueAsync(() => bot.Slack.CallsTo("chat.postMessage").Count == 1, "the card to reach Slack");
        bot.Clock.Advance(TimeSpan.FromSeconds(40));
        var waiting = await ScrapeAsync(bot);
        Assert.Equal(1, Sample(waiting, "ocm_queue_depth"));
        Assert.Equal(40, Sample(waiting, "ocm_queue_oldest_age_seconds"), precision: 3);
        Assert.Equal(1, Sample(waiting, "ocm_slack_ack_duration_seconds_count", ("kind", "view"), ("handler", RequestModal.CallbackId)));

        held.SetResult();
        await bot.IdleAsync();
        bot.Clock.Advance(TimeSpan.FromSeconds(31)); // past how long the request counts are kept
        var done = await ScrapeAsync(bot);
        Assert.Equal(0, Sample(done, "ocm_queue_depth"));
        Assert.Equal(0, Sample(done, "ocm_queue_oldest_age_seconds"));
        Assert.Equal(1, Sample(done, "ocm_requests", ("status", "open")));
        Assert.Equal(0, Sample(done, "ocm_requests", ("status", "claimed")));
        // The card and the mentee's confirmation (after opening the DM).
        Assert.Equal(bot.Slack.CallsTo("chat.postMessage").Count, Sample(done, "ocm_slack_calls_total", ("method", "chat.postMessage"), ("outcome", "ok")));
        Assert.True(Sample(done, "ocm_slack_calls_total", ("method", "chat.postMessage"), ("outcome", "ok")) >= 2);
        Assert.DoesNotContain(Mentee, done);
    }

    [Fact]
    public async Task Metrics_ShowTheRuntimesOwnMeter_Collections_PauseTime_Jit_AndTheThreadPool_WhichMoveWithWork()
    {
        await using var bot = await MentorBot.StartAsync(PrometheusOn);
        var before = await ScrapeAsync(bot);
        foreach (var type in new[]
                 {
                     "# TYPE dotnet_gc_collections_total counter", "# TYPE dotnet_gc_pause_time_seconds_total counter",
                     "# TYPE dotnet_jit_compilation_time_seconds_total counter", "# TYPE dotnet_thread_pool_queue_length gauge",
                     "# TYPE dotnet_gc_heap_total_allocated_bytes_total counter",
                 })
            Assert.Contains(type, before);

        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, triggerId: "trig-1"));
        await bot.IdleAsync();
        var after = await ScrapeAsync(bot);
        // Process-wide figures: other tests' bots share this process, so they only ever grow; this one's work is in them.
        Assert.True(Sample(after, "dotnet_gc_heap_total_allocated_bytes_total") > Sample(before, "dotnet_gc_heap_total_allocated_bytes_total"));
        Assert.True(Sample(after, "dotnet_thread_pool_work_item_count_total") > Sample(before, "dotnet_thread_pool_work_item_count_total"));
    }

    [Fact]
    public async Task Metrics_ASlackRateLimit_CountsTheRetryAndTheRefusedCall()
    {
        await using var bot = await MentorBot.StartAsync(PrometheusOn);
        bot.Slack.ErrorNext("views.open", "expired_trigger_id");
        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, responseUrl: bot.Slack.ResponseUrl()));
        bot.Slack.FailNext("views.open", HttpStatusCode.TooManyRequests, retryAfterSeconds: 1);
        var command = bot.SendAsync(bot.Requests.Command("/mentor", Mentee, triggerId: "trig-2"));
        await Eventually.TrueAsync(() => bot.Slack.CallsTo("views.open").Count == 2, "the rate-limited call");
        // The retry waits out Retry-After on the bot's clock.
        while (!command.IsCompleted)
        {
            bot.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
        await command;

        var text = await ScrapeAsync(bot);
        Assert.Equal(1, Sample(text, "ocm_slack_calls_total", ("method", "views.open"), ("outcome", "refused")));
        Assert.Equal(1, Sample(text, "ocm_slack_calls_total", ("method", "views.open"), ("outcome", "ok")));
        Assert.Equal(1, Sample(text, "ocm_slack_retries_total", ("method", "views.open"), ("reason", "ratelimited")));
        Assert.Equal(1, Sample(text, "ocm_slack_calls_total", ("method", "response_url"), ("outcome", "ok")));
    }

    [Fact]
    public async Task Metrics_OnAirtable_CountTheStoresCallsByTableAndVerb_AndTheRequestsByStatus()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        var settings = airtable.BotSettings();
        settings["Metrics:Prometheus"] = "true";
        await using var bot = await MentorBot.StartAsync(settings);
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Clock.Advance(TimeSpan.FromSeconds(31));

        var text = await ScrapeAsync(bot);
        var requests = airtable.StoreOptions.Tables.Requests;
        // The request is written once (an upsert on its submission), then claimed with an update.
        Assert.Equal(1, Sample(text, "ocm_airtable_calls_total", ("table", requests), ("verb", "upsert"), ("outcome", "ok")));
        Assert.True(Sample(text, "ocm_airtable_calls_total", ("table", requests), ("verb", "update"), ("outcome", "ok")) >= 1);
        Assert.Equal(1, Sample(text, "ocm_requests", ("status", "claimed")));
        Assert.Equal(0, Sample(text, "ocm_requests", ("status", "open")));
        Assert.DoesNotContain(FakeAirtable.Token, text);
    }

    [Fact]
    public async Task Metrics_FollowUpStepsSent_AreCountedByStep()
    {
        var settings = FollowUpKit.Fast(("Metrics:Prometheus", "true"));
        await using var bot = await MentorBot.StartAsync(settings);
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.SweepAsync();
        Assert.Equal(0, Sample(await ScrapeAsync(bot), "ocm_followup_steps_total", ("step", "bump")));

        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        var text = await ScrapeAsync(bot);
        Assert.Single(bot.Slack.Bumps(request));
        Assert.Equal(1, Sample(text, "ocm_followup_steps_total", ("step", "bump")));
    }

    internal static async Task<string> ScrapeAsync(MentorBot bot)
    {
        var response = await bot.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// The value of the one sample named <paramref name="name"/> whose labels include <paramref name="labels"/>; 0 when
    /// there is none (Prometheus shows a counter only once it has counted something).
    /// </summary>
    internal static double Sample(string text, string name, params (string Key, string Value)[] labels)
    {
        var matches = text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(l => labels.All(p => l.Contains($"{p.Key}=\"{p.Value}\"", StringComparison.Ordinal)))
            .ToList();
        if (matches.Count == 0) return 0;
        var line = Assert.Single(matches);
        var value = line[(line.LastIndexOf('}') is var close and >= 0 ? close + 1 : name.Length)..].Trim().Split(' ')[0];
        return double.Parse(value, CultureInfo.InvariantCulture);
    }
}
