using Npgsql;

namespace OperationCodeMentor.Storage.Postgres;

/// <summary>
/// Whether the bot's pools prepare the statements they repeat (Npgsql's <c>Max Auto Prepare</c>), and why: the first
/// lines of the log say it. The bot sends a few dozen statements again and again, and a prepared one is parsed and
/// planned once per connection rather than every time (bench/ackread.sh: a Claim click's write took 1.5–1.6 ms at the
/// median prepared against 2.1–2.4 ms not; a press's first read then goes with that write, a round trip less).
/// A prepared statement lives in a server session, so a pooler that hands each transaction whichever session is free
/// (PgBouncer in transaction mode before 1.21, and the pooled addresses of hosted databases) cannot carry it: behind
/// one, the statements are not prepared.
/// </summary>
public sealed record StatementPreparation(bool Prepares, string Why)
{
    /// <summary>How many statements each connection keeps prepared: the ones the bot sends most (Npgsql keeps the most used).</summary>
    public const int Kept = 20;

    /// <summary>How long the probe's statement may take: a server that does not answer in time fails start-up rather than hanging it.</summary>
    internal const int ProbeTimeoutSeconds = 5;

    internal static StatementPreparation? Given(string connectionString) =>
        !PostgresConnection.Sets(connectionString, "Max Auto Prepare", "MaxAutoPrepare") ? null
        : new NpgsqlConnectionStringBuilder(connectionString).MaxAutoPrepare > 0
            ? new(true, "prepared, as Max Auto Prepare in the connection string asks")
            : new(false, "not prepared, as Max Auto Prepare=0 in the connection string asks");

    /// <summary>
    /// Asks whether the connection reaches a server session of its own, as a direct connection does, or a pooler that
    /// answers for the server. When a connection opens, the server gives it a key for cancelling its statements, made of its
    /// session's process id. A pooler cannot pass a session's key on, since it lends sessions round, so it gives each client
    /// a key of its own (PgBouncer a random one): where the key's process id is not the session's own
    /// (<c>pg_backend_pid()</c>), a pooler stands between, and nothing is prepared. That holds whatever the pooler's mode,
    /// and however busy it is; a pooler that keeps one session per client (session mode) or carries prepared statements is
    /// told to prepare by the connection string. One connection of its own, outside the pools, and one statement; nothing
    /// is written.
    /// </summary>
    internal static StatementPreparation Probe(string connectionString)
    {
        var own = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            MaxAutoPrepare = 0,
            CommandTimeout = ProbeTimeoutSeconds,
            ApplicationName = "operation-code-mentor probe",
        }.ConnectionString;
        // Not reaching the server, or no answer in time, is the caller's failure: at start-up, one sentence naming the database.
        using var connection = new NpgsqlConnection(own);
        connection.Open();
        return connection.ProcessID == Session(connection)
            ? new(true, $"prepared (the {Kept} most used per connection): the connection has a server session of its own, kept from one transaction to the next")
            : Pooled;
    }

    private static readonly StatementPreparation Pooled = new(false,
        "not prepared: a pooler stands between (the connection's cancel key is the pooler's, not its server session's), and a pooler in transaction " +
        "mode hands each transaction whichever server session is free, while a prepared statement stays in its session (if the pooler keeps one " +
        "session per client, or carries prepared statements, as PgBouncer 1.21 or later with max_prepared_statements set does, add " +
        $"Max Auto Prepare={Kept} to the connection string)");

    private static int Session(NpgsqlConnection c)
    {
        using var cmd = new NpgsqlCommand("SELECT pg_backend_pid()", c);
        return (int)cmd.ExecuteScalar()!;
    }
}
