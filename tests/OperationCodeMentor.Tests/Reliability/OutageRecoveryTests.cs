using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Tests.Fakes;
using Xunit.Abstractions;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>
/// Issue 12's outage test: Slack, or Airtable as the store, is down for minutes while ten mentees send requests a
/// quarter of a minute apart. Each of them is answered at once; once the service answers again, every card and every
/// confirmation is out within 30 seconds, in the order the requests came, none twice. The bot runs on a clock the test
/// moves (<see cref="BotClock"/>), so three minutes of outage take a second or two.
/// </summary>
public sealed class OutageRecoveryTests(ITestOutputHelper output)
{
    private const int Mentees = 10;
    private const string Mentor = "UMENTOR1";
    private static readonly TimeSpan Apart = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(150);

    /// <summary>The promise: everything held up is out this soon after the service answers again.</summary>
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    /// <summary>Slack shows the person an error when the acknowledgement takes longer.</summary>
    private static readonly TimeSpan SlackAckLimit = TimeSpan.FromSeconds(3);

    private static string Mentee(int i) => $"UOUTAGE{i:D2}";

    private static HttpRequestMessage Submission(MentorBot bot, int i) => bot.Requests.Interaction(SlackRequests.ViewSubmission(
        RequestModal.CallbackId, Mentee(i),
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
        (RequestModal.SkillsBlock, new[] { "Python" }),
        (RequestModal.DetailsBlock, $"Request {i}: please review my first Python project."),
        (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran"))));

    [Fact]
    public async Task SlackDownFor150Seconds_TenRequestsAreAnsweredAtOnce_AndAllCardsAndConfirmationsAreOutWithin30SecondsOfItsReturn_InOrder_Once()
    {
        var wall = Stopwatch.StartNew();
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var clock = new BotClock(bot);

        var body = Stopwatch.StartNew();
        var start = clock.Now;
        var posted = bot.Slack.Messages.Count;
        bot.Slack.GoDown();
        var acks = new List<Ack>();
        for (var i = 0; i < Mentees; i++)
        {
            await clock.RunAsync(until: start + i * Apart);
            acks.Add(await clock.SubmitAsync(Submission(bot, i)));
        }
        await clock.RunAsync(until: start + Outage);
        await clock.RunUntilBackoffOutlastsThePromiseAsync();
        Assert.Equal(posted, bot.Slack.Messages.Count);
        Assert.True(bot.Slack.Calls.Count(c => c.Method == "auth.test") >= 10,
            "While Slack is down the bot should keep asking it whether it answers again (auth.test every few seconds).");

        bot.Slack.ComeBack();
        var back = clock.Now;
        var outcome = await clock.RunUntilAllOutAsync(back, () => Out(bot));

        var (cards, confirmations) = Out(bot);
        await AssertOutAsync(bot, cards, confirmations);
        Report("Slack down", acks, back, cards, confirmations, wall.Elapsed, body.Elapsed);
        AssertPrompt(acks, back, cards, confirmations, outcome);
        Assert.Equal(Mentees, (await Task.WhenAll(Enumerable.Range(0, Mentees)
            .Select(i => bot.Store.GetMenteeRequestsAsync(Mentee(i), start - TimeSpan.FromDays(1))))).Sum(r => r.Count));
    }

    [Fact]
    public async Task AirtableRateLimitedThenDownFor150Seconds_TenRequestsAreAnsweredAtOnce_AndAllAreStoredPostedAndConfirmedWithin30SecondsOfItsReturn_InOrder_Once()
    {
        var wall = Stopwatch.StartNew();
        var manual = new ManualTimeProvider();
        await using var airtable = await FakeAirtableHarness.StartAsync(clock: manual, fakeClock: manual);
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings(), clock: manual);
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var clock = new BotClock(bot, airtable.Fake);
        airtable.Fake.ClearCalls();

        // Airtable's own penalty first (everything refused with 429 for 30 s), then 503s for two and a half minutes.
        var body = Stopwatch.StartNew();
        var start = clock.Now;
        airtable.Fake.Penalise(FakeAirtableHarness.BaseId);
        airtable.Fake.GoDown();
        var acks = new List<Ack>();
        for (var i = 0; i < Mentees; i++)
        {
            await clock.RunAsync(until: start + i * Apart);
            acks.Add(await clock.SubmitAsync(Submission(bot, i)));
        }
        var penaltyEnds = start + airtable.Fake.Penalty;
        await clock.RunAsync(until: penaltyEnds + Outage);
        await clock.RunUntilBackoffOutlastsThePromiseAsync();
        Assert.Empty(airtable.Requests.Records);
        // A card may go out before its request is stored (the request is then written once, with it); a confirmation may not.
        Assert.Empty(Out(bot).Confirmations);

        // The 429 was honoured for the whole base: after the first one, nothing reached Airtable until the penalty was over.
        var calls = airtable.Fake.Calls;
        var first429 = calls.First(c => c.Status == 429);
        Assert.Single(calls, c => c.Status == 429);
        Assert.DoesNotContain(calls, c => c.At > first429.At && c.At < penaltyEnds);
        Assert.Contains(calls, c => c.Status == 503);

        airtable.Fake.ComeBack();
        var back = clock.Now;
        var outcome = await clock.RunUntilAllOutAsync(back, () => Out(bot));

        var (cards, confirmations) = Out(bot);
        await AssertOutAsync(bot, cards, confirmations);
        Report("Airtable 429 then 503", acks, back, cards, confirmations, wall.Elapsed, body.Elapsed);
        AssertPrompt(acks, back, cards, confirmations, outcome);

        // Each request written once, with its card: one successful write of each request, and one record each. (The
        // follow-up sweep may also have planned their next steps by then, in writes of its own that name no request.)
        var f = airtable.StoreOptions.Fields.Requests;
        var records = airtable.Requests.Records.OrderBy(r => r.Text(f.Reference), StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, Mentees).Select(Mentee), records.Select(r => r.Text(f.MenteeSlackId)));
        Assert.Equal(cards.Select(c => c.Ts), records.Select(r => r.Text(f.MessageTs)));
        var written = airtable.Fake.Calls
            .Where(c => c.IsWrite && c.Table == airtable.StoreOptions.Tables.Requests && c.Status == 200)
            .SelectMany(c => JsonNode.Parse(c.Body!)?["records"]?.AsArray() ?? [])
            .Select(r => r?["fields"]?[f.Reference]?.ToString())
            .OfType<string>()
            .ToList();
        Assert.Equal(records.Select(r => r.Text(f.Reference)), written.Order(StringComparer.Ordinal));
    }

    // ---- what came out ----

    private static (List<FakeSlack.StoredMessage> Cards, List<FakeSlack.StoredMessage> Confirmations) Out(MentorBot bot)
    {
        var messages = bot.Slack.Messages;
        return (messages.Where(m => m.Channel == MentorBot.MentorsChannelId).ToList(),
            messages.Where(m => m.Channel.StartsWith("DUOUTAGE", StringComparison.Ordinal) && m.Body["text"]!.ToString().Contains("We received your mentor request", StringComparison.Ordinal)).ToList());
    }

    private static string ReferenceOnCard(FakeSlack.StoredMessage card) =>
        card.Body["blocks"]!.AsArray().SelectMany(b => b!["elements"]?.AsArray() ?? [])
            .Single(e => e!["action_id"]?.ToString() == RequestButtons.Claim)!["value"]!.ToString();

    /// <summary>Ten cards and ten confirmations, one per mentee, in the order the requests came.</summary>
    private static async Task AssertOutAsync(MentorBot bot, List<FakeSlack.StoredMessage> cards, List<FakeSlack.StoredMessage> confirmations)
    {
        Assert.Equal(Mentees, cards.Count);
        Assert.Equal(Mentees, confirmations.Count);
        var references = cards.Select(ReferenceOnCard).ToList();
        Assert.Equal(references.Order(StringComparer.Ordinal), references);
        Assert.Equal(Mentees, references.Distinct().Count());
        var owners = new List<string>();
        foreach (var reference in references)
            owners.Add((await bot.Store.GetRequestAsync(reference))!.Request.MenteeSlackId);
        Assert.Equal(Enumerable.Range(0, Mentees).Select(Mentee), owners);
        // Each mentee's confirmation names their request, in the same order.
        Assert.Equal(Enumerable.Range(0, Mentees).Select(i => "D" + Mentee(i)), confirmations.Select(c => c.Channel));
        Assert.All(confirmations.Zip(references), p => Assert.Contains(p.Second, p.First.Body["text"]!.ToString(), StringComparison.Ordinal));
        Assert.True(cards.Zip(cards.Skip(1)).All(p => p.First.At <= p.Second.At) && confirmations.Zip(confirmations.Skip(1)).All(p => p.First.At <= p.Second.At),
            "Cards and confirmations should go out in the order the requests came.");
    }

    private static void AssertPrompt(List<Ack> acks, DateTimeOffset back, List<FakeSlack.StoredMessage> cards, List<FakeSlack.StoredMessage> confirmations, Drained outcome)
    {
        Assert.All(acks, a =>
        {
            Assert.Equal(HttpStatusCode.OK, a.Status);
            Assert.DoesNotContain("errors", a.Body, StringComparison.Ordinal);
            Assert.True(a.BotTime < SlackAckLimit, $"A submission was answered after {a.BotTime.TotalSeconds:0.0} s; Slack gives up after 3.");
        });
        var last = cards.Concat(confirmations).Max(m => m.At);
        Assert.True(last - back <= Within,
            $"The last card or confirmation went out {(last - back).TotalSeconds:0.0} s after the service answered again; the promise is {Within.TotalSeconds:0} s.");
        Assert.Equal(0, outcome.Depth);
        Assert.Equal(0, outcome.Failed);
    }

    private void Report(string what, List<Ack> acks, DateTimeOffset back, List<FakeSlack.StoredMessage> cards, List<FakeSlack.StoredMessage> confirmations, TimeSpan wall, TimeSpan body) =>
        output.WriteLine(
            $"{what}: worst acknowledgement {acks.Max(a => a.BotTime).TotalSeconds:0.00} s bot clock ({acks.Max(a => a.Wall).TotalMilliseconds:0} ms wall); " +
            $"after recovery, last card {(cards.Max(c => c.At) - back).TotalSeconds:0.0} s, last confirmation {(confirmations.Max(c => c.At) - back).TotalSeconds:0.0} s (bot clock); " +
            $"wall time {wall.TotalSeconds:0.0} s, of which {body.TotalSeconds:0.0} s from the outage on");

    private sealed record Ack(HttpStatusCode Status, string Body, TimeSpan BotTime, TimeSpan Wall);

    private sealed record Drained(int Depth, int Failed);

    /// <summary>
    /// Moves the bot's clock the way a real one moves, only faster. While the bot is busy (calls reach the fakes, log
    /// entries appear, the queue changes) the clock stands still; once nothing has changed for a few milliseconds the bot
    /// is waiting on its clock, and the clock moves on: straight to the queue's next retry or probe when nothing is
    /// running, otherwise to the next timer but one bounded step at most (work waiting inside a client's own backoff, or
    /// busy a little longer than it looked). Where a figure is measured (an acknowledgement, the time from recovery to the
    /// last message) the steps are small, so busy time mistaken for waiting adds little to it; while the service is down
    /// they are large, so minutes of outage take a moment.
    /// </summary>
    private sealed class BotClock(MentorBot bot, FakeAirtable? airtable = null)
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(5);
        private static readonly TimeSpan AckQuiet = TimeSpan.FromMilliseconds(20);
        private static readonly TimeSpan OutageStep = TimeSpan.FromSeconds(2);
        private static readonly TimeSpan MeasuredStep = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan AckStep = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan RealLimit = TimeSpan.FromSeconds(30);

        private readonly WorkQueue _queue = bot.Services.GetRequiredService<WorkQueue>();

        public DateTimeOffset Now => bot.Clock.GetUtcNow();

        private (int, int, int, int, int) Activity() =>
            (bot.Slack.Calls.Count, airtable?.Calls.Count ?? 0, bot.Logs.Count, _queue.Depth, _queue.Pending);

        /// <summary>Moves the clock through an outage to <paramref name="until"/>.</summary>
        public Task RunAsync(DateTimeOffset until) => RunAsync(until, null, OutageStep, jump: true);

        /// <summary>Moves the clock to <paramref name="until"/>, or until <paramref name="done"/> holds.</summary>
        /// <param name="jump">Whether to go straight to the queue's next retry or probe when nothing is running.</param>
        private async Task RunAsync(DateTimeOffset until, Func<bool>? done, TimeSpan step, bool jump)
        {
            var giveUp = DateTime.UtcNow + RealLimit;
            while (Now < until && done?.Invoke() != true)
            {
                if (DateTime.UtcNow > giveUp) throw new TimeoutException($"The bot's clock got stuck at {Now:O}.");
                var before = Activity();
                // Where a figure is measured without jumps (an acknowledgement), make surer the bot is really waiting.
                await Task.Delay(jump ? Quiet : AckQuiet);
                if (Activity() != before) continue;
                var now = Now;
                DateTimeOffset next;
                if (jump && _queue.NextWakeWhenQuiet is { } wake) next = wake;
                else if (jump && _queue.Pending == 0) next = until;
                else next = bot.Clock.DueTimes.FirstOrDefault(t => t > now) is var due && due != default && due < now + step ? due : now + step;
                bot.Clock.Advance((next < until ? next : until) - now);
            }
        }

        /// <summary>
        /// Keeps the service down until the request held up longest has just begun a wait, on its own backoff, longer
        /// than <see cref="Within"/>: the moment least favourable to a bot that only sleeps out its backoffs, so that
        /// only being woken by the recovery gets everything out in time. After a few minutes of outage the backoff is
        /// a minute or more, so this seldom adds more than a few seconds.
        /// </summary>
        public Task RunUntilBackoffOutlastsThePromiseAsync() =>
            RunAsync(DateTimeOffset.MaxValue, () => OwnNextAttempt() is { } next && next > Now + Within, OutageStep, jump: true);

        /// <summary>When the held-up request would next be tried of its own accord, as the queue's file records it.</summary>
        private DateTimeOffset? OwnNextAttempt()
        {
            var path = bot.Services.GetRequiredService<IOptions<ReliabilityOptions>>().Value.QueuePath;
            using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT MIN(next_attempt_at) FROM jobs WHERE state = 'pending' AND attempts > 0";
            return cmd.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }

        /// <summary>Sends a signed request and moves the clock only in small steps until it is answered.</summary>
        public async Task<Ack> SubmitAsync(HttpRequestMessage request)
        {
            var sentAt = Now;
            var wall = Stopwatch.StartNew();
            var answer = bot.Http.SendAsync(request);
            await RunAsync(DateTimeOffset.MaxValue, () => answer.IsCompleted, AckStep, jump: false);
            using var response = await answer;
            return new Ack(response.StatusCode, await response.Content.ReadAsStringAsync(), Now - sentAt, wall.Elapsed);
        }

        /// <summary>
        /// Runs the clock until every card and confirmation is out and the queue is empty (up to well past the promise,
        /// so a late run fails on its figure rather than a timeout), then on for five more minutes, in which nothing may
        /// go out a second time.
        /// </summary>
        public async Task<Drained> RunUntilAllOutAsync(DateTimeOffset back,
            Func<(List<FakeSlack.StoredMessage> Cards, List<FakeSlack.StoredMessage> Confirmations)> sent)
        {
            bool AllOut()
            {
                var (cards, confirmations) = sent();
                return cards.Count >= Mentees && confirmations.Count >= Mentees && _queue.Depth == 0;
            }
            await RunAsync(back + TimeSpan.FromMinutes(10), AllOut, MeasuredStep, jump: true);
            var drained = new Drained(_queue.Depth, _queue.Failed);
            await RunAsync(Now + TimeSpan.FromMinutes(5));
            return drained;
        }
    }
}
