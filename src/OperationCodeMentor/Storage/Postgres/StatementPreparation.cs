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

    /// <summary>How long each of the probe's statements may take: a server that does not answer in time fails start-up rather than hanging it.</summary>
    internal const int ProbeTimeoutSeconds = 5;

    /// <summary>
    /// How many times the probe tries to catch a pooler handing sessions round. Other clients at work through the pooler
    /// can hand <c>a</c> its old session back by chance: with 3 tries, 7 probes of 300 missed a PgBouncer whose four
    /// sessions four other clients kept busy; with 10, none of 1,000 in each of four such runs. A try where there is no
    /// pooler is three short statements; the whole probe took about 50 ms over a unix socket, most of it connecting.
    /// </summary>
    internal const int ProbeRounds = 10;

    internal static StatementPreparation? Given(string connectionString) =>
        !PostgresConnection.Sets(connectionString, "Max Auto Prepare", "MaxAutoPrepare") ? null
        : new NpgsqlConnectionStringBuilder(connectionString).MaxAutoPrepare > 0
            ? new(true, "prepared, as Max Auto Prepare in the connection string asks")
            : new(false, "not prepared, as Max Auto Prepare=0 in the connection string asks");

    /// <summary>
    /// Asks the server whether one connection keeps its session from one transaction to the next, as a direct connection
    /// (or a pooler in session mode) does. Two connections of their own, outside the pools: <c>a</c> reads its session's
    /// process id; <c>b</c> opens a transaction and reads its own; then <c>a</c> reads again while <c>b</c> holds its
    /// session. Directly, <c>b</c> can never have <c>a</c>'s session and <c>a</c> never changes. A pooler that lends a
    /// session per transaction shows one or the other: it hands <c>b</c> the session <c>a</c> just left when it reuses the
    /// most recently freed one (PgBouncer's default), and another one to <c>a</c> when it takes the oldest free one.
    /// Nothing is written.
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
        using var a = new NpgsqlConnection(own);
        a.Open();
        using var b = new NpgsqlConnection(own);
        b.Open();
        for (var round = 0; round < ProbeRounds; round++)
        {
            var first = Session(a);
            using var held = b.BeginTransaction();
            // Checked before a reads again: with a single server session, a would wait for b's.
            if (Session(b) == first || Session(a) != first) return Pooled;
            held.Commit();
        }
        return new(true, $"prepared (the {Kept} most used per connection): the connection keeps its server session from one transaction to the next");
    }

    private static readonly StatementPreparation Pooled = new(false,
        "not prepared: a pooler hands each transaction whichever server session is free, and a prepared statement stays in its session " +
        $"(if the pooler carries prepared statements, as PgBouncer 1.21 or later with max_prepared_statements set does, add Max Auto Prepare={Kept} to the connection string)");

    private static int Session(NpgsqlConnection c)
    {
        using var cmd = new NpgsqlCommand("SELECT pg_backend_pid()", c);
        return (int)cmd.ExecuteScalar()!;
    }
}
