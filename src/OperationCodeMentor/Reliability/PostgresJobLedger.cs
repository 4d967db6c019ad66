using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace OperationCodeMentor.Reliability;

/// <summary>
/// The ledger shared by every replica when PostgreSQL holds the data. Jobs of one lane (one request) run one at a time and
/// in order, on whichever replica holds the lane's lease. A replica takes a lane by writing its name and a lease expiry
/// on the lane's row; the write only succeeds on a row that is free or whose lease ran out, and the server decides between
/// two replicas writing at once. The holder renews its leases while it lives and frees a lane when its job is done; a
/// replica that dies simply stops renewing, and another takes the lane once the lease has passed.
/// </summary>
public sealed class PostgresJobLedger : IJobLedger, IAsyncDisposable
{
    /// <summary>Any fixed number, other than the store's: the advisory lock a starting replica takes before migrating these tables.</summary>
    private const long MigrationLock = 0x4F434D_5155;

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE work_jobs (
            id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind            TEXT    NOT NULL,
            key             TEXT    NOT NULL UNIQUE,
            lane            TEXT    NOT NULL,
            actor           TEXT,
            origin          TEXT,
            payload         TEXT    NOT NULL,
            progress        TEXT    NOT NULL DEFAULT '{}',
            state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at BIGINT  NOT NULL,
            created_at      BIGINT  NOT NULL,
            finished_at     BIGINT,
            last_error      TEXT
        );
        CREATE INDEX ix_work_jobs_pending ON work_jobs (lane, id) WHERE state = 'pending';
        CREATE INDEX ix_work_jobs_done ON work_jobs (finished_at) WHERE state = 'done';
        CREATE TABLE work_lanes (
            lane        TEXT PRIMARY KEY,
            leased_by   TEXT,
            lease_token UUID,
            lease_until BIGINT
        );
        CREATE TABLE seen_deliveries (
            key        TEXT   PRIMARY KEY,
            expires_at BIGINT NOT NULL
        );
        CREATE INDEX ix_seen_deliveries_expiry ON seen_deliveries (expires_at);
        """,
        // Done jobs stay a day (their keys keep a repeat from running twice), and every replica counts the open ones (at
        // each look for work when this was added): without this the count read the whole day's jobs, and the dead rows
        // their updates left.
        """
        CREATE INDEX ix_work_jobs_open ON work_jobs (state, created_at) WHERE state <> 'done';
        """,
        // A job's row is written again while it runs: taken (its untried mark removed), then its progress after each
        // message it sends. None of those writes changes an indexed column, so PostgreSQL can keep each new version on
        // the row's own page without touching the table's five indexes, but only if the page has room. Rows are about
        // 1.5 KB (the press's payload), so a full page has none: every such write went to another page and wrote an
        // entry in every index (five WAL records instead of one), and the queue's partial indexes filled with entries
        // for versions already gone. Half of each new page is left for them. Pages written before keep their rows.
        """
        ALTER TABLE work_jobs SET (fillfactor = 50);
        """,
    ];

    /// <summary>
    /// The pending and failed jobs and the oldest pending one's age, for the health page and the metrics; read by
    /// the partial index ix_work_jobs_open, so its cost follows the open jobs, not the day of done ones.
    /// </summary>
    internal const string OpenCounts = """
        SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'failed'), MIN(created_at) FILTER (WHERE state = 'pending')
        FROM work_jobs WHERE state <> 'done'
        """;

    /// <summary>How long the insert on the acknowledgement path may take once connected.</summary>
    private const int AckTimeoutSeconds = 2;

    private readonly Storage.Postgres.PostgresConnection _connection;
    private readonly Storage.Postgres.PoolOnFirstUse _pool;
    private int _finishes;

    public PostgresJobLedger(string connectionString, string? replica = null)
        : this(new Storage.Postgres.PostgresConnection(connectionString), replica)
    {
    }

    public PostgresJobLedger(Storage.Postgres.PostgresConnection connection, string? replica = null)
    {
        // The queue is written on the acknowledgement path: the pool gives up connecting in time for Slack's 3 seconds.
        // Made on first use (opening the queue, at start-up), when whether it prepares its statements is decided.
        _connection = connection;
        _pool = new Storage.Postgres.PoolOnFirstUse(connection);
        Replica = replica ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        StoreLink = new StoreLink(Storage.Postgres.PostgresConnection.Identity(connection.ConnectionString), Replica);
        _finishing = new Together<PendingFinish, LaneHandoff>(FinishAllAsync);
    }

    /// <summary>This replica's name on the lanes it leases: host, process and a random part, so a restarted process is someone new.</summary>
    public string Replica { get; }

    public bool Shared => true;

    /// <summary>The store is on the same database (both are made from one connection string), so it can write a job's progress with its changes.</summary>
    public StoreLink StoreLink { get; }

    internal NpgsqlDataSource Source => _pool.Value;

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    public Hosting.StartupException Unusable(Exception e)
    {
        var b = new NpgsqlConnectionStringBuilder(_connection.ConnectionString);
        return new Hosting.StartupException(
            $"{Storage.Postgres.PostgresConnection.ConnectionStringKey} (or {Storage.Postgres.PostgresConnection.DatabaseUrlKey}): " +
            $"the PostgreSQL database {b.Database} on {b.Host}:{b.Port} cannot be used for the work queue ({e.Message.ReplaceLineEndings(" ").TrimEnd('.')}); " +
            "make sure the server is running and reachable, the user, password and database are right, and the user may create tables there.", e);
    }

    public LedgerStart Open()
    {
        using var c = Source.OpenConnection();
        // As the store migrates its own tables. The queue opens while the host builds its services, with no
        // synchronisation context to block, so waiting here is safe.
        var schema = Storage.Postgres.PostgresMigrations.ApplyAsync(c, MigrationLock, "work_queue_migrations", Migrations).GetAwaiter().GetResult();
        // Pending jobs are not loaded: they are leased lane by lane, by whichever replica gets there first.
        using var count = new NpgsqlCommand(OpenCounts, c);
        using var r = count.ExecuteReader();
        r.Read();
        return new LedgerStart([], (int)r.GetInt64(1), (int)r.GetInt64(0)) { Schema = schema };
    }

    public bool RemembersDeliveries => true;

    /// <summary>The store's tables are in this database: a job's first read can go with its write.</summary>
    public bool TakesFirstSteps => true;

    // The statement texts used on every press and every job are built once: a text rebuilt per call is garbage the
    // collector must clear while Slack waits for answers.
    private static readonly string InsertSql = $"""
        WITH n AS (
            SELECT * FROM unnest(@kind, @key, @lane, @actor, @origin, @payload, @now, @seen, @seenUntil)
                   AS n(kind, key, lane, actor, origin, payload, due, seen, seen_until)
        ), taken AS (
            {TakeDeliveries("SELECT seen, seen_until FROM n WHERE seen IS NOT NULL", "@nowMs")}
        ), written AS (
            INSERT INTO work_jobs(kind, key, lane, actor, origin, payload, next_attempt_at, created_at)
            SELECT kind, key, lane, actor, origin, payload, due, due FROM n
            WHERE seen IS NULL OR seen IN (SELECT key FROM taken)
            ON CONFLICT (key) DO NOTHING
            RETURNING id, key, lane
        ), alone AS (
            -- Lanes whose only pending job is new here (no earlier one as the statement began), not held here already
            -- (a lane whose job is finishing here is not in @held: its finish may have let it go on disk).
            SELECT w.lane, MIN(w.id) AS head FROM written w
            WHERE @take AND w.lane <> ALL(@held)
              AND NOT EXISTS (SELECT 1 FROM work_jobs p WHERE p.lane = w.lane AND p.state = 'pending')
            GROUP BY w.lane ORDER BY w.lane LIMIT @room
        ), leased AS (
            INSERT INTO work_lanes AS l (lane, leased_by, lease_token, lease_until)
            SELECT lane, @me, @token, @until FROM alone ORDER BY lane
            ON CONFLICT (lane) DO UPDATE SET leased_by = EXCLUDED.leased_by, lease_token = EXCLUDED.lease_token, lease_until = EXCLUDED.lease_until
            WHERE l.leased_by IS NULL OR l.lease_until < @nowMs
            RETURNING lane
        )
        SELECT w.id, w.key, w.id IN (SELECT a.head FROM alone a JOIN leased USING (lane)) FROM written w
        """;

    public async Task<List<Job?>> InsertAsync(IReadOnlyList<DurableWork> batch, DateTimeOffset now, LaneOffer? take = null)
    {
        // One statement for the whole batch, atomic on its own: a burst of clicks costs one round trip and one commit. A
        // job from a delivery (a click) is written only when the delivery is taken in the same statement: new, or its
        // earlier sighting expired (as PostgresDeliveryMemory takes one); a repeat within the window writes nothing.
        await using var batchCmd = Source.CreateBatch();
        batchCmd.Timeout = AckTimeoutSeconds;
        var cmd = new NpgsqlBatchCommand(InsertSql);
        batchCmd.BatchCommands.Add(cmd);
        var fresh = new List<DurableWork>(batch.Count);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        // A delivery twice in one batch (a double click within one write): the first is taken, the second is its repeat.
        var deliveries = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in batch)
            if (keys.Add(w.Key) && (w.Once is null || deliveries.Add(w.Once.Key))) fresh.Add(w);
        var ms = now.ToUnixTimeMilliseconds();
        cmd.Parameters.AddWithValue("nowMs", ms);
        // The replica that writes a job takes its lane when nobody holds it and nothing waits in it: the job runs here at
        // once, with no look for work in between.
        cmd.Parameters.AddWithValue("take", take is not null && take.Room > 0);
        cmd.Parameters.Add(new NpgsqlParameter("held", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = take?.Held.ToArray() ?? [] });
        cmd.Parameters.AddWithValue("room", Math.Max(take?.Room ?? 0, 0));
        cmd.Parameters.AddWithValue("me", Replica);
        var token = Guid.NewGuid();
        cmd.Parameters.AddWithValue("token", token);
        cmd.Parameters.AddWithValue("until", (take?.Until ?? now).ToUnixTimeMilliseconds());
        cmd.Parameters.Add(new NpgsqlParameter("seen", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Once?.Key).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("seenUntil", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = fresh.Select(w => w.Once is { } once ? (now + once.Window).ToUnixTimeMilliseconds() : (long?)null).ToArray(),
        });
        cmd.Parameters.Add(new NpgsqlParameter("kind", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Kind).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Key).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("lane", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Lane).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Actor).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("origin", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Origin).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fresh.Select(w => w.Payload.ToJsonString()).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = fresh.Select(_ => ms).ToArray() });
        // The jobs' first steps, taken after they are written, in the same round trip (FirstStep): for the first new job of
        // each lane only. A step needs the job before it in the lane to have taken its own, so the next ones in this write
        // could not take theirs, and every statement costs the server a plan while Slack waits.
        var steps = take is not null
            ? fresh.Where(w => w.FirstStep is { } step && (!step.OnlyWhereLeased || take.Room > 0 && !take.Held.Contains(w.Lane))).DistinctBy(w => w.Lane).ToList()
            : [];
        var stepFor = steps.Select(w => w.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var w in steps)
            foreach (var read in w.FirstStep!.Statements(new FirstStepWrite(w.Key, w.Lane, Replica, token))) batchCmd.BatchCommands.Add(read);
        var ids = new Dictionary<string, (long Id, bool Leased)>(StringComparer.Ordinal);
        await using (var r = await batchCmd.ExecuteReaderAsync().ConfigureAwait(false))
        {
            while (await r.ReadAsync().ConfigureAwait(false)) ids[r.GetString(1)] = (r.GetInt64(0), r.GetBoolean(2));
            foreach (var w in steps)
            {
                await r.NextResultAsync().ConfigureAwait(false);
                await w.FirstStep!.ReadAsync(r).ConfigureAwait(false);
                w.FirstStep.TakenAt = now;
            }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // A job whose lane this write leased runs here at once: nobody has tried it, and what its first step wrote is its
        // progress. A job written behind another keeps the step it took (its progress is read again when its turn comes),
        // for the queue to hand it then; a step that took nothing is dropped.
        return batch.Select(w => seen.Add(w.Key) && ids.TryGetValue(w.Key, out var row)
            ? new Job(row.Id, w.Kind, w.Key, w.Lane, w.Actor, w.Origin, (JsonObject)w.Payload.DeepClone(),
                row.Leased && stepFor.Contains(w.Key) && w.FirstStep?.Progress is { } written ? (JsonObject)written.DeepClone() : [], 0, now, now)
            {
                LeasedHere = row.Leased,
                Untried = row.Leased,
                FirstStep = stepFor.Contains(w.Key) && (row.Leased || w.FirstStep?.Progress is not null) ? w.FirstStep : null,
            }
            : null).ToList();
    }

    /// <summary>
    /// Takes deliveries (<see cref="PostgresDeliveryMemory"/>) from <paramref name="rows"/> (key, expiry), answering the keys
    /// taken: one new, or one whose earlier sighting has expired by <paramref name="now"/>; a repeat within its window
    /// changes nothing. The server decides between replicas that see the same delivery at once.
    /// </summary>
    internal static string TakeDeliveries(string rows, string now) => $"""
        INSERT INTO seen_deliveries AS s (key, expires_at) {rows}
        ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE s.expires_at <= {now}
        RETURNING key
        """;

    /// <summary>Forgets the deliveries whose window has passed by <c>@now</c>.</summary>
    internal const string ForgetDeliveries = "DELETE FROM seen_deliveries WHERE expires_at <= @now";

    /// <summary>Forgets the jobs finished before <paramref name="before"/> (an SQL parameter), as every finish does.</summary>
    private static string ForgetDone(string before) => $"DELETE FROM work_jobs WHERE state = 'done' AND finished_at < {before}";

    /// <summary>
    /// The condition every write about a running job carries: the replica running it still holds the job's lane (the SQL
    /// parameters named). A replica frozen past its lease (a paused VM) finds another holding it and must not overwrite
    /// what that one records.
    /// </summary>
    private static string HeldBy(string lane, string replica) => $"EXISTS (SELECT 1 FROM work_lanes l WHERE l.lane = {lane} AND l.leased_by = {replica})";

    private static readonly string StillHeld = HeldBy("@lane", "@me");

    /// <summary>
    /// For a store writing a job's progress in its own statement (<see cref="ProgressRide"/>): the UPDATE of the job's row
    /// to <paramref name="progress"/> (an SQL expression), made only while the job's replica still holds its lane and
    /// <paramref name="also"/> is true; it returns a row when it wrote. A ride that finishes the job marks it done too, as
    /// <see cref="FinishAsync"/> does. Its parameters are bound by <see cref="BindRide"/>.
    /// </summary>
    internal static string RideWrite(ProgressRide ride, string progress, string also = "TRUE") => $"""
        UPDATE work_jobs SET progress = {progress}{(ride.Finishes ? ", state = 'done', finished_at = @rideNow, last_error = NULL, attempts = attempts + 1" : "")}
        WHERE id = @rideJob AND state = 'pending' AND {HeldBy("@rideLane", "@rideHolder")} AND {also}
        RETURNING 1
        """;

    /// <summary>
    /// What follows a ride that finishes its job (<see cref="ProgressRide.Finishes"/>), in the same transaction: the
    /// lane handed on (<see cref="Handoff"/>), only if the job is now done, and old jobs forgotten. It answers the lane's
    /// next job when this replica keeps the lane for it (<see cref="ReadJob"/>); null for a ride that does not finish.
    /// </summary>
    internal static string? RideFinish(ProgressRide ride) => ride.Finishes
        ? $"""
            {Handoff("@rideLane", "@rideHolder", "@rideNow", "@rideKinds", "EXISTS (SELECT 1 FROM work_jobs WHERE id = @rideJob AND state = 'done')")};
            {ForgetDone("@rideForget")}
            """
        : null;

    /// <summary>The parameters of <see cref="RideWrite"/> and <see cref="RideFinish"/>: the job, its lane and replica, and the progress offered (<c>@rideProgress</c>).</summary>
    internal static void BindRide(System.Data.Common.DbCommand cmd, ProgressRide ride)
    {
        var values = new List<(string, object)> { ("rideJob", ride.JobId), ("rideLane", ride.Lane), ("rideHolder", ride.Holder), ("rideProgress", ride.Json) };
        if (ride.Finishes)
        {
            var now = ride.Link.Clock.GetUtcNow();
            values.Add(("rideNow", now.ToUnixTimeMilliseconds()));
            values.Add(("rideForget", (now - ride.Link.RememberDone).ToUnixTimeMilliseconds()));
            values.Add(("rideKinds", ride.Link.Kinds.ToArray()));
        }
        foreach (var (name, value) in values)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
    }

    /// <summary>
    /// A finished job's lane, handed on (its parameters named): to the lane's next job when this replica still holds the
    /// lane and that job is due and of a kind it runs, returned to run next; otherwise the lane is let go, for its next job
    /// on any replica. One statement, so both parts see the same jobs: a job written by another replica in between is
    /// either carried on here or found in a free lane, never left in a lane this replica keeps but does not know it holds.
    /// The job carried on is taken to run, so it loses its untried mark (<see cref="Tried"/>). Only when
    /// <paramref name="finished"/> (an SQL condition) holds.
    /// </summary>
    private static string Handoff(string lane, string me, string now, string kinds, string finished = "TRUE") => $"""
        WITH head AS (
            SELECT * FROM work_jobs WHERE lane = {lane} AND state = 'pending' ORDER BY id LIMIT 1
        ), next AS (
            SELECT h.* FROM head h
            WHERE {finished} AND h.next_attempt_at <= {now} AND h.kind = ANY({kinds}) AND {HeldBy(lane, me)}
        ), tried AS (
            {Tried("next")}
        ), released AS (
            UPDATE work_lanes SET leased_by = NULL, lease_token = NULL, lease_until = NULL
            WHERE lane = {lane} AND leased_by = {me} AND {finished} AND NOT EXISTS (SELECT 1 FROM next)
            RETURNING lane
        )
        SELECT id, kind, key, lane, actor, origin, payload, progress, attempts, created_at, next_attempt_at FROM next
        """;

    /// <summary>
    /// Removes the <see cref="Job.UntriedMark"/> from the jobs in <paramref name="taken"/> (a CTE with their ids and progress),
    /// in the statement that takes them to run: whoever takes a job next finds it tried. The taker reads the progress as it
    /// was, mark and all (<see cref="ReadJob"/>).
    /// </summary>
    private static string Tried(string taken) => $"""
        UPDATE work_jobs j SET progress = (j.progress::jsonb - '{Job.UntriedMark}')::text
        FROM {taken} t WHERE j.id = t.id AND (t.progress::jsonb -> '{Job.UntriedMark}') IS NOT NULL
        """;

    public async Task RecordRetryAsync(Job job, string error)
    {
        await using var cmd = Source.CreateCommand(
            $"UPDATE work_jobs SET attempts = @a, next_attempt_at = @next, last_error = @error WHERE id = @id AND {StillHeld}");
        cmd.Parameters.AddWithValue("a", job.Attempts);
        cmd.Parameters.AddWithValue("next", job.NextAttemptAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("error", error);
        cmd.Parameters.AddWithValue("id", job.Id);
        cmd.Parameters.AddWithValue("lane", job.Lane);
        cmd.Parameters.AddWithValue("me", Replica);
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static readonly string SaveProgressSql = $"UPDATE work_jobs SET progress = @p WHERE id = @id AND {StillHeld}";

    public async Task SaveProgressAsync(Job job, JsonObject progress)
    {
        await using var cmd = Source.CreateCommand(SaveProgressSql);
        cmd.Parameters.AddWithValue("p", progress.ToJsonString());
        cmd.Parameters.AddWithValue("id", job.Id);
        cmd.Parameters.AddWithValue("lane", job.Lane);
        cmd.Parameters.AddWithValue("me", Replica);
        // A progress write comes before whatever the job does next that anyone could see: refused, the job stops there.
        if (await cmd.ExecuteNonQueryAsync().ConfigureAwait(false) == 0) throw new LeaseLostException(job.Lane);
    }

    /// <summary>A finish to be written; with <paramref name="Take"/>, one more lane to take in its place.</summary>
    private sealed record PendingFinish(Job Job, string State, string? Error, DateTimeOffset Now, DateTimeOffset ForgetBefore, IReadOnlyCollection<string> Kinds,
        LaneOffer? Take);

    /// <summary>Jobs of other lanes that finish while a finish is being written go together in the next write: one round trip for all.</summary>
    private readonly Together<PendingFinish, LaneHandoff> _finishing;

    /// <summary>The job finished; answers the lane's next job when the lane stays here for it, and any lanes taken.</summary>
    public Task<LaneHandoff> FinishAsync(Job job, string state, string? error, DateTimeOffset now, DateTimeOffset forgetBefore, IReadOnlyCollection<string> kinds,
        LaneOffer? take = null) =>
        _finishing.RunAsync(new PendingFinish(job, state, error, now, forgetBefore, kinds, take));

    /// <summary>
    /// One round trip, and the statements of a batch commit together: each job is finished, and its lane either carries on
    /// here with its next job or is free for any replica, never both and never neither.
    /// </summary>
    private static readonly string FinishSql =
        $"UPDATE work_jobs SET state = @state, finished_at = @now, last_error = @error, attempts = attempts + 1 WHERE id = @id AND {StillHeld}";

    private static readonly string HandoffSql = Handoff("@lane", "@me", "@now", "@kinds");

    private async Task<IReadOnlyList<LaneHandoff>> FinishAllAsync(IReadOnlyList<PendingFinish> finishes)
    {
        await using var batch = Source.CreateBatch();
        foreach (var (job, state, error, now, _, kinds, _) in finishes) AddFinish(batch, job, state, error, now, kinds);
        var last = finishes[^1];
        batch.BatchCommands.Add(Forget(last.ForgetBefore));
        // Deliveries remembered with the jobs they brought (InsertAsync) are forgotten here once expired, now and then.
        var before = Interlocked.Add(ref _finishes, finishes.Count) - finishes.Count;
        if (before / 256 != (before + finishes.Count) / 256)
        {
            var expired = new NpgsqlBatchCommand(ForgetDeliveries);
            expired.Parameters.AddWithValue("now", last.Now.ToUnixTimeMilliseconds());
            batch.BatchCommands.Add(expired);
        }

        // Finishes whose replica left work untaken take, in the same round trip, as many other due lanes nobody holds as
        // they free (a finish whose lane carries on with its next job frees none, so a batch may take one lane more than
        // was freed, for a moment).
        var takers = Enumerable.Range(0, finishes.Count).Where(i => finishes[i].Take is not null).ToList();
        if (takers.Count > 0)
        {
            var take = finishes[takers[^1]].Take!;
            var token = Guid.NewGuid();
            batch.BatchCommands.Add(LeaseDue(last.Now, take.Until, take.Held, last.Kinds, takers.Count, token));
            batch.BatchCommands.Add(ReadLeased(token));
        }

        // Statements that return no rows (the finishes, the forgetting) give the reader no result of their own: the results
        // are the handoffs', in order, each with the lane's next job or nothing, then the lease's count of due lanes, then
        // the lanes taken.
        var handoffs = new List<LaneHandoff>(finishes.Count);
        await using var r = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < finishes.Count; i++)
        {
            if (i > 0) await r.NextResultAsync().ConfigureAwait(false);
            handoffs.Add(new LaneHandoff(await r.ReadAsync().ConfigureAwait(false) ? ReadJob(r) : null, [], 0));
        }
        if (takers.Count > 0 && await r.NextResultAsync().ConfigureAwait(false))
        {
            var due = await ReadDueAsync(r).ConfigureAwait(false);
            var taken = new List<Job>();
            while (await r.ReadAsync().ConfigureAwait(false)) taken.Add(ReadJob(r));
            // Told to the first that asked, with how many were asked for and found.
            handoffs[takers[0]] = handoffs[takers[0]] with { Taken = taken, TakeAsked = takers.Count, TakeDue = due };
        }
        return handoffs;
    }

    /// <summary>
    /// Adds a job's finish to <paramref name="batch"/>: the job marked <paramref name="state"/> while this replica holds its
    /// lane, then the lane handed on (<see cref="Handoff"/>), whose statement gives the batch a result of its own.
    /// </summary>
    private void AddFinish(NpgsqlBatch batch, Job job, string state, string? error, DateTimeOffset now, IReadOnlyCollection<string> kinds)
    {
        var finish = new NpgsqlBatchCommand(FinishSql);
        finish.Parameters.AddWithValue("lane", job.Lane);
        finish.Parameters.AddWithValue("me", Replica);
        finish.Parameters.AddWithValue("state", state);
        finish.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        finish.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        finish.Parameters.AddWithValue("id", job.Id);
        batch.BatchCommands.Add(finish);
        // The lane's next job, when this replica still holds the lane and that job is due and runs here: a lane with
        // work queued (the intake during a burst, a request clicked on many times) goes on without a new lease and a
        // poll's wait. Otherwise the lane is free for its next job, on any replica.
        var next = new NpgsqlBatchCommand(HandoffSql);
        next.Parameters.AddWithValue("lane", job.Lane);
        next.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        next.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = kinds.ToArray() });
        next.Parameters.AddWithValue("me", Replica);
        batch.BatchCommands.Add(next);
    }

    private static NpgsqlBatchCommand Forget(DateTimeOffset before)
    {
        var forget = new NpgsqlBatchCommand(ForgetDone("@forget"));
        forget.Parameters.AddWithValue("forget", before.ToUnixTimeMilliseconds());
        return forget;
    }

    /// <summary>A job as a statement that took it to run returned it; the <see cref="Job.UntriedMark"/> it removed makes it <see cref="Job.Untried"/>.</summary>
    internal static Job ReadJob(System.Data.Common.DbDataReader r)
    {
        var progress = (JsonObject)JsonNode.Parse(r.GetString(7))!;
        var untried = progress.Remove(Job.UntriedMark);
        return new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
            r.IsDBNull(5) ? null : r.GetString(5), (JsonObject)JsonNode.Parse(r.GetString(6))!, progress,
            r.GetInt32(8), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)))
        {
            Untried = untried,
        };
    }

    public bool PutsOffFinishes => true;

    public async Task<Adoption> AdoptAsync(DateTimeOffset now, DateTimeOffset leaseUntil, IReadOnlyCollection<string> held, IReadOnlyCollection<string> kinds, int limit,
        IReadOnlyList<PutOffFinish>? finishes = null, bool counts = true)
    {
        var token = Guid.NewGuid();
        finishes ??= [];
        await using var batch = Source.CreateBatch();
        // 0. The finishes put off since the last look, as FinishAsync writes them: before the lease, so a lane one of them
        //    lets go can be taken by the same look on any replica's next one, and the counts below leave them out.
        foreach (var f in finishes) AddFinish(batch, f.Job, "done", null, f.At, kinds);
        if (finishes.Count > 0) batch.BatchCommands.Add(Forget(finishes[^1].ForgetBefore));
        batch.BatchCommands.Add(LeaseDue(now, leaseUntil, held, kinds, limit, token));
        batch.BatchCommands.Add(ReadLeased(token));
        // 3. The counts the health page and the metrics show, the same for every replica, and when the next lane held
        //    elsewhere frees. Both read every open job, through indexes that under churn hold many entries of jobs done
        //    since the last vacuum: they were the look's costliest statements, so they come only when asked for.
        if (counts)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(OpenCounts));
            batch.BatchCommands.Add(NextFree(now, kinds));
        }

        var jobs = new List<Job>();
        int pending = 0, failed = 0;
        DateTimeOffset? oldest = null, nextFree = null;
        // The finishes return no rows and give the reader no result of their own: the handoffs come first, then the lease's
        // count of due lanes, then the lanes it took.
        var handoffs = new List<LaneHandoff>(finishes.Count);
        await using var r = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < finishes.Count; i++)
        {
            if (i > 0) await r.NextResultAsync().ConfigureAwait(false);
            handoffs.Add(new LaneHandoff(await r.ReadAsync().ConfigureAwait(false) ? ReadJob(r) : null, [], 0));
        }
        if (finishes.Count > 0) await r.NextResultAsync().ConfigureAwait(false);
        var due = await ReadDueAsync(r).ConfigureAwait(false);
        while (await r.ReadAsync().ConfigureAwait(false)) jobs.Add(ReadJob(r));
        if (counts)
        {
            await r.NextResultAsync().ConfigureAwait(false);
            if (await r.ReadAsync().ConfigureAwait(false))
            {
                pending = (int)r.GetInt64(0);
                failed = (int)r.GetInt64(1);
                oldest = r.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2));
            }
            await r.NextResultAsync().ConfigureAwait(false);
            if (await r.ReadAsync().ConfigureAwait(false) && !r.IsDBNull(0)) nextFree = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0));
        }
        return new Adoption(jobs, pending, failed, oldest) { NextFreeAt = nextFree, Finished = handoffs, Due = due };
    }

    /// <summary>Reads the lease's answer (<see cref="LeaseDue"/>: the due lanes it found) and moves on to the lanes it read.</summary>
    private static async Task<int> ReadDueAsync(System.Data.Common.DbDataReader r)
    {
        var due = await r.ReadAsync().ConfigureAwait(false) ? (int)r.GetInt64(0) : 0;
        await r.NextResultAsync().ConfigureAwait(false);
        return due;
    }

    /// <summary>
    /// 4. The soonest moment a lane this replica does not hold becomes one it could take: its first job falls due, or the
    ///    lease of the replica holding it runs out (a live replica renews long before, so in practice: one that died).
    ///    The next look is made then if that is sooner than the next poll.
    /// </summary>
    private NpgsqlBatchCommand NextFree(DateTimeOffset now, IReadOnlyCollection<string> kinds)
    {
        var next = new NpgsqlBatchCommand("""
            SELECT MIN(GREATEST(h.next_attempt_at, COALESCE(l.lease_until + 1, 0)))
            FROM (SELECT DISTINCT ON (lane) lane, kind, next_attempt_at FROM work_jobs WHERE state = 'pending' ORDER BY lane, id) h
            LEFT JOIN work_lanes l ON l.lane = h.lane AND l.leased_by IS NOT NULL
            WHERE h.kind = ANY(@kinds) AND (l.leased_by IS NULL OR l.leased_by <> @me)
              AND GREATEST(h.next_attempt_at, COALESCE(l.lease_until + 1, 0)) > @now
            """);
        next.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        next.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = kinds.ToArray() });
        next.Parameters.AddWithValue("me", Replica);
        return next;
    }

    /// <summary>
    /// 1. Leases, under <paramref name="token"/>, up to <paramref name="limit"/> lanes whose first pending job is due, of a
    ///    kind in <paramref name="kinds"/>, and not in <paramref name="held"/>, oldest first. The upsert only takes a row that
    ///    is free or whose lease has passed; two takers racing for one lane (two replicas, or this one's look and a finish)
    ///    are put in order by the row lock, and the second finds it taken. It answers how many due lanes it found, taken or
    ///    not: fewer leased than asked for does not mean nothing else is due, when a lane went to a racing taker.
    /// </summary>
    private NpgsqlBatchCommand LeaseDue(DateTimeOffset now, DateTimeOffset leaseUntil, IReadOnlyCollection<string> held, IReadOnlyCollection<string> kinds, int limit, Guid token)
    {
        var lease = new NpgsqlBatchCommand("""
            WITH heads AS (
                SELECT DISTINCT ON (lane) id, lane, kind, next_attempt_at
                FROM work_jobs WHERE state = 'pending' ORDER BY lane, id
            ), candidates AS (
                SELECT h.lane, h.id FROM heads h
                WHERE h.next_attempt_at <= @now AND h.kind = ANY(@kinds) AND h.lane <> ALL(@held)
                  AND NOT EXISTS (SELECT 1 FROM work_lanes w WHERE w.lane = h.lane AND w.leased_by IS NOT NULL AND w.lease_until >= @now)
                ORDER BY h.id LIMIT @limit
            ), leased AS (
                INSERT INTO work_lanes AS l (lane, leased_by, lease_token, lease_until)
                SELECT lane, @me, @token, @until FROM candidates
                ON CONFLICT (lane) DO UPDATE SET leased_by = EXCLUDED.leased_by, lease_token = EXCLUDED.lease_token, lease_until = EXCLUDED.lease_until
                WHERE l.leased_by IS NULL OR l.lease_until < @now
            )
            SELECT COUNT(*) FROM candidates
            """);
        lease.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        lease.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = kinds.ToArray() });
        lease.Parameters.Add(new NpgsqlParameter("held", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = held.ToArray() });
        lease.Parameters.AddWithValue("limit", limit);
        lease.Parameters.AddWithValue("me", Replica);
        lease.Parameters.AddWithValue("token", token);
        lease.Parameters.AddWithValue("until", leaseUntil.ToUnixTimeMilliseconds());
        return lease;
    }

    /// <summary>
    /// 2. Reads each lane leased under <paramref name="token"/> for its first pending job afresh: the lease is ours now, so
    ///    nobody else changes the lane, and a job another replica finished just before we took the lane is not run again. A
    ///    lane taken whose jobs turned out all done is let go at once. One statement, so both see the same jobs: a job
    ///    written in between is either read here or in a lane let go, never in a lane kept but not known to be held.
    /// </summary>
    private static NpgsqlBatchCommand ReadLeased(Guid token)
    {
        var read = new NpgsqlBatchCommand(ReadLeasedSql);
        read.Parameters.AddWithValue("token", token);
        return read;
    }

    private static readonly string ReadLeasedSql = $"""
            WITH heads AS (
                SELECT DISTINCT ON (j.lane) j.id, j.kind, j.key, j.lane, j.actor, j.origin, j.payload, j.progress, j.attempts, j.created_at, j.next_attempt_at
                FROM work_jobs j JOIN work_lanes l ON l.lane = j.lane
                WHERE l.lease_token = @token AND j.state = 'pending'
                ORDER BY j.lane, j.id
            ), tried AS (
                {Tried("heads")}
            ), empty AS (
                UPDATE work_lanes l SET leased_by = NULL, lease_token = NULL, lease_until = NULL
                WHERE l.lease_token = @token AND l.lane NOT IN (SELECT lane FROM heads)
                RETURNING l.lane
            )
            SELECT id, kind, key, lane, actor, origin, payload, progress, attempts, created_at, next_attempt_at FROM heads ORDER BY lane
            """;

    public IReadOnlyList<string> Renew(IReadOnlyCollection<string> lanes, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        if (lanes.Count == 0) return [];
        // Lost means another replica holds the lane now. A lane with no holder was freed by this replica itself, as its
        // job finished while the list of lanes to renew was on its way here; nobody else clears a holder.
        using var cmd = Source.CreateCommand("""
            WITH renewed AS (
                UPDATE work_lanes SET lease_until = @until WHERE leased_by = @me AND lane = ANY(@lanes) RETURNING lane
            )
            SELECT lane FROM work_lanes WHERE lane = ANY(@lanes) AND leased_by IS NOT NULL AND leased_by <> @me
            """);
        cmd.Parameters.AddWithValue("until", leaseUntil.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("me", Replica);
        cmd.Parameters.Add(new NpgsqlParameter("lanes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = lanes.ToArray() });
        var lost = new List<string>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) lost.Add(r.GetString(0));
        return lost;
    }

    public void Release(string lane)
    {
        using var batch = Source.CreateBatch();
        batch.BatchCommands.Add(ReleaseCommand(lane));
        batch.ExecuteNonQuery();
    }

    private NpgsqlBatchCommand ReleaseCommand(string lane)
    {
        var release = new NpgsqlBatchCommand(
            "UPDATE work_lanes SET leased_by = NULL, lease_token = NULL, lease_until = NULL WHERE lane = @lane AND leased_by = @me");
        release.Parameters.AddWithValue("lane", lane);
        release.Parameters.AddWithValue("me", Replica);
        return release;
    }
}
