using System.Data.Common;
using Npgsql;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage.Relational;

namespace OperationCodeMentor.Storage.Postgres;

/// <summary>
/// The store on a PostgreSQL server, for more than one replica of the bot. The queries and the row mapping are the
/// shared <see cref="RelationalMentorshipStore"/>; this class keeps the connection pool, migrates the schema on first use
/// and numbers requests from a server sequence, so the server decides the winner of a race between threads, processes
/// and machines alike.
/// </summary>
public sealed class PostgresMentorshipStore : RelationalMentorshipStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;

    private readonly TimeProvider _clock;

    public PostgresMentorshipStore(PostgresConnection connection, TimeProvider? clock = null)
    {
        _source = NpgsqlDataSource.Create(PostgresConnection.ForPool(connection.ConnectionString));
        JobDatabase = PostgresConnection.Identity(connection.ConnectionString);
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>How long the option lists are used before being read again.</summary>
    public static readonly TimeSpan OptionListsFor = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Every form opened and every submission checks against the option lists, which hardly ever change (only by editing
    /// the option_items table): each replica reads them at most once a minute rather than on every one of those.
    /// </summary>
    protected override (TimeSpan For, TimeProvider Clock)? OptionListsKept => (OptionListsFor, _clock);

    /// <summary>The job ledger lives in this database too (<see cref="Reliability.PostgresJobLedger"/>).</summary>
    protected override string JobDatabase { get; }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) =>
        await _source.OpenConnectionAsync(ct).ConfigureAwait(false);

    protected override async Task InitialiseAsync()
    {
        await using var c = await _source.OpenConnectionAsync().ConfigureAwait(false);
        await PostgresSchema.MigrateAsync(c, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the next number from the server's sequence, moved past any request stored under a number it did not hand
    /// out; a sequence never gives a number twice, whichever replica asks. One round trip, which also writes the progress
    /// of the job that asks, with the number in it, when it offers it (<see cref="Reliability.ProgressRide"/>).
    /// </summary>
    public override async Task<long> ReserveRequestNumberAsync(CancellationToken ct = default) =>
        (await ReserveAsync(withLoads: false, ct).ConfigureAwait(false)).Number;

    /// <summary>The number and every mentor's load in one round trip (and the asking job's progress, as above).</summary>
    public override Task<(long Number, IReadOnlyList<MentorLoad> Loads)> ReserveRequestNumberWithLoadsAsync(CancellationToken ct = default) =>
        ReserveAsync(withLoads: true, ct);

    private async Task<(long Number, IReadOnlyList<MentorLoad> Loads)> ReserveAsync(bool withLoads, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        const string next = """
            SELECT CASE WHEN n > top THEN n ELSE setval('request_numbers', top + 1) END AS number
            FROM (SELECT nextval('request_numbers') AS n, (SELECT COALESCE(MAX(id), 0) FROM requests) AS top) s
            """;
        // A number is never a job's last write: a ride that would finish its job is left for a change that can.
        var ride = RideOffered(answering: true) is { Finishes: false } answering ? answering : null;
        var reserve = next;
        if (ride is not null)
        {
            // Once, whatever refers to it: a number is taken once and is both answered and written into the progress.
            reserve = $"""
                WITH reserved AS MATERIALIZED (
                {next}
                ), progress AS (
                {Reliability.PostgresJobLedger.RideWrite(ride, "jsonb_set(@rideProgress::jsonb, ARRAY[@rideAt], to_jsonb((SELECT number FROM reserved)))::text")}
                )
                SELECT number, EXISTS (SELECT 1 FROM progress) FROM reserved
                """;
            Reliability.PostgresJobLedger.BindRide(cmd, ride);
            cmd.Parameters.Add(new NpgsqlParameter("rideAt", ride.AnswerAt!));
        }
        cmd.CommandText = withLoads ? $"{MentorLoadSelect} ORDER BY id;\n{reserve}" : reserve;
        var loads = new List<MentorLoad>();
        long number;
        bool written;
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (withLoads)
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false)) loads.Add(ReadMentorLoad(r));
                await r.NextResultAsync(ct).ConfigureAwait(false);
            }
            await r.ReadAsync(ct).ConfigureAwait(false);
            number = r.GetInt64(0);
            written = ride is not null && r.GetBoolean(1);
        }
        if (written) ride!.Committed(number);
        return (number, loads);
    }

    protected override string Greatest(string a, string b) => $"GREATEST({a}, {b})";
}
