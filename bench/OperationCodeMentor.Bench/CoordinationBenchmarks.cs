using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.Home;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Bench;

/// <summary>
/// The coordination reads against a store with a few years of history: 20,000 requests from 5,000 mentees,
/// 300 mentors, 200 requests open. The limit check runs before the request form opens, inside Slack's
/// 3-second trigger window, so it is the one that must stay small.
/// </summary>
[MemoryDiagnoser]
public class CoordinationBenchmarks
{
    private const string Coordinator = "UCOORD01";
    private string _folder = "";
    private ServiceProvider _services = null!;
    private RequestLimits _limits = null!;
    private AppHome _home = null!;
    private AdminReports _reports = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _folder = Directory.CreateTempSubdirectory("ocm-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:SqlitePath"] = Path.Combine(_folder, "bench.db"),
            ["Mentorship:Coordinators:0"] = Coordinator,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        // The bot's own composition: the figures are for the services the bot runs.
        services.AddMentorBot(configuration);
        _services = services.BuildServiceProvider();
        var store = _services.GetRequiredService<IMentorshipStore>();
        var skills = (await store.GetOptionListsAsync()).Skillsets;

        var now = TimeProvider.System.GetUtcNow();
        await using var c = new SqliteConnection($"Data Source={Path.Combine(_folder, "bench.db")}");
        await c.OpenAsync();
        await using var tx = c.BeginTransaction();
        var random = new Random(42);
        for (var m = 0; m < 300; m++)
            await ExecAsync(c, tx, "INSERT INTO mentors(slack_user_id, name, skills, max_mentees, created_at, updated_at) VALUES ($u, $u, $s, 3, $t, $t)",
                ("$u", $"UMENTOR{m:D4}"), ("$s", JsonSerializer.Serialize(skills.OrderBy(_ => random.Next()).Take(4))), ("$t", now.AddDays(-700).ToUnixTimeMilliseconds()));
        for (var i = 0; i < 20_000; i++)
        {
            var created = now.AddMinutes(-random.Next(0, 60 * 24 * 700));
            var open = i < 200;
            if (open) created = now.AddMinutes(-i * 7);
            await ExecAsync(c, tx, """
                INSERT INTO requests(mentee_slack_id, service, skills, details, affiliation, status, created_at, claimed_by, claimed_at, first_claimed_at)
                VALUES ($u, 'Code Review', $s, 'Benchmark details that look like a real request.', 'Veteran', $status, $t, $m, $c, $c)
                """,
                ("$u", i == 0 ? Coordinator : $"UMENTEE{i % 5000:D4}"), ("$s", JsonSerializer.Serialize(new[] { skills[i % skills.Count] })),
                ("$status", open ? "open" : "claimed"), ("$t", created.ToUnixTimeMilliseconds()),
                ("$m", open ? null : $"UMENTOR{i % 300:D4}"), ("$c", open ? null : created.AddHours(random.Next(1, 96)).ToUnixTimeMilliseconds()));
        }
        await tx.CommitAsync();

        _limits = _services.GetRequiredService<RequestLimits>();
        _home = _services.GetRequiredService<AppHome>();
        _reports = _services.GetRequiredService<AdminReports>();
    }

    private static async Task ExecAsync(SqliteConnection c, SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync();
    }

    [Benchmark(Description = "limit check before /mentor opens its form")]
    public Task<LimitRefusal?> LimitCheck() => _limits.CheckAsync("UMENTEE0042", CancellationToken.None);

    [Benchmark(Description = "Home tab for a coordinator (200 open)")]
    public Task HomeForCoordinator() => _home.BuildAsync(Coordinator, CancellationToken.None);

    [Benchmark(Description = "/mentor-admin stats 30")]
    public Task Stats30() => _reports.ComputeStatsAsync(30, CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
