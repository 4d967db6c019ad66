using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

// One follow-up sweep over a large SQLite store, timed with a Stopwatch. The bot's own services are composed as in
// Program.cs, with Slack offline (calls are answered locally, nothing leaves the machine) and a fixed clock.
// Usage: dotnet run -c Release --project bench/SweepBench [-- <open requests> <iterations>]
var openRequests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
const int DueBumps = 100;

var folder = Directory.CreateTempSubdirectory("ocm-sweep-bench-").FullName;
var now = new DateTimeOffset(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);
try
{
    var builder = Host.CreateApplicationBuilder();
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Storage:SqlitePath"] = Path.Combine(folder, "mentorship.db"),
        ["Slack:BotToken"] = "",
        ["Slack:MentorsChannel"] = "G0MENTORS",
        ["Mentorship:Coordinators:0"] = "UCOORD01",
    });
    builder.Logging.ClearProviders();
    builder.Services.AddSingleton<TimeProvider>(new FixedClock(now));
    // The same composition as the bot, so the figures are the bot's.
    builder.Services.AddMentorBot(builder.Configuration);
    using var host = builder.Build();
    var store = host.Services.GetRequiredService<IMentorshipStore>();
    var sweeper = host.Services.GetRequiredService<FollowUpSweeper>();
    if (!host.Services.GetRequiredService<SlackApiClient>().IsOffline) throw new InvalidOperationException("Slack must be offline for the benchmark.");
    await store.CheckAsync();
    var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "mentorship.db") }.ToString();

    var seed = Stopwatch.StartNew();
    await SeedAsync(connection, openRequests, now);
    Console.WriteLine($"Seeded {openRequests:N0} open requests and 50 mentors in {seed.ElapsedMilliseconds} ms ({Environment.ProcessorCount} cores, {Environment.OSVersion}).");

    // 1. Steady state: every request planned, none due. The sweep's only read is the indexed due query.
    await MeasureAsync("steady state, 0 due", sweeper, iterations, before: null);

    // 2. A busy minute: 100 requests need their first bump. Each step is a claim, a (local) post and a record.
    await MeasureAsync($"{DueBumps} bumps due", sweeper, iterations, before: () => MakeDueAsync(connection, DueBumps, now));

    // 3. The first sweep after upgrading a database that already held the requests: all are due for planning.
    await ExecAsync(connection, "UPDATE requests SET next_action_at = 0, follow_up_version = follow_up_version + 1");
    var first = Stopwatch.StartNew();
    var report = await sweeper.RunOnceAsync();
    Console.WriteLine($"after upgrade, first sweep: {first.Elapsed.TotalMilliseconds:F1} ms, planned {report.Planned} of {openRequests:N0} (at most {FollowUpSweeper.MaxPerSweep} a sweep)");
    var all = Stopwatch.StartNew();
    var sweeps = 1;
    while ((await sweeper.RunOnceAsync()).Examined > 0) sweeps++;
    Console.WriteLine($"after upgrade, all planned: {sweeps} sweeps, {all.Elapsed.TotalMilliseconds:F0} ms in all");
}
finally
{
    SqliteConnection.ClearAllPools();
    try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
}

static async Task MeasureAsync(string name, FollowUpSweeper sweeper, int iterations, Func<Task>? before)
{
    var times = new List<double>();
    SweepReport? last = null;
    for (var i = 0; i < iterations + 3; i++)
    {
        if (before is not null) await before();
        var watch = Stopwatch.StartNew();
        last = await sweeper.RunOnceAsync();
        watch.Stop();
        if (i >= 3) times.Add(watch.Elapsed.TotalMilliseconds); // the first three warm up the JIT and the page cache
    }
    times.Sort();
    Console.WriteLine($"{name}: median {times[times.Count / 2]:F2} ms, p95 {times[(int)(times.Count * 0.95)]:F2} ms, max {times[^1]:F2} ms " +
        $"over {iterations} sweeps; rows read {last!.Examined}, steps {last.StepsTaken}, planned {last.Planned}");
}

static async Task SeedAsync(string connectionString, int count, DateTimeOffset now)
{
    await using var c = new SqliteConnection(connectionString);
    await c.OpenAsync();
    await using var tx = (SqliteTransaction)await c.BeginTransactionAsync();
    var random = new Random(42);
    string[] skills = ["Python", "JavaScript", "Java", "C#", "Go", "SQL", "AWS", "React"];
    await using (var mentor = c.CreateCommand())
    {
        mentor.Transaction = tx;
        mentor.CommandText = "INSERT INTO mentors(slack_user_id, skills, max_mentees, created_at, updated_at) VALUES ($u, $s, 3, $t, $t)";
        var u = mentor.Parameters.Add("$u", SqliteType.Text);
        var s = mentor.Parameters.Add("$s", SqliteType.Text);
        mentor.Parameters.AddWithValue("$t", now.ToUnixTimeMilliseconds());
        for (var i = 0; i < 50; i++)
        {
            u.Value = $"UMENTOR{i:D3}";
            s.Value = $"[\"{skills[i % skills.Length]}\",\"{skills[(i + 3) % skills.Length]}\"]";
            await mentor.ExecuteNonQueryAsync();
        }
    }
    await using (var insert = c.CreateCommand())
    {
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO requests(mentee_slack_id, service, skills, details, affiliation, status, created_at, channel_id, message_ts, mentioned, next_action_at)
            VALUES ($u, 'Code Review', $s, 'Please review my project before an interview next week.', 'Veteran', 'open', $created, 'G0MENTORS', $ts, '[]', $next)
            """;
        var u = insert.Parameters.Add("$u", SqliteType.Text);
        var s = insert.Parameters.Add("$s", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        var ts = insert.Parameters.Add("$ts", SqliteType.Text);
        var next = insert.Parameters.Add("$next", SqliteType.Integer);
        for (var i = 0; i < count; i++)
        {
            // Asked within the last 20 hours, so the first bump (after a day) is still ahead of every one of them.
            var at = now.AddMinutes(-random.Next(0, 20 * 60));
            u.Value = $"UMENTEE{i:D6}";
            s.Value = $"[\"{skills[random.Next(skills.Length)]}\"]";
            created.Value = at.ToUnixTimeMilliseconds();
            ts.Value = $"{at.ToUnixTimeSeconds()}.{i:D6}";
            next.Value = at.AddDays(1).ToUnixTimeMilliseconds();
            await insert.ExecuteNonQueryAsync();
        }
    }
    await tx.CommitAsync();
}

static Task MakeDueAsync(string connectionString, int count, DateTimeOffset now) => ExecAsync(connectionString, $"""
    UPDATE requests SET created_at = {now.AddHours(-25).ToUnixTimeMilliseconds()}, next_action_at = {now.AddHours(-1).ToUnixTimeMilliseconds()},
           bump_count = 0, last_bump_at = NULL, follow_up_version = follow_up_version + 1
    WHERE id IN (SELECT id FROM requests ORDER BY id LIMIT {count})
    """);

static async Task ExecAsync(string connectionString, string sql)
{
    await using var c = new SqliteConnection(connectionString);
    await c.OpenAsync();
    await using var cmd = c.CreateCommand();
    cmd.CommandText = sql;
    await cmd.ExecuteNonQueryAsync();
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
