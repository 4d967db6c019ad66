using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;
using OperationCodeMentor.Tests.Storage.Postgres;

namespace OperationCodeMentor.Tests.Hosting;

/// <summary>What the bot says first, for the stores and Slack modes a process test does not start.</summary>
public class FirstLinesTests
{
    private static List<string> StartupLines(MentorBot bot) =>
        bot.Logs.Entries.Where(e => e.Category == "OperationCodeMentor.Hosting.BotStartup").Select(e => e.Message).ToList();

    [Fact]
    public async Task OnAirtable_TheStoreLineNamesTheBase_NeverTheKey()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings());

        var lines = StartupLines(bot);

        Assert.Equal($"Store: Airtable base {FakeAirtableHarness.BaseId}", lines[0]);
        Assert.StartsWith("Slack: HTTP", lines[1]);
        Assert.DoesNotContain(bot.Logs.Entries, e => e.Message.Contains(FakeAirtable.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task InSocketMode_TheSlackLineSaysSo()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:AppToken"] = FakeSlack.AppToken });

        var lines = StartupLines(bot);

        Assert.StartsWith("Store: SQLite at ", lines[0]);
        Assert.StartsWith("Slack: Socket Mode", lines[1]);
        Assert.DoesNotContain(bot.Logs.Entries, e => e.Message.Contains(FakeSlack.AppToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithMetricsOn_ALineSaysWhereTheyGo_WithoutWhatMayBeACredential()
    {
        await using var bot = await MentorBot.StartAsync(new()
        {
            ["Metrics:Prometheus"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://otel:secretpart@collector.invalid:4318/otlp?token=secretpart",
        });

        var lines = StartupLines(bot);

        Assert.Contains("Metrics: Prometheus at /metrics, on the bot's own port (Metrics:Port gives it one of its own); OTLP to http://collector.invalid:4318/otlp", lines);
        Assert.DoesNotContain(bot.Logs.Entries, e => e.Message.Contains("secretpart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithMetricsOff_NoLineSpeaksOfThem()
    {
        await using var bot = await MentorBot.StartAsync();

        Assert.DoesNotContain(StartupLines(bot), l => l.StartsWith("Metrics:", StringComparison.Ordinal));
    }

    private static List<LogEntry> NewerSchemaWarnings(MentorBot bot) =>
        bot.Logs.Entries.Where(e => e.Category == "OperationCodeMentor.Hosting.BotStartup" && e.Message.Contains("upgraded by a newer release", StringComparison.Ordinal)).ToList();

    /// <summary>Moves a SQLite file's schema one version past the one this release left it at, as a newer release would; returns that version.</summary>
    private static int Advance(string file)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        var known = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        cmd.CommandText = $"PRAGMA user_version = {known + 1}";
        cmd.ExecuteNonQuery();
        return known;
    }

    [Fact]
    public async Task RolledBackOverTheEmbeddedStore_TheBotSaysANewerReleaseUpgradedIt_AndStillTakesRequests()
    {
        var data = Directory.CreateTempSubdirectory("ocm-test-").FullName;
        try
        {
            await using (var first = await MentorBot.StartAsync(dataFolder: data))
                Assert.Empty(NewerSchemaWarnings(first));
            var store = Advance(Path.Combine(data, "mentorship.db"));
            var queue = Advance(Path.Combine(data, "pending.db"));

            await using var bot = await MentorBot.StartAsync(dataFolder: data);

            var warnings = NewerSchemaWarnings(bot);
            Assert.Equal(2, warnings.Count);
            Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
            Assert.StartsWith($"The store's tables were upgraded by a newer release of the bot: schema version {store + 1}, where this release knows up to {store}.", warnings[0].Message);
            Assert.StartsWith($"The work queue's tables were upgraded by a newer release of the bot: schema version {queue + 1}, where this release knows up to {queue}.", warnings[1].Message);
            Assert.Contains("deploy that release, or a newer one, again", warnings[0].Message);
            await bot.VolunteerAsync("UGRACE", ["Python"]);
            var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
            Assert.Single(bot.Slack.DmsTo("UMENTEE1"), d => d.AllText.Contains(request.Reference, StringComparison.Ordinal));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task RolledBackOverPostgreSql_TheBotSaysANewerReleaseUpgradedIt_AndStillTakesRequests()
    {
        var database = await PostgresServer.NewSchemaAsync();
        var settings = new Dictionary<string, string?> { ["Storage:Postgres:ConnectionString"] = database };
        await using (var first = await MentorBot.StartAsync(settings))
            Assert.Empty(NewerSchemaWarnings(first));
        await PostgresServer.ExecAsync(database, """
            INSERT INTO schema_migrations(version) SELECT MAX(version) + 1 FROM schema_migrations;
            INSERT INTO work_queue_migrations(version) SELECT MAX(version) + 1 FROM work_queue_migrations;
            """);

        await using var bot = await MentorBot.StartAsync(settings);

        var warnings = NewerSchemaWarnings(bot);
        Assert.Equal(2, warnings.Count);
        Assert.Contains($"schema version {OperationCodeMentor.Storage.Postgres.PostgresSchema.Migrations.Count + 1}, where this release knows up to {OperationCodeMentor.Storage.Postgres.PostgresSchema.Migrations.Count}.", warnings[0].Message);
        Assert.StartsWith("The work queue's tables were upgraded by a newer release", warnings[1].Message);
        await bot.VolunteerAsync("UGRACE", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        Assert.Single(bot.Slack.DmsTo("UMENTEE1"), d => d.AllText.Contains(request.Reference, StringComparison.Ordinal));
    }
}
