using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

// Airtable requests per mentorship lifecycle, per follow-up sweep, and a burst of request creations at Airtable's rate
// limit, all against the fake Airtable over real HTTP with Airtable's real limits (5 rps, 30 s penalty). The bot's own
// services are composed as in Program.cs, with Slack offline (answered locally; nothing leaves the machine).
// Usage: dotnet run -c Release --project bench/AirtableBench [-- <requests due for planning> <bumps due>]
// Exit code 1 when a goal the issues set as a rule is broken: a 429, or a burst that loses or doubles a record.
var planned = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var bumps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var ok = true;

Console.WriteLine($"Airtable requests against the fake at 5 requests/s per base ({Environment.ProcessorCount} cores, {Environment.OSVersion})");
Console.WriteLine();

// ---- 1. One mentorship lifecycle, through the feature code where it can be called without Slack payloads ----
await using (var h = await FakeAirtableHarness.StartAsync(realRateLimit: true))
{
    using var bot = Compose(h);
    var sp = bot.Services;
    var store = sp.GetRequiredService<IMentorshipStore>();
    var limits = sp.GetRequiredService<RequestLimits>();
    // The durable queue the bot hands every submission and press to; only it runs, so no timer adds requests of its own.
    var queue = sp.GetRequiredService<WorkQueue>();
    await queue.StartAsync(CancellationToken.None);
    async Task RunAsync(DurableWork work)
    {
        if (!await queue.EnqueueAsync(work)) throw new InvalidOperationException($"The queue already had {work.Key}.");
        await queue.WhenIdleAsync();
        if (queue.Failed > 0) throw new InvalidOperationException($"{work.Kind} failed for good; see the queue.");
    }
    var now = DateTimeOffset.UtcNow;
    var rows = new List<(string Step, string Calls, int Reads, int Writes)>();
    async Task Step(string name, string calls, Func<Task> run)
    {
        var before = h.Fake.Calls.Count;
        await run();
        var c = h.Fake.Calls.Skip(before).ToList();
        if (c.Any(x => x.Status == 429)) ok = false;
        rows.Add((name, calls, c.Count(x => x.IsRead || x.IsMeta), c.Count(x => x.IsWrite)));
    }

    await Step("start-up (once)", "schema read, caches, reference counter, wait history", async () =>
    {
        // As AirtableStartup does: the schema the store keeps, checked, then the caches.
        if ((await sp.GetRequiredService<AirtableLayoutSource>().GetAsync()).Problems.Count > 0) ok = false;
        await sp.GetRequiredService<AirtableMentorshipStore>().WarmUpAsync();
        // As ClaimWaitsWarmUp does: the last 90 days' waits for a claim, for the receipts' expected wait.
        await sp.GetRequiredService<ClaimWaits>().HistoryAsync(CancellationToken.None);
    });
    await Step("/mentor-volunteer modal", "GetOptionLists, GetMentor", async () =>
    {
        await store.GetOptionListsAsync();
        await store.GetMentorAsync("UMENTOR01");
    });
    await Step("volunteer (2 mentors)", "GetOptionLists, GetMentor, SaveMentor, each", async () =>
    {
        foreach (var id in new[] { "UMENTOR01", "UMENTOR02" })
        {
            await store.GetOptionListsAsync();
            await store.GetMentorAsync(id);
            await store.SaveMentorAsync(new MentorProfile(id, "Mentor " + id, ["Python", "Career Advice"], null, 2, null), now);
        }
    });
    await Step("/mentor modal", "RequestLimits.CheckBeforeForm, GetOptionLists", async () =>
    {
        await limits.CheckBeforeFormAsync("UMENTEE01", default);
        await store.GetOptionListsAsync();
    });
    await Step("/mentor submission: ack", "RequestLimits.Recheck, GetOptionLists, then enqueue", async () =>
    {
        await limits.RecheckAsync("UMENTEE01", default);
        await store.GetOptionListsAsync();
    });
    await Step("/mentor submission: queue", "RequestIntake as queued work (number, post, store, confirm)", () =>
        RunAsync(RequestIntake.Submission("V0BENCH01",
            new IntakeRequest("UMENTEE01", "mentee", "Resume Review", ["Python"], "Please look at my résumé.", "Veteran", now), "bench")));
    // Not counted: finding the stored request's reference (the card's buttons carry it).
    var reference = (await store.FindRequestBySubmissionAsync(RequestIntake.KeyFor("V0BENCH01")))?.Reference
        ?? throw new InvalidOperationException("The intake stored no request.");
    // A press is recorded as durable work by its button's handler (which reads nothing) and done by its job: the
    // same work a click on the card's Claim or Release button queues.
    var presses = 0;
    Task PressAsync(string kind, string mentor) =>
        RunAsync(new Press(reference, mentor, "G0MENTORS").Work(kind, $"{kind}:{mentor}:bench-{++presses}", "bench"));
    await Step("claim", "ClaimJob (the Claim button's work, by reference)", () => PressAsync(ClaimJob.KindName, "UMENTOR01"));
    await Step("release", "ReleaseJob (the Release button's work)", () => PressAsync(ReleaseJob.KindName, "UMENTOR01"));
    await Step("claim again", "ClaimJob", () => PressAsync(ClaimJob.KindName, "UMENTOR02"));
    var claimed = (await store.GetRequestAsync(reference))?.Request;
    if (claimed is not { Status: RequestStatus.Claimed, ClaimedBy: "UMENTOR02", ResetCount: 1 })
    {
        Console.Error.WriteLine($"The lifecycle did not end claimed by UMENTOR02 after one release: {claimed}");
        ok = false;
    }
    await queue.StopAsync(CancellationToken.None);

    Console.WriteLine("Requests per mentorship lifecycle");
    Console.WriteLine();
    Console.WriteLine($"| {"step",-28} | {"reads",5} | {"writes",6} | what runs");
    Console.WriteLine($"|{new string('-', 30)}|{new string('-', 7)}|{new string('-', 8)}|{new string('-', 50)}");
    foreach (var (step, calls, reads, writes) in rows)
        Console.WriteLine($"| {step,-28} | {reads,5} | {writes,6} | {calls}");
    var lifecycle = rows.Skip(1).ToList();
    Console.WriteLine($"| {"lifecycle total",-28} | {lifecycle.Sum(r => r.Reads),5} | {lifecycle.Sum(r => r.Writes),6} | everything after start-up");
    var path = rows.Where(r => r.Step.StartsWith("/mentor submission", StringComparison.Ordinal)).ToList();
    var (pathReads, pathWrites) = (path.Sum(r => r.Reads), path.Sum(r => r.Writes));
    Console.WriteLine();
    var modal = rows.Single(r => r.Step == "/mentor modal");
    Console.WriteLine($"/mentor submission in all: {pathReads} read(s), {pathWrites} write(s) (goal: at most 1 and 1: {(pathReads <= 1 && pathWrites <= 1 ? "met" : "not met")}).");
    Console.WriteLine($"/mentor modal: {modal.Reads + modal.Writes} request(s) (goal: none: {(modal.Reads + modal.Writes == 0 ? "met" : "not met")}).");
}

// ---- 2. Requests per follow-up sweep ----
Console.WriteLine();
Console.WriteLine("Requests per follow-up sweep (FollowUpSweeper.RunOnceAsync)");
Console.WriteLine();
await using (var h = await FakeAirtableHarness.StartAsync(realRateLimit: true))
{
    using var bot = Compose(h);
    var sp = bot.Services;
    var sweeper = sp.GetRequiredService<FollowUpSweeper>();
    await sp.GetRequiredService<AirtableMentorshipStore>().WarmUpAsync();
    var now = DateTimeOffset.UtcNow;
    Console.WriteLine($"| {"sweep",-52} | {"reads",5} | {"writes",6} | {"time",7} | due, steps, planned");
    Console.WriteLine($"|{new string('-', 54)}|{new string('-', 7)}|{new string('-', 8)}|{new string('-', 9)}|{new string('-', 22)}");
    async Task Sweep(string name)
    {
        await Task.Delay(AirtableRateLimiter.Window); // start each sweep with the rate limit's window empty
        var before = h.Fake.Calls.Count;
        var watch = Stopwatch.StartNew();
        var report = await sweeper.RunOnceAsync();
        watch.Stop();
        var c = h.Fake.Calls.Skip(before).ToList();
        if (c.Any(x => x.Status == 429)) ok = false;
        Console.WriteLine($"| {name,-52} | {c.Count(x => x.IsRead),5} | {c.Count(x => x.IsWrite),6} | {watch.Elapsed.TotalSeconds,5:F1} s | " +
            $"{report.Examined}, {report.StepsTaken}, {report.Planned}");
    }

    // Seeded straight into the fake (as rows typed into Airtable would be), so only the sweeps are counted.
    Seed(h, planned, now);
    await Sweep($"{planned} new requests, each due for planning");
    await Sweep($"nothing due ({planned} requests planned for tomorrow)");
    Seed(h, bumps, now.AddHours(-25), first: planned);
    await Sweep($"{bumps} first bumps due (and {planned} planned)");
    await Sweep("nothing due again");
    Console.WriteLine($"Rows in the table: {h.Requests.Records.Count}. A sweep with nothing due is one filtered read, whatever the table holds.");
}

// ---- 3. A burst of request creations at the rate limit ----
Console.WriteLine();
const int burst = 100;
Console.WriteLine($"Burst: {burst} request creations at once (each with its submission key, as the queue writes them), real clock");
await using (var h = await FakeAirtableHarness.StartAsync(realRateLimit: true))
{
    await h.Store.WarmUpAsync();
    // Start with an empty window, as a burst after a quiet minute would.
    await Task.Delay(TimeSpan.FromSeconds(1.5));
    h.Fake.ClearCalls();

    var t0 = DateTimeOffset.UtcNow;
    var watch = Stopwatch.StartNew();
    // Each numbered first, as the intake does (from memory: no request to Airtable), then written.
    var created = await Task.WhenAll(Enumerable.Range(1, burst).Select(i => Task.Run(async () =>
        (await h.Store.CreateRequestAsync(new NewMentorRequest(await h.Store.ReserveRequestNumberAsync(), $"UMENTEE{i:D3}", null, "Code Review", ["C#"],
            "Burst request " + i, "Veteran", t0, RequestIntake.KeyFor($"V{i:D6}")))).Request)));
    watch.Stop();

    var calls = h.Fake.Calls;
    var tooMany = calls.Count(c => c.Status == 429);
    var rows = h.Requests.Records.Count;
    var distinct = created.Select(r => r.Reference).Distinct().Count();
    // Five may start at once; each further five must wait a second: the 100th cannot start before 19 s.
    var minimum = TimeSpan.FromSeconds((burst - 1) / 5);
    var firstToLast = calls.Max(c => c.At) - calls.Min(c => c.At);
    var ratio = watch.Elapsed / minimum;
    Console.WriteLine($"  requests sent:            {calls.Count}");
    Console.WriteLine($"  429 answers:              {tooMany}");
    Console.WriteLine($"  records created:          {rows} ({distinct} distinct references)");
    Console.WriteLine($"  first to last request:    {firstToLast.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s (at the fake)");
    Console.WriteLine($"  time to drain:            {watch.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
    Console.WriteLine($"  rate-limit minimum:       {minimum.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s " +
        $"(drain = {((ratio - 1) * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture)}%; goal within 10%: {(ratio <= 1.10 ? "met" : "not met")})");
    Console.WriteLine($"  client window:            {AirtableRateLimiter.Window.TotalMilliseconds} ms per 5 requests");
    if (tooMany > 0 || rows != burst || distinct != burst) ok = false;
}

return ok ? 0 : 1;

// The bot's services as Program.cs composes them, on the fake base, with Slack offline.
static IHost Compose(FakeAirtableHarness h)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Airtable:ApiKey"] = FakeAirtable.Token,
        ["Airtable:BaseId"] = FakeAirtableHarness.BaseId,
        ["Airtable:ApiBaseUrl"] = h.Fake.ApiBaseUrl,
        ["Slack:BotToken"] = "",
        ["Slack:MentorsChannel"] = "G0MENTORS",
        ["Mentorship:Coordinators:0"] = "UCOORD01",
        ["Storage:SqlitePath"] = Path.Combine(Path.GetTempPath(), $"ocm-airtable-bench-{Guid.NewGuid():N}", "unused.db"),
    });
    builder.Logging.ClearProviders();
    // The same composition as the bot, so the figures are the bot's.
    builder.Services.AddMentorBot(builder.Configuration);
    // One rate limiter per process: the harness laid the base out through it a moment ago.
    builder.Services.AddSingleton(h.Limiter);
    var host = builder.Build();
    if (!host.Services.GetRequiredService<SlackApiClient>().IsOffline) throw new InvalidOperationException("Slack must be offline for the benchmark.");
    return host;
}

// New open requests with everything the bot writes (due for planning at once), numbered from R-<first + 1001>.
static void Seed(FakeAirtableHarness h, int count, DateTimeOffset requestedAt, int first = 0)
{
    var service = h.Table("Services").Find("Name", "Code Review")!.Id;
    var skill = h.Table("Skillsets").Find("Name", "Python")!.Id;
    var affiliation = h.Table("Affiliations").Find("Name", "Veteran")!.Id;
    for (var i = first; i < first + count; i++)
    {
        h.Requests.Insert(new JsonObject
        {
            ["Reference"] = RequestReference.Format(1001 + i),
            ["Mentee Slack ID"] = $"UMENTEE{i:D5}",
            ["Service"] = new JsonArray(service),
            ["Skillsets Requested"] = new JsonArray(skill),
            ["Affiliation"] = new JsonArray(affiliation),
            ["Additional Details"] = "Please review my project before an interview next week.",
            ["Status"] = "open",
            ["Requested At"] = AirtableRecord.FormatTime(requestedAt),
            ["Channel ID"] = "G0MENTORS",
            ["Slack Message TS"] = $"{requestedAt.ToUnixTimeSeconds()}.{i:D6}",
            ["Next Action At"] = AirtableRecord.FormatTime(DateTimeOffset.UnixEpoch),
        });
    }
}
