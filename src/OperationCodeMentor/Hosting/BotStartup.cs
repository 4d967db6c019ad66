using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Sqlite;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// Runs every <see cref="IStartupCheck"/> before any other service starts or the server listens, then says in the
/// first lines of the log which store holds the data (and where), how Slack is reached, and the address listened on.
/// <see cref="Completed"/> tells the readiness probe that the checks (migrations included) have passed.
/// </summary>
public sealed partial class BotStartup(
    IServiceProvider services,
    IEnumerable<IStartupCheck> checks,
    IOptions<SlackOptions> slack,
    IHostApplicationLifetime lifetime,
    ILogger<BotStartup> log) : IHostedLifecycleService
{
    private volatile bool _completed;

    public bool Completed => _completed;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var check in checks) await check.CheckAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
        LogStore(log, DescribeStore(services));
        if (services.UsesPostgres())
            LogStatements(log, services.GetRequiredService<OperationCodeMentor.Storage.Postgres.PostgresConnection>().Statements.Why);
        LogSlack(log, DescribeSlack(slack.Value));
        if (services.GetService<IOptions<Telemetry.MetricsOptions>>()?.Value.Describe() is { } metrics) LogMetrics(log, metrics);
        foreach (var (what, schema) in Schemas(services))
            if (schema.Newer) LogNewerSchema(log, what, schema.Found, schema.Known);
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
            if (addresses is { Count: > 0 }) LogListening(log, string.Join(", ", addresses));
        });
    }

    /// <summary>Which store holds the data and where, never a token.</summary>
    public static string DescribeStore(IServiceProvider services)
    {
        if (services.UsesAirtable()) return $"Airtable base {services.GetRequiredService<IOptions<AirtableOptions>>().Value.BaseId}";
        if (services.UsesPostgres())
        {
            var pg = services.GetRequiredService<OperationCodeMentor.Storage.Postgres.PostgresConnection>();
            // Host and database only: the connection string may carry a password.
            var b = new Npgsql.NpgsqlConnectionStringBuilder(pg.ConnectionString);
            return $"PostgreSQL database {b.Database} on {b.Host}:{b.Port}";
        }
        return $"SQLite at {Path.GetFullPath(services.GetRequiredService<IOptions<StorageOptions>>().Value.SqlitePath)}";
    }

    /// <summary>The versions the store's tables and the work queue's were found at, where they have one (Airtable's base has none).</summary>
    private static IEnumerable<(string What, SchemaVersion Schema)> Schemas(IServiceProvider services)
    {
        if (services.GetRequiredService<IMentorshipStore>() is Storage.Relational.RelationalMentorshipStore { Schema: { } store })
            yield return ("The store's tables", store);
        if (services.GetService<Reliability.WorkQueue>()?.LedgerSchema is { } queue) yield return ("The work queue's tables", queue);
    }

    public static string DescribeSlack(SlackOptions o) =>
        o.IsOffline ? "offline: no Slack:BotToken (SLACK_BOT_TOKEN), so calls to Slack are logged instead of sent"
        : o.UsesSocketMode ? "Socket Mode: the bot connects out to Slack with Slack:AppToken"
        : "HTTP: Slack sends to /slack/commands, /slack/interactions and /slack/events";

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Store: {Store}")]
    private static partial void LogStore(ILogger log, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL statements: {Why}")]
    private static partial void LogStatements(ILogger log, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} were upgraded by a newer release of the bot: schema version {Found}, where this release knows up to {Known}. " +
        "The bot runs on them, but anything that needs the newer release's changes may fail; deploy that release, or a newer one, again as soon as you can")]
    private static partial void LogNewerSchema(ILogger log, string what, int found, int known);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics: {Where}")]
    private static partial void LogMetrics(ILogger log, string where);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack: {Mode}")]
    private static partial void LogSlack(ILogger log, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {Addresses}")]
    private static partial void LogListening(ILogger log, string addresses);
}

/// <summary>
/// The store chosen opens before the bot takes traffic: the Airtable base answers and fits (<see cref="AirtableStartupCheck"/>),
/// PostgreSQL is reachable and migrated, or the embedded database opens (its folder created, its schema migrated).
/// </summary>
public sealed class StoreStartupCheck(IServiceProvider services, IOptions<StorageOptions> options) : IStartupCheck
{
    public async Task CheckAsync(CancellationToken ct)
    {
        if (services.UsesAirtable())
        {
            await services.GetRequiredService<AirtableStartupCheck>().CheckAsync(ct).ConfigureAwait(false);
            return;
        }
        if (services.UsesPostgres())
        {
            await CheckPostgresAsync(ct).ConfigureAwait(false);
            return;
        }
        var path = Path.GetFullPath(options.Value.SqlitePath);
        try
        {
            await services.GetRequiredService<SqliteMentorshipStore>().CheckAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var reason = (e as Microsoft.Data.Sqlite.SqliteException)?.Message ?? e.Message;
            throw new StartupException(
                $"Storage:SqlitePath: the SQLite database at {path} cannot be opened or created ({reason.TrimEnd('.')}); "
                + "make sure its folder exists or can be created, this user may write there and the file is a SQLite database, "
                + "or set Storage:SqlitePath to another file.", e);
        }
    }

    /// <summary>The database is reachable and migrated, or start-up ends in one sentence naming it (never its password).</summary>
    private async Task CheckPostgresAsync(CancellationToken ct)
    {
        try
        {
            await services.GetRequiredService<OperationCodeMentor.Storage.Postgres.PostgresMentorshipStore>().CheckAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StartupException(
                $"{OperationCodeMentor.Storage.Postgres.PostgresConnection.ConnectionStringKey} (or {OperationCodeMentor.Storage.Postgres.PostgresConnection.DatabaseUrlKey}): " +
                $"the {BotStartup.DescribeStore(services)} cannot be used ({e.Message.ReplaceLineEndings(" ").TrimEnd('.')}); " +
                "make sure the server is running and reachable, the user, password and database are right, and the user may create tables there.", e);
        }
    }
}
