using Npgsql;

namespace OperationCodeMentor.Storage.Postgres;

/// <summary>
/// Numbered migrations on PostgreSQL, for the store's tables and the work queue's alike: each set records the steps it has
/// run in a table of its own, and is brought up to its last step in one transaction with those records. Replicas starting
/// together queue on an advisory lock the transaction holds, so each step runs once. The lock is the transaction's, not
/// the session's: behind a pooler that hands each transaction whichever server session is free (PgBouncer in transaction
/// mode, as hosted databases offer), a session's lock would be taken on one session, released (or not) on another, and
/// left held, stopping every later start. A failed step leaves nothing half done.
/// </summary>
internal static class PostgresMigrations
{
    /// <param name="lockKey">The set's own advisory lock: any fixed number, another for each set.</param>
    /// <param name="table">Where the set records the steps run (a name of the bot's, never input).</param>
    /// <param name="afterStep">Run in the same transaction after step <c>i</c> (zero-based), such as seeding a new database.</param>
    public static async Task<SchemaVersion> ApplyAsync(NpgsqlConnection c, long lockKey, string table, IReadOnlyList<string> migrations,
        Func<int, NpgsqlTransaction, Task>? afterStep = null, CancellationToken ct = default)
    {
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var setup = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock(@lock);
            CREATE TABLE IF NOT EXISTS {table} (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
            """, c, tx))
        {
            setup.Parameters.AddWithValue("lock", lockKey);
            await setup.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        int version;
        await using (var read = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {table}", c, tx))
            version = Convert.ToInt32(await read.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = version; i < migrations.Count; i++)
        {
            await using var step = new NpgsqlCommand(migrations[i] + $"; INSERT INTO {table}(version) VALUES ({i + 1})", c, tx);
            await step.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            if (afterStep is not null) await afterStep(i, tx).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new SchemaVersion(version, migrations.Count);
    }
}
