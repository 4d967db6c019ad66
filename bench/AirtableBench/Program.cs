using System.Diagnostics;
using System.Globalization;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

// Airtable request counts per mentorship lifecycle, and a burst of request creations at Airtable's rate
// limit, both against the fake Airtable over real HTTP with Airtable's real limits (5 rps, 30 s penalty).
// Exit code 1 when the burst loses a record or meets a 429.

var t0 = new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
var ok = true;

Console.WriteLine("Airtable requests per mentorship lifecycle (fake Airtable, 5 requests/s per base)");
Console.WriteLine();
await using (var h = await FakeAirtableHarness.StartAsync(realRateLimit: true))
{
    var store = h.Store;
    var rows = new List<(string Step, string StoreCalls, int Reads, int Writes)>();
    async Task Step(string name, string calls, Func<Task> run)
    {
        var before = h.Fake.Calls.Count;
        await run();
        var c = h.Fake.Calls.Skip(before).ToList();
        if (c.Any(x => x.Status == 429)) ok = false;
        rows.Add((name, calls, c.Count(x => x.IsRead || x.IsMeta), c.Count(x => x.IsWrite)));
    }

    await Step("start-up (once)", "schema check, caches, reference counter", async () =>
    {
        await new OperationCodeMentor.Storage.Airtable.AirtableSchemaSetup(h.Client, FakeAirtableHarness.Monitor(h.StoreOptions)).CheckAsync();
        await store.WarmUpAsync();
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
            await store.SaveMentorAsync(new MentorProfile(id, "Mentor " + id, ["Python", "Career Advice"], null, 2, null), t0);
        }
    });
    await Step("/mentor modal", "GetOptionLists", () => store.GetOptionListsAsync());
    string requestId = "";
    await Step("/mentor submission", "GetOptionLists, CreateRequest, GetMentorLoads, SetRequestPost", async () =>
    {
        await store.GetOptionListsAsync();
        var r = await store.CreateRequestAsync(new NewMentorRequest("UMENTEE01", "mentee", "Resume Review", ["Python"], "Please look at my résumé.", "Veteran", t0));
        requestId = r.Id;
        await store.GetMentorLoadsAsync();
        await store.SetRequestPostAsync(r.Id, "G0MENTORS", "1712345678.000100", ["UMENTOR01", "UMENTOR02"]);
    });
    await Step("claim", "GetMentorLoads, TryClaim", async () =>
    {
        await store.GetMentorLoadsAsync();
        await store.TryClaimAsync(requestId, "UMENTOR01", t0.AddHours(1));
    });
    await Step("release", "GetRequest, TryRelease, GetMentorLoads", async () =>
    {
        await store.GetRequestAsync(requestId);
        await store.TryReleaseAsync(requestId, "UMENTOR01", "UMENTOR01", t0.AddHours(2));
        await store.GetMentorLoadsAsync();
    });
    await Step("claim again", "GetMentorLoads, TryClaim", async () =>
    {
        await store.GetMentorLoadsAsync();
        await store.TryClaimAsync(requestId, "UMENTOR02", t0.AddHours(3));
    });

    Console.WriteLine($"| {"step",-24} | {"reads",5} | {"writes",6} | store calls (as the feature handlers make them)");
    Console.WriteLine($"|{new string('-', 26)}|{new string('-', 7)}|{new string('-', 8)}|{new string('-', 50)}");
    foreach (var (step, calls, reads, writes) in rows)
        Console.WriteLine($"| {step,-24} | {reads,5} | {writes,6} | {calls}");
    var lifecycle = rows.Skip(1);
    Console.WriteLine($"| {"lifecycle total",-24} | {lifecycle.Sum(r => r.Reads),5} | {lifecycle.Sum(r => r.Writes),6} | everything after start-up");
    var submission = rows.Single(r => r.Step == "/mentor submission");
    Console.WriteLine();
    Console.WriteLine($"/mentor path: {submission.Reads} read(s), {submission.Writes} write(s) " +
        $"(goal: at most 1 and 1: {(submission.Reads <= 1 && submission.Writes <= 1 ? "met" : "NOT met")}).");
}

Console.WriteLine();
const int burst = 100;
Console.WriteLine($"Burst: {burst} request creations at once against the fake at 5 requests/s per base (real clock)");
await using (var h = await FakeAirtableHarness.StartAsync(realRateLimit: true))
{
    await h.Store.WarmUpAsync();
    // Start with an empty window, as a burst after a quiet minute would.
    await Task.Delay(TimeSpan.FromSeconds(1.5));
    h.Fake.ClearCalls();

    var watch = Stopwatch.StartNew();
    var created = await Task.WhenAll(Enumerable.Range(1, burst).Select(i => Task.Run(() =>
        h.Store.CreateRequestAsync(new NewMentorRequest($"UMENTEE{i:D3}", null, "Code Review", ["C#"], "Burst request " + i, "Veteran", t0)))));
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
        $"(drain = {((ratio - 1) * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture)}%; goal within 10%: {(ratio <= 1.10 ? "met" : "NOT met")})");
    Console.WriteLine($"  client window:            {AirtableRateLimiter.Window.TotalMilliseconds} ms per 5 requests");
    if (tooMany > 0 || rows != burst || distinct != burst || ratio > 1.10) ok = false;
}

return ok ? 0 : 1;
