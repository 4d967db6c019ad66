using System.Net;
using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>
/// Issue 6's fault injection: the real bot on the Airtable store, a burst of submissions, and Slack and Airtable failing
/// every other call for a stretch (5xx, 429, answers that never come, writes whose answer is lost). Once they recover,
/// every request is stored, posted and confirmed exactly once.
/// </summary>
public sealed class FaultInjectionTests
{
    private const int Burst = 100;

    /// <summary>How far the bot's clock moves per step while the test runs; every wait in the bot is on this clock.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    private static Dictionary<string, string?> OnAirtable(FakeAirtableHarness airtable) => new()
    {
        ["Airtable:ApiKey"] = FakeAirtable.Token,
        ["Airtable:BaseId"] = FakeAirtableHarness.BaseId,
        ["Airtable:ApiBaseUrl"] = airtable.Fake.ApiBaseUrl,
        // The rate limit has its own tests and benchmark; here both sides allow plenty.
        ["Airtable:RequestsPerSecond"] = "1000",
        ["Airtable:RequestTimeout"] = "00:00:02",
        ["Airtable:RetryBaseDelay"] = "00:00:00.200",
        ["Airtable:MaxRetries"] = "3",
        ["Airtable:RateLimitPenalty"] = "00:00:02",
        ["Reliability:MaxRetryDelay"] = "00:00:05",
    };

    // Slack's HTTP timeout is real time, not the bot's clock: keep an answer that never comes short.
    private static void QuickSlackTimeout(IServiceCollection services) =>
        services.AddHttpClient(SlackApiClient.HttpClientName).ConfigureHttpClient(c => c.Timeout = TimeSpan.FromMilliseconds(500));

    private static HttpRequestMessage Submission(MentorBot bot, string mentee) => bot.Requests.Interaction(SlackRequests.ViewSubmission(
        RequestModal.CallbackId, mentee,
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
        (RequestModal.SkillsBlock, new[] { "Python" }),
        (RequestModal.DetailsBlock, $"Please review the first Python project of {mentee}."),
        (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran"))));

    /// <summary>Moves the bot's clock a step at a time until <paramref name="done"/> holds (bounded in real time).</summary>
    private static async Task RunClockUntilAsync(ManualTimeProvider clock, Func<bool> done, string what, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Waited in vain for {what}.");
            await Task.Delay(5);
            clock.Advance(Step);
        }
    }

    [Fact]
    public async Task ABurstOf100_WhileSlackAndAirtableFail_EndsWithEachRequestStoredPostedAndConfirmedOnce()
    {
        var clock = new ManualTimeProvider();
        await using var airtable = await FakeAirtableHarness.StartAsync(clock: clock, fakeClock: clock);
        airtable.Fake.Penalty = TimeSpan.FromSeconds(2);
        await using var bot = await MentorBot.StartAsync(OnAirtable(airtable), clock: clock, services: QuickSlackTimeout);
        var queue = bot.Services.GetRequiredService<WorkQueue>();
        var mentees = Enumerable.Range(1, Burst).Select(i => $"UBURST{i:D3}").ToList();

        airtable.Fake.BeginOutage();
        bot.Slack.BeginOutage();
        var acks = Task.WhenAll(mentees.Select(m => bot.Http.SendAsync(Submission(bot, m))));
        var stretchEnds = clock.GetUtcNow() + TimeSpan.FromMinutes(3);
        await RunClockUntilAsync(clock, () => acks.IsCompleted && clock.GetUtcNow() >= stretchEnds, "the burst to be acknowledged", TimeSpan.FromSeconds(20));
        airtable.Fake.EndOutage();
        bot.Slack.EndOutage();
        await RunClockUntilAsync(clock, () => queue.Depth == 0, "the queue to drain", TimeSpan.FromSeconds(40));
        await bot.IdleAsync();

        // Every submission was acknowledged, though Airtable could not re-check the limits for most of them.
        Assert.All(await acks, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // The faults really happened, of every kind.
        var statuses = airtable.Fake.Calls.Select(c => c.Status).ToHashSet();
        Assert.Superset(new HashSet<int> { 503, 429, 502, 0 }, statuses);
        var (serverErrors, rateLimited, noAnswer) = bot.Slack.OutageFaults;
        Assert.True(serverErrors > 0 && rateLimited > 0 && noAnswer > 0, $"Slack failed {serverErrors} / {rateLimited} / {noAnswer} calls.");

        // One record per submission.
        var records = airtable.Requests.Records;
        Assert.Equal(Burst, records.Count);
        Assert.Equal(mentees.Order(), records.Select(r => r.Text("Mentee Slack ID")!).Order());
        Assert.Equal(Burst, records.Select(r => r.Text("Submission Key")).Distinct().Count());
        Assert.Equal(Burst, records.Select(r => r.Text("Reference")).Distinct().Count());

        // One card per request in the mentors channel, and the record knows which one.
        var cards = bot.Slack.Messages.Where(m => m.Channel == MentorBot.MentorsChannelId && m.ThreadTs is null).ToList();
        var cardOf = cards.GroupBy(m => m.Body["blocks"]![0]!["block_id"]!.ToString()).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(Burst, cards.Count);
        Assert.All(records, r => Assert.Equal(cardOf["request-" + r.Text("Reference")].Single().Ts, r.Text("Slack Message TS")));

        // One "we received it" DM per mentee, naming their own request; at most one "it's delayed" notice.
        foreach (var record in records)
        {
            var mentee = record.Text("Mentee Slack ID")!;
            var dms = bot.Slack.Messages.Where(m => m.Channel == "D" + mentee).Select(m => m.Body["text"]!.ToString()).ToList();
            var confirmation = Assert.Single(dms, t => t.Contains("We received your mentor request", StringComparison.Ordinal));
            Assert.Contains($"*{record.Text("Reference")}*", confirmation, StringComparison.Ordinal);
            Assert.True(dms.Count(t => t.Contains("holding it up", StringComparison.Ordinal)) <= 1, $"{mentee} was told of the delay more than once.");
        }
        Assert.Equal(0, queue.Failed);
    }

    [Fact]
    public async Task Mentor_WhileAirtableCannotAnswer_StillOpensTheForm_FromWhatTheBotHolds()
    {
        var clock = new ManualTimeProvider();
        await using var airtable = await FakeAirtableHarness.StartAsync(clock: clock, fakeClock: clock);
        await using var bot = await MentorBot.StartAsync(OnAirtable(airtable), clock: clock, services: QuickSlackTimeout);
        airtable.Fake.ClearCalls();
        airtable.Fake.BeginOutage();

        var ack = await bot.Http.SendAsync(bot.Requests.Command("/mentor", "UMENTEE01", responseUrl: bot.Slack.ResponseUrl("mentor")));
        await RunClockUntilAsync(clock, () => bot.Slack.CallsTo("views.open").Count > 0, "the form to open", TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Contains(RequestModal.CallbackId, Assert.Single(bot.Slack.CallsTo("views.open")).AllText, StringComparison.Ordinal);
        Assert.Empty(bot.Slack.CallsTo("response_url"));
        // The option lists, the mentors and the mentee's recent requests are in memory: Airtable was not asked.
        Assert.Empty(airtable.Fake.Calls);
    }

    [Fact]
    public async Task Mentor_AtTheLimit_WhileAirtableCannotAnswer_IsStillToldWhy()
    {
        var clock = new ManualTimeProvider();
        await using var airtable = await FakeAirtableHarness.StartAsync(clock: clock, fakeClock: clock);
        await using var bot = await MentorBot.StartAsync(OnAirtable(airtable), clock: clock, services: QuickSlackTimeout);
        var waiting = (await bot.Store.CreateAsync("UMENTEE01", ["Python"], "A request still waiting for a mentor.", clock.GetUtcNow())).Request;
        // The confirming read on current data, and each of its three retries.
        airtable.Fake.FailNext(4, HttpStatusCode.ServiceUnavailable);

        await bot.Http.SendAsync(bot.Requests.Command("/mentor", "UMENTEE01", responseUrl: bot.Slack.ResponseUrl("mentor")));
        await RunClockUntilAsync(clock, () => bot.Slack.CallsTo("response_url").Count > 0, "an answer to /mentor", TimeSpan.FromSeconds(10));

        var answer = Assert.Single(bot.Slack.CallsTo("response_url"));
        Assert.Contains($"waiting for a mentor ({waiting.Reference})", answer.Text, StringComparison.Ordinal);
        Assert.Empty(bot.Slack.CallsTo("views.open"));
        Assert.Equal(4, airtable.Fake.Calls.Count(c => c.Status == 503));
    }
}
