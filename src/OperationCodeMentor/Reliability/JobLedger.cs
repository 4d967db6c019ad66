using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace OperationCodeMentor.Reliability;

/// <summary>
/// Where the <see cref="WorkQueue"/> writes its jobs. The embedded ledger is a SQLite file of this process's own; the
/// shared one is a table in PostgreSQL that every replica of the bot reads, where a replica leases a request's lane before
/// running its jobs, so a replica that dies leaves its work to the others once its lease runs out.
/// </summary>
public interface IJobLedger
{
    /// <summary>Whether other processes run jobs from this ledger too (and so jobs must be leased before they run).</summary>
    bool Shared { get; }

    /// <summary>
    /// How the store can write a job's progress with its own changes (<see cref="ProgressRide"/>): the database this
    /// ledger shares with it, and the replica whose lease such a write must still find; null when the ledger is a file
    /// of its own.
    /// </summary>
    StoreLink? StoreLink => null;

    /// <summary>
    /// Whether this ledger holds the shared memory of deliveries (<see cref="PostgresDeliveryMemory"/>), and so can write
    /// a job only if its delivery is new, remembering the delivery in the same write (<see cref="DurableWork.Once"/>).
    /// </summary>
    bool RemembersDeliveries => false;

    /// <summary>Whether this ledger can take a job's first step in the write that records it (<see cref="FirstStep"/>).</summary>
    bool TakesFirstSteps => false;

    /// <summary>Creates or migrates what the ledger needs; for a private ledger, returns the jobs left pending by the last run.</summary>
    LedgerStart Open();

    /// <summary>
    /// Writes a batch of new jobs in one transaction. Each entry is the job as written, or null when a job with that key
    /// was already recorded (or repeats an earlier one of the batch), or, where <see cref="RemembersDeliveries"/>, when
    /// its delivery (<see cref="DurableWork.Once"/>) is a repeat. With <paramref name="take"/>, a shared ledger also leases
    /// to this replica, in the same write, the free lanes in which a new job is the only pending one: those jobs come
    /// back <see cref="Job.LeasedHere"/>, to run at once without looking for them.
    /// </summary>
    Task<List<Job?>> InsertAsync(IReadOnlyList<DurableWork> batch, DateTimeOffset now, LaneOffer? take = null);

    /// <summary>Records a failed attempt: the job's attempts, when it is next due and why it failed.</summary>
    Task RecordRetryAsync(Job job, string error);

    /// <summary>Writes what a job has done so far, so an attempt after a crash or on another replica skips it.</summary>
    Task SaveProgressAsync(Job job, JsonObject progress);

    /// <summary>
    /// Marks the job done or failed, and forgets done jobs finished before <paramref name="forgetBefore"/>. A shared ledger
    /// also looks at the lane's next job in the same round trip: when it is due and of a kind in <paramref name="kinds"/>,
    /// the lane stays leased to this replica and that job is returned, to run next; otherwise the lane is let go. The
    /// embedded ledger returns null (its lanes are all in memory).
    /// </summary>
    /// <remarks>
    /// With <paramref name="take"/>, a shared ledger also takes, in the same round trip, a due lane nobody holds in place of
    /// the one let go: its first job comes back in <see cref="LaneHandoff.Taken"/> (of one of the finishes written together).
    /// </remarks>
    Task<LaneHandoff> FinishAsync(Job job, string state, string? error, DateTimeOffset now, DateTimeOffset forgetBefore, IReadOnlyCollection<string> kinds,
        LaneOffer? take = null);

    /// <summary>
    /// A shared ledger only: leases up to <paramref name="limit"/> lanes whose first pending job is due, is of a kind in
    /// <paramref name="kinds"/>, and whose lane is not in <paramref name="held"/>, returning those first jobs, with the
    /// ledger's counts.
    /// </summary>
    /// <param name="finishes">
    /// Finishes put off (<see cref="PutOffFinish"/>), written first in the same round trip, each as
    /// <see cref="FinishAsync"/> writes one (done, its lane handed on); their handoffs come back in
    /// <see cref="Adoption.Finished"/>, in order.
    /// </param>
    /// <param name="counts">
    /// Whether to count the ledger's open jobs too, and find when the next lane held elsewhere frees; when not, the
    /// adoption's counts and <see cref="Adoption.NextFreeAt"/> are left empty and mean nothing. Under load those were the
    /// look's costliest statements, so a replica asks for them once a poll interval rather than at every look.
    /// </param>
    Task<Adoption> AdoptAsync(DateTimeOffset now, DateTimeOffset leaseUntil, IReadOnlyCollection<string> held, IReadOnlyCollection<string> kinds, int limit,
        IReadOnlyList<PutOffFinish>? finishes = null, bool counts = true);

    /// <summary>
    /// Whether a job's finish may be put off to the next look for work (<see cref="AdoptAsync"/>): a shared ledger whose
    /// replica looks anyway every poll, so the finish costs no round trip of its own.
    /// </summary>
    bool PutsOffFinishes => false;

    /// <summary>A shared ledger only: extends the leases on these lanes; returns those whose lease was lost (another replica holds them now).</summary>
    IReadOnlyList<string> Renew(IReadOnlyCollection<string> lanes, DateTimeOffset now, DateTimeOffset leaseUntil);

    /// <summary>The start-up failure to report when <see cref="Open"/> failed: one sentence naming the file or database and what to do.</summary>
    Hosting.StartupException Unusable(Exception e);

    /// <summary>A shared ledger only: gives up the lease on a lane (its job is finished), so any replica may take its next job.</summary>
    void Release(string lane);
}

/// <summary>
/// A replica's offer to take the lanes of the jobs it writes (<see cref="IJobLedger.InsertAsync"/>): until when the
/// lease runs, the lanes it holds already, and how many more it may run at once.
/// </summary>
public sealed record LaneOffer(DateTimeOffset Until, IReadOnlyCollection<string> Held, int Room);

/// <summary>
/// What a finish did with the job's lane on a shared ledger: the lane's next job, when the lane stays with this replica for
/// it (<paramref name="Next"/>); and, when the finish was asked to take lanes (<see cref="LaneOffer"/>), the first jobs of
/// those it took (<paramref name="Taken"/>) and how many the finishes written together asked for (<paramref name="TakeAsked"/>).
/// </summary>
public sealed record LaneHandoff(Job? Next, IReadOnlyList<Job> Taken, int TakeAsked)
{
    public static readonly LaneHandoff None = new(null, [], 0);

    /// <summary>
    /// How many due lanes nobody held the take found, up to <see cref="TakeAsked"/>: fewer means nothing else waits. Fewer
    /// taken than found means some went to a taker racing this one, and others may still be due.
    /// </summary>
    public int TakeDue { get; init; }
}

/// <summary>
/// A job done on a shared ledger whose finish waits for the replica's next look for work (<see cref="IJobLedger.AdoptAsync"/>)
/// instead of taking a round trip of its own: everything it did is on disk or in Slack already, and only the mark that it
/// is done is to come. Its lane stays leased to the replica meanwhile. Should the replica die first, another takes the job
/// once the lease has run out and replays it, as after any crash before a finish: its messages are read back, not sent again.
/// </summary>
/// <param name="At">When the job was done, as its finish records.</param>
/// <param name="ForgetBefore">Done jobs finished before this are forgotten in the same write.</param>
public sealed record PutOffFinish(Job Job, DateTimeOffset At, DateTimeOffset ForgetBefore);

/// <summary>What a ledger holds when the queue starts.</summary>
/// <param name="Pending">The jobs this process is to run (a private ledger's pending jobs; none for a shared one, whose jobs are leased).</param>
/// <param name="Waiting">How many jobs are pending in the ledger, whoever runs them.</param>
public sealed record LedgerStart(IReadOnlyList<Job> Pending, int Failed, int Waiting)
{
    /// <summary>The version the ledger's tables were at when opened, beside the newest this release knows.</summary>
    public Storage.SchemaVersion? Schema { get; init; }
}

/// <summary>What a shared ledger's adoption pass found: the jobs now leased to this replica, and the ledger's counts.</summary>
public sealed record Adoption(IReadOnlyList<Job> Jobs, int Pending, int Failed, DateTimeOffset? OldestCreatedAt)
{
    /// <summary>What each finish the pass carried (<see cref="PutOffFinish"/>) did with its lane, in the order given.</summary>
    public IReadOnlyList<LaneHandoff> Finished { get; init; } = [];

    /// <summary>When work this replica could not take now becomes takeable (a job falls due, a dead replica's lease ends); null when none waits.</summary>
    public DateTimeOffset? NextFreeAt { get; init; }

    /// <summary>
    /// How many due lanes nobody held the pass found, up to the limit it was given: fewer means nothing else waits. It may
    /// have taken fewer than it found (<see cref="Jobs"/>), when another taker got to a lane first; others may still be due.
    /// </summary>
    public int Due { get; init; }
}

/// <summary>The embedded ledger: a SQLite file of this process's own, flushed to disk before Slack hears "ok".</summary>
public sealed class SqliteJobLedger(string path) : IJobLedger
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();

    public string Path => path;

    public bool Shared => false;

    private SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var pragma = c.CreateCommand();
        // FULL: a job is on disk before the acknowledgement goes back to Slack.
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL;";
        pragma.ExecuteNonQuery();
        return c;
    }

    /// <summary>Changes to the file after its first version; <c>PRAGMA user_version</c> counts those applied.</summary>
    private static readonly string[] Migrations =
    [
        // Lanes: jobs of one request run in order, other requests' beside them. Jobs written before lanes were submissions.
        """
        ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT 'intake';
        ALTER TABLE jobs ADD COLUMN actor TEXT;
        ALTER TABLE jobs ADD COLUMN origin TEXT;
        """,
        // Done jobs stay a day for their keys, and every finish forgets the ones past that: without this the forgetting
        // read every done job through the state index, a cost that grew with the day's traffic on every finish.
        """
        CREATE INDEX IF NOT EXISTS ix_jobs_done ON jobs (finished_at) WHERE state = 'done';
        """,
    ];

    /// <summary>
    /// Forgets the done jobs finished before <c>$forget</c>, through the done jobs' own index: the planner, without
    /// statistics, would take the state index and read every done job kept.
    /// </summary>
    internal const string ForgetDoneSql = "DELETE FROM jobs INDEXED BY ix_jobs_done WHERE state = 'done' AND finished_at < $forget;";

    public LedgerStart Open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode = WAL;";
        cmd.ExecuteNonQuery();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS jobs (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                kind            TEXT    NOT NULL,
                key             TEXT    NOT NULL UNIQUE,
                payload         TEXT    NOT NULL,
                progress        TEXT    NOT NULL DEFAULT '{}',
                state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                created_at      INTEGER NOT NULL,
                finished_at     INTEGER,
                last_error      TEXT
            );
            CREATE INDEX IF NOT EXISTS ix_jobs_pending ON jobs (state, id);
            """;
        cmd.ExecuteNonQuery();
        cmd.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        for (var i = version; i < Migrations.Length; i++)
        {
            using var tx = c.BeginTransaction();
            using var step = c.CreateCommand();
            step.Transaction = tx;
            step.CommandText = Migrations[i] + $"; PRAGMA user_version = {i + 1};";
            step.ExecuteNonQuery();
            tx.Commit();
        }

        cmd.CommandText = """
            SELECT id, kind, key, lane, actor, origin, payload, progress, attempts, created_at, next_attempt_at
            FROM jobs WHERE state = 'pending' ORDER BY id
            """;
        var pending = new List<Job>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
                pending.Add(new Job(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), (JsonObject)JsonNode.Parse(r.GetString(6))!, (JsonObject)JsonNode.Parse(r.GetString(7))!,
                    r.GetInt32(8), FromDb(r.GetInt64(9)), FromDb(r.GetInt64(10))));
        }
        cmd.CommandText = "SELECT COUNT(*) FROM jobs WHERE state = 'failed'";
        var failed = Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        return new LedgerStart(pending, failed, pending.Count) { Schema = new Storage.SchemaVersion(version, Migrations.Length) };
    }

    // The embedded ledger is a local file: its calls finish on the caller's thread, as SQLite's own async calls would.
    public Task<List<Job?>> InsertAsync(IReadOnlyList<DurableWork> batch, DateTimeOffset now, LaneOffer? take = null) => Task.FromResult(Insert(batch, now));

    public Task RecordRetryAsync(Job job, string error)
    {
        RecordRetry(job, error);
        return Task.CompletedTask;
    }

    public Task SaveProgressAsync(Job job, JsonObject progress)
    {
        SaveProgress(job, progress);
        return Task.CompletedTask;
    }

    public Task<LaneHandoff> FinishAsync(Job job, string state, string? error, DateTimeOffset now, DateTimeOffset forgetBefore, IReadOnlyCollection<string> kinds,
        LaneOffer? take = null)
    {
        Finish(job, state, error, now, forgetBefore);
        return Task.FromResult(LaneHandoff.None);
    }

    private List<Job?> Insert(IReadOnlyList<DurableWork> batch, DateTimeOffset now)
    {
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO jobs(kind, key, lane, actor, origin, payload, next_attempt_at, created_at)
            VALUES ($kind, $key, $lane, $actor, $origin, $payload, $now, $now)
            ON CONFLICT(key) DO NOTHING
            RETURNING id
            """;
        var kind = cmd.Parameters.Add("$kind", SqliteType.Text);
        var key = cmd.Parameters.Add("$key", SqliteType.Text);
        var lane = cmd.Parameters.Add("$lane", SqliteType.Text);
        var actor = cmd.Parameters.Add("$actor", SqliteType.Text);
        var origin = cmd.Parameters.Add("$origin", SqliteType.Text);
        var payload = cmd.Parameters.Add("$payload", SqliteType.Text);
        cmd.Parameters.AddWithValue("$now", ToDb(now));
        var jobs = new List<Job?>(batch.Count);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in batch)
        {
            kind.Value = w.Kind;
            key.Value = w.Key;
            lane.Value = w.Lane;
            actor.Value = (object?)w.Actor ?? DBNull.Value;
            origin.Value = (object?)w.Origin ?? DBNull.Value;
            payload.Value = w.Payload.ToJsonString();
            // The same key twice in one batch is a repeat too.
            jobs.Add(keys.Add(w.Key) && cmd.ExecuteScalar() is long id
                ? new Job(id, w.Kind, w.Key, w.Lane, w.Actor, w.Origin, (JsonObject)w.Payload.DeepClone(), [], 0, now, now)
                : null);
        }
        tx.Commit();
        return jobs;
    }

    private void RecordRetry(Job job, string error)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE jobs SET attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE id = $id";
        cmd.Parameters.AddWithValue("$attempts", job.Attempts);
        cmd.Parameters.AddWithValue("$next", ToDb(job.NextAttemptAt));
        cmd.Parameters.AddWithValue("$error", error);
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.ExecuteNonQuery();
    }

    private void SaveProgress(Job job, JsonObject progress)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE jobs SET progress = $p WHERE id = $id";
        cmd.Parameters.AddWithValue("$p", progress.ToJsonString());
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.ExecuteNonQuery();
    }

    private void Finish(Job job, string state, string? error, DateTimeOffset now, DateTimeOffset forgetBefore)
    {
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            UPDATE jobs SET state = $state, finished_at = $now, last_error = $error, attempts = attempts + 1 WHERE id = $id;
            """ + ForgetDoneSql;
        cmd.Parameters.AddWithValue("$state", state);
        cmd.Parameters.AddWithValue("$now", ToDb(now));
        cmd.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.Parameters.AddWithValue("$forget", ToDb(forgetBefore));
        cmd.ExecuteNonQuery();
    }

    public Task<Adoption> AdoptAsync(DateTimeOffset now, DateTimeOffset leaseUntil, IReadOnlyCollection<string> held, IReadOnlyCollection<string> kinds, int limit,
        IReadOnlyList<PutOffFinish>? finishes = null, bool counts = true) =>
        throw new NotSupportedException("The embedded ledger belongs to one process; its jobs are never leased.");

    public IReadOnlyList<string> Renew(IReadOnlyCollection<string> lanes, DateTimeOffset now, DateTimeOffset leaseUntil) => [];

    public void Release(string lane)
    {
    }

    public Hosting.StartupException Unusable(Exception e) => new(
        $"the data folder is not usable: the queue file {path} cannot be opened or created ({e.Message.TrimEnd('.')}); "
        + "make sure its folder (by default the one holding Storage:SqlitePath) exists or can be created and this user may write there, "
        + "or set Storage:SqlitePath (or Reliability:QueuePath) to a writable place.", e);

    internal static long ToDb(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    internal static DateTimeOffset FromDb(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
