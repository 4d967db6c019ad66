using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage.Relational;

namespace OperationCodeMentor.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file, created and seeded on first use. The queries and the row mapping are the shared
/// <see cref="RelationalMentorshipStore"/>; this class opens the file (busy timeout, foreign keys, WAL), creates and
/// migrates its schema, and numbers requests from SQLite's own AUTOINCREMENT counter. Writers in other processes
/// sharing the file wait for each other through the busy timeout; the conditional UPDATE decides who wins.
/// </summary>
public sealed class SqliteMentorshipStore : RelationalMentorshipStore
{
    private const int FirstRequestNumber = 1001;
    private readonly string _connectionString;
    private readonly string _path;

    public SqliteMentorshipStore(IOptions<StorageOptions> options)
    {
        var path = _path = Path.GetFullPath(options.Value.SqlitePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) => await OpenRawAsync(ct).ConfigureAwait(false);

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken ct)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct).ConfigureAwait(false);
        await using var pragma = c.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;";
        await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return c;
    }

    protected override async Task InitialiseAsync()
    {
        // Here rather than in the constructor, so a folder that cannot be made is reported by the start-up check.
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using var c = await OpenRawAsync(CancellationToken.None).ConfigureAwait(false);
        await using (var wal = c.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync().ConfigureAwait(false);
        await using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = SqliteSchema.Create;
            await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        Schema = await SqliteSchema.MigrateAsync(c, tx).ConfigureAwait(false);
        await SeedAsync(c, tx).ConfigureAwait(false);
        await tx.CommitAsync().ConfigureAwait(false);
    }

    private static async Task SeedAsync(SqliteConnection c, SqliteTransaction tx)
    {
        await using var count = c.CreateCommand();
        count.Transaction = tx;
        count.CommandText = "SELECT COUNT(*) FROM option_items";
        if ((long)(await count.ExecuteScalarAsync().ConfigureAwait(false))! > 0) return;

        await using var insert = c.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO option_items(list, name, position) VALUES ($list, $name, $pos)";
        var list = insert.Parameters.Add("$list", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var pos = insert.Parameters.Add("$pos", SqliteType.Integer);
        foreach (var (key, items) in new[] { ("services", DefaultOptionLists.Services), ("skillsets", DefaultOptionLists.Skillsets), ("affiliations", DefaultOptionLists.Affiliations) })
        {
            for (var i = 0; i < items.Count; i++)
            {
                list.Value = key;
                name.Value = items[i];
                pos.Value = i;
                await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }

        // Request references start at R-1001 rather than R-1.
        await using var seq = c.CreateCommand();
        seq.Transaction = tx;
        seq.CommandText = "INSERT INTO sqlite_sequence(name, seq) SELECT 'requests', $n WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'requests')";
        seq.Parameters.AddWithValue("$n", FirstRequestNumber - 1);
        await seq.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Advances the same counter SQLite numbers new rows from, so a reserved number is never handed to another row,
    /// reserved or not.
    /// </summary>
    public override async Task<long> ReserveRequestNumberAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        // The counter's row exists from the database's creation; should it ever be missing, it starts again after the
        // highest request (and never below R-1001) rather than stopping every submission.
        cmd.CommandText = """
            INSERT INTO sqlite_sequence(name, seq)
            SELECT 'requests', MAX($first - 1, (SELECT IFNULL(MAX(id), 0) FROM requests))
            WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'requests');
            """;
        Add(cmd, "$first", FirstRequestNumber);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        cmd.CommandText = """
            UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT IFNULL(MAX(id), 0) FROM requests)) + 1 WHERE name = 'requests'
            RETURNING seq
            """;
        var n = (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return n;
    }

    protected override string Greatest(string a, string b) => $"MAX({a}, {b})";
}
