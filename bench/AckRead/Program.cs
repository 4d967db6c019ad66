using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage.Postgres;

// What the read of a claim costs the acknowledgement on PostgreSQL. A Claim click is answered once its job is written
// (PostgresJobLedger.InsertAsync); the claim's first read (the request, the mentor's load, the mentee's last report:
// IMentorshipStore.ReadWithTheWrite) can go in that same round trip. This sends claim writes at a fixed rate, every other
// one with the read (in the order A B B A, so neither side always comes first), through one ledger and one pool: whatever
// the machine does to the one it does to the other, which a comparison of two separate runs cannot promise. Each job whose
// write took its lane is then finished, as the bot would, so the lanes come free again (the read answers only for such a
// write: "leased" below). Prints one JSON line.
//
//   AckRead --pg "Host=...;Database=..." [--rate 200] [--seconds 60] [--warmup 5] [--requests 400]

var opts = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal) && p.i + 1 < args.Length)
    .ToDictionary(p => p.a[2..], p => args[p.i + 1], StringComparer.Ordinal);
string Opt(string name, string fallback) => opts.TryGetValue(name, out var v) ? v : fallback;
int Num(string name, int fallback, int least = 1) =>
    int.TryParse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= least
        ? n
        : throw new ArgumentException($"--{name} takes a whole number of at least {least}; got '{Opt(name, "")}'.");

var connection = Opt("pg", "");
if (connection.Length == 0)
{
    Console.Error.WriteLine("AckRead --pg \"Host=...;Database=...\" [--rate 200] [--seconds 60] [--warmup 5] [--requests 400]");
    return 2;
}
int rate, seconds, warmup, requests;
try
{
    (rate, seconds, warmup, requests) = (Num("rate", 200), Num("seconds", 60), Num("warmup", 5, least: 0), Num("requests", 400));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
ThreadPool.SetMinThreads(32, 32);

// The store's tables, a mentor with room, and open requests to claim: the read finds what a real claim's would.
await using var store = new PostgresMentorshipStore(new PostgresConnection(connection));
var now = DateTimeOffset.UtcNow;
await store.SaveMentorAsync(new MentorProfile("UACKREAD1", "Mentor", ["Python"], null, 1000, null), now);
var references = new List<string>(requests);
for (var i = 0; i < requests; i++)
{
    var number = await store.ReserveRequestNumberAsync();
    var created = await store.CreateRequestAsync(new NewMentorRequest(number, $"UMENTEE{i:D4}", "Mentee", "Code Review", ["Python"],
        "Please review my first Python project.", "Veteran", now, $"ackread:{Guid.NewGuid():N}"));
    references.Add(created.Reference);
}
await using var ledger = new PostgresJobLedger(connection, "ackread");
ledger.Open();

var withRead = new List<double>();
var without = new List<double>();
int leasedWith = 0, leasedWithout = 0, errors = 0;
var gate = new object();
var run = Guid.NewGuid().ToString("N")[..8];
string[] kinds = ["claim"];

async Task OneAsync(int i, bool counted)
{
    var read = (i & 3) is 0 or 3;
    var reference = references[(i % references.Count + references.Count) % references.Count];
    var key = $"claim:UACKREAD1:{run}.{i}";
    var payload = new JsonObject { ["reference"] = reference, ["user"] = "UACKREAD1", ["channel"] = "G0BENCH01" };
    var work = new DurableWork("claim", key, reference, payload, "UACKREAD1", "action claim_request")
    {
        Once = new DeliveryOnce($"click:{key}", TimeSpan.FromSeconds(3)),
        FirstStep = read ? store.ReadWithTheWrite(reference, "UACKREAD1") : null,
    };
    var at = DateTimeOffset.UtcNow;
    var sw = Stopwatch.StartNew();
    var job = (await ledger.InsertAsync([work], at, new LaneOffer(at.AddSeconds(30), [], 16)))[0];
    var ms = sw.Elapsed.TotalMilliseconds;
    if (counted)
        lock (gate)
        {
            (read ? withRead : without).Add(ms);
            if (job is { LeasedHere: true })
            {
                if (read) leasedWith++;
                else leasedWithout++;
            }
        }
    if (job is { LeasedHere: true })
    {
        await ledger.FinishAsync(job, "done", null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(-1), kinds);
    }
}

// One after another first: code compiled and a few connections open, as in a bot that has been running.
for (var i = 0; i < 200; i++) await OneAsync(-1 - i, counted: false);

// Open loop: each write starts at its moment whatever the earlier ones are doing, as clicks arrive.
var total = rate * (warmup + seconds);
var tasks = new List<Task>(total);
var clock = Stopwatch.StartNew();
for (var i = 0; i < total; i++)
{
    var due = TimeSpan.FromSeconds((double)i / rate);
    var wait = due - clock.Elapsed;
    if (wait > TimeSpan.FromMilliseconds(2)) await Task.Delay(wait - TimeSpan.FromMilliseconds(1));
    while (clock.Elapsed < due) Thread.SpinWait(50);
    var n = i;
    tasks.Add(Task.Run(async () =>
    {
        try { await OneAsync(n, n >= rate * warmup); }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            Interlocked.Increment(ref errors);
        }
    }));
}
await Task.WhenAll(tasks);

static JsonObject Summary(List<double> ms, int leased)
{
    ms.Sort();
    double At(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
    return new JsonObject
    {
        ["count"] = ms.Count,
        ["leased"] = leased,
        ["mean_ms"] = Math.Round(ms.Average(), 3),
        ["p50_ms"] = Math.Round(At(0.50), 3),
        ["p90_ms"] = Math.Round(At(0.90), 3),
        ["p99_ms"] = Math.Round(At(0.99), 3),
        ["p999_ms"] = Math.Round(At(0.999), 3),
        ["max_ms"] = Math.Round(ms[^1], 3),
    };
}

Console.WriteLine(new JsonObject
{
    ["mode"] = "ackread",
    ["rate"] = rate,
    ["seconds"] = seconds,
    ["with_read"] = Summary(withRead, leasedWith),
    ["without_read"] = Summary(without, leasedWithout),
    ["errors"] = errors,
}.ToJsonString());
return 0;
