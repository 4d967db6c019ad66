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
    private readonly PostgresConnection _connection;
    private readonly PoolOnFirstUse _pool;

    private NpgsqlDataSource Source => _pool.Value;

    private readonly TimeProvider _clock;

    public PostgresMentorshipStore(PostgresConnection connection, TimeProvider? clock = null)
    {
        _connection = connection;
        _pool = new PoolOnFirstUse(connection);
        JobDatabase = PostgresConnection.Identity(connection.ConnectionString);
        _clock = clock ?? TimeProvider.System;
        _menteeReads = new Reliability.Together<(string Mentee, DateTimeOffset Since), IReadOnlyList<MentorRequest>>(ReadMenteesRequestsAsync);
        _pairingReads = new Reliability.Together<(long Key, string Mentor), (TrackedRequest?, PairingRead)>(ReadPairingsAsync);
    }

    /// <summary>Claims (and assignments) decided at the same moment read their requests, mentors and last reports together: one round trip.</summary>
    private readonly Reliability.Together<(long Key, string Mentor), (TrackedRequest?, PairingRead)> _pairingReads;

    private protected override async Task<(TrackedRequest? Request, PairingRead? Pairing)> ReadForChangeAsync(DbConnection c, long key, string? mentor, CancellationToken ct)
    {
        if (mentor is null) return await base.ReadForChangeAsync(c, key, mentor, ct).ConfigureAwait(false);
        return await _pairingReads.RunAsync((key, mentor)).WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<(TrackedRequest?, PairingRead)>> ReadPairingsAsync(IReadOnlyList<(long Key, string Mentor)> asked)
    {
        await using var batch = Source.CreateBatch();
        foreach (var (key, mentor) in asked)
            foreach (var read in ReadsForChange(key, mentor)) batch.BatchCommands.Add(read);
        var found = new List<(TrackedRequest?, PairingRead)>(asked.Count);
        await using var r = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < asked.Count; i++)
        {
            if (i > 0) await r.NextResultAsync().ConfigureAwait(false);
            found.Add(await ReadPairingAsync(r, CancellationToken.None).ConfigureAwait(false));
        }
        return found;
    }

    /// <summary>
    /// Whether a press's first read goes with its acknowledgement's write (<see cref="ReadWithTheWrite"/>): only where the
    /// connection prepares the statements it repeats (<see cref="PostgresConnection.Statements"/>). Measured one for
    /// one against the write alone at 100 claims a second (bench/ackread.sh, bench/REPORT.md), the read added 1.2–1.35 ms
    /// to the write's median and 1.3–4.7 ms to its p99 where every statement is parsed and planned afresh, most of it that
    /// planning; prepared, it added 0.3 ms to the median and nothing measurable to the p99, less than the round trip it
    /// saves the job.
    /// </summary>
    public override bool ReadsWithTheWrite => _connection.Statements.Prepares;

    public override Reliability.FirstStep? ReadWithTheWrite(string reference, string? mentor) =>
        ReadsWithTheWrite && RequestReference.TryParse(reference, out var key) ? new ChangeRead(key, mentor) : null;

    private protected override (TrackedRequest? Request, PairingRead? Pairing)? ReadTakenWithTheWrite(long key, string? mentor) =>
        RideOffered()?.TakeFirstStep<ChangeRead>() is { Result: { } read } step && step.Key == key && step.Mentor == mentor ? read : null;

    /// <summary>The read a change starts with (<see cref="RelationalMentorshipStore.ReadForChangeAsync"/>), made with the write of its job.</summary>
    private sealed class ChangeRead(long key, string? mentor) : Reliability.FirstStep
    {
        public long Key => key;

        public string? Mentor => mentor;

        public (TrackedRequest? Request, PairingRead? Pairing)? Result { get; private set; }

        // Of use only to a job whose write leased its lane here: one behind another in its lane reads when its turn comes.
        public override bool OnlyWhereLeased => true;

        public override IEnumerable<NpgsqlBatchCommand> Statements(Reliability.FirstStepWrite write) => ReadsForChange(key, mentor, write);

        public override async Task ReadAsync(NpgsqlDataReader r)
        {
            if (mentor is null)
            {
                if (await r.ReadAsync().ConfigureAwait(false)) Result = (ReadTracked(r), null);
                return;
            }
            var (request, pairing) = await ReadPairingAsync(r, CancellationToken.None).ConfigureAwait(false);
            // Nothing read: the write did not lease the lane here (each statement answers only then).
            if (request is not null) Result = (request, pairing);
        }
    }

    private static readonly string[] RequestReads = [RequestRead];

    private static readonly string[] LeasedRequestReads = WhereLeased(RequestReads);

    private static readonly string[] LeasedPairingReads = WhereLeased(PairingReads);

    private static string[] WhereLeased(string[] reads) =>
        [.. reads.Select(sql => $"SELECT * FROM ({sql}) AS read WHERE {Reliability.FirstStepWrite.LeasedHere}")];

    /// <summary>
    /// The statements of the read a change starts with: the request <paramref name="key"/>, and for a pairing
    /// <see cref="RelationalMentorshipStore.PairingReads"/>; with <paramref name="write"/>, each answers only where that
    /// write leased the request's lane here.
    /// </summary>
    private static IEnumerable<NpgsqlBatchCommand> ReadsForChange(long key, string? mentor, Reliability.FirstStepWrite? write = null)
    {
        foreach (var sql in (mentor, write) switch
                 {
                     (null, null) => RequestReads,
                     (null, _) => LeasedRequestReads,
                     (_, null) => PairingReads,
                     _ => LeasedPairingReads,
                 })
        {
            var read = new NpgsqlBatchCommand(sql);
            read.Parameters.AddWithValue("id", key);
            if (mentor is not null) read.Parameters.AddWithValue("u", mentor);
            yield return write is null ? read : write.Bind(read);
        }
    }

    /// <summary>
    /// The request limits read a mentee's requests while Slack waits for the submission's answer: submissions that arrive
    /// together (a burst after an announcement) read theirs together, in one round trip.
    /// </summary>
    private readonly Reliability.Together<(string Mentee, DateTimeOffset Since), IReadOnlyList<MentorRequest>> _menteeReads;

    /// <summary>How long the read of several mentees' requests may take: it is on the acknowledgement path.</summary>
    private const int MenteeReadTimeoutSeconds = 2;

    public override Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default) =>
        _menteeReads.RunAsync((menteeSlackId, since)).WaitAsync(ct);

    // Each mentee's requests made since their moment, plus any still open, newest first, told apart by the asker's place.
    private static readonly string MenteesRequestsSql = $"""
        SELECT {RequestColumns}, k.i
        FROM unnest(@mentees, @since) WITH ORDINALITY AS k(m, since, i)
        JOIN requests ON {MenteeRequestsSince("k.m", "k.since")}
        ORDER BY k.i, {NewestFirst}
        """;

    private async Task<IReadOnlyList<IReadOnlyList<MentorRequest>>> ReadMenteesRequestsAsync(IReadOnlyList<(string Mentee, DateTimeOffset Since)> asked)
    {
        await using var c = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandTimeout = MenteeReadTimeoutSeconds;
        cmd.CommandText = MenteesRequestsSql;
        cmd.Parameters.Add(new NpgsqlParameter("mentees", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = asked.Select(a => a.Mentee).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("since", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint) { Value = asked.Select(a => ToDb(a.Since)).ToArray() });
        var found = asked.Select(_ => new List<MentorRequest>()).ToList();
        await using var r = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        while (await r.ReadAsync().ConfigureAwait(false)) found[(int)r.GetInt64(r.FieldCount - 1) - 1].Add(ReadRequest(r));
        return found;
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

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) =>
        await Source.OpenConnectionAsync(ct).ConfigureAwait(false);

    protected override async Task InitialiseAsync()
    {
        await using var c = await Source.OpenConnectionAsync().ConfigureAwait(false);
        Schema = await PostgresSchema.MigrateAsync(c, CancellationToken.None).ConfigureAwait(false);
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
        var next = NextNumber("");
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

    /// <summary>
    /// The sweep's plans in one statement, where one UPDATE each took a round trip each (a sweep after a busy week plans
    /// hundreds): each request changes only at the version it was read at, and the first plan for a request is the one
    /// tried, as one at a time would have it.
    /// </summary>
    public override async Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default)
    {
        var rows = new List<(long Id, long? At, long Version)>(plans.Count);
        var seen = new HashSet<long>();
        foreach (var p in plans)
            if (RequestReference.TryParse(p.Reference, out var key) && seen.Add(key))
                rows.Add((key, p.NextActionAt is { } t ? ToDb(t) : null, p.Version));
        if (rows.Count == 0) return 0;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            UPDATE requests r SET next_action_at = p.at, follow_up_version = r.follow_up_version + 1
            FROM unnest(@ids, @ats, @versions) AS p(id, at, v)
            WHERE r.id = p.id AND r.follow_up_version = p.v
            """;
        cmd.Parameters.Add(new NpgsqlParameter("ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint) { Value = rows.Select(r => r.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("ats", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint) { Value = rows.Select(r => r.At).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("versions", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint) { Value = rows.Select(r => r.Version).ToArray() });
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The next number from the server's sequence, moved past any request stored under a number it did not hand out; one
    /// for each row of <paramref name="from"/> (a FROM clause), or one when it is empty.
    /// </summary>
    private static string NextNumber(string from) => $"""
        SELECT CASE WHEN n > top THEN n ELSE setval('request_numbers', top + 1) END AS number
        FROM (SELECT nextval('request_numbers') AS n, (SELECT COALESCE(MAX(id), 0) FROM requests) AS top {from}) s
        """;

    public override NumberingStep? NumberWithTheWrite(System.Text.Json.Nodes.JsonObject numbered, string numberAt, bool withLoads) =>
        new Numbering(numbered.ToJsonString(), numberAt, withLoads);

    /// <summary>A job's progress before anything has been recorded for it.</summary>
    private const string NothingRecorded = "'{}'";

    /// <summary>
    /// The job (row <c>j</c>) whose write takes its number: with nothing recorded for it yet, and either its write leased
    /// its lane here, or the job just before it in its lane has its number taken, or no job waits before it and this very
    /// write inserted it (so numbers follow the lane's order). Anywhere else its own first step hands one out when its turn
    /// comes. A job behind a pending one cannot have been tried (a lane runs its jobs in order), whichever replica holds
    /// the lane; nor can one this write inserted into a lane it could not take (held still by the replica whose last job
    /// there is finishing, or with no room here). A repeat of a job at its lane's head may be under way: it is left alone.
    /// </summary>
    private static readonly string NumberedWithItsWrite = $"""
        j.key = @stepKey AND j.state = 'pending' AND j.progress = {NothingRecorded}
        AND ({Reliability.FirstStepWrite.LeasedHere} OR COALESCE((
            SELECT jsonb_typeof(p.progress::jsonb -> @numberAt) IS NOT DISTINCT FROM 'number' FROM work_jobs p
            WHERE p.lane = j.lane AND p.state = 'pending' AND p.id < j.id ORDER BY p.id DESC LIMIT 1),
            {InsertedNow("j")}))
        """;

    /// <summary>Whether row <paramref name="row"/> was inserted by the transaction running the statement (its <c>xmin</c> is this transaction's id).</summary>
    private static string InsertedNow(string row) => $"{row}.xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text";

    /// <summary>
    /// The number, taken and written into the job's progress with the intents. Behind another job the progress is marked
    /// untried (<see cref="Reliability.Job.UntriedMark"/>): whoever takes the job to run then knows nobody has tried it.
    /// </summary>
    private static readonly string NumberingSql = $"""
        WITH job AS (
            SELECT j.id, {Reliability.FirstStepWrite.LeasedHere} AS leased FROM work_jobs j WHERE {NumberedWithItsWrite}
        ), reserved AS MATERIALIZED (
        {NextNumber("FROM job")}
        ), written AS (
            UPDATE work_jobs
            SET progress = (jsonb_set(@numbered::jsonb, ARRAY[@numberAt], to_jsonb((SELECT number FROM reserved)))
                            || CASE WHEN (SELECT leased FROM job) THEN jsonb_build_object() ELSE jsonb_build_object('{Reliability.Job.UntriedMark}', true) END)::text
            WHERE id = (SELECT id FROM job) AND EXISTS (SELECT 1 FROM reserved)
            RETURNING progress
        )
        SELECT (SELECT number FROM reserved), progress FROM written
        """;

    private static readonly string NumberingLoadsSql =
        $"{MentorLoadSelect} WHERE EXISTS (SELECT 1 FROM work_jobs j WHERE {NumberedWithItsWrite}) ORDER BY id";

    /// <summary>A new request's number, written into its intake's progress with the intake's write, and the mentors' loads.</summary>
    private sealed class Numbering(string numbered, string numberAt, bool withLoads) : NumberingStep
    {
        public override IEnumerable<NpgsqlBatchCommand> Statements(Reliability.FirstStepWrite write)
        {
            // The loads first: they ask the same of the job as the number does, before the number is written.
            if (withLoads)
            {
                var loads = write.Bind(new NpgsqlBatchCommand(NumberingLoadsSql));
                loads.Parameters.AddWithValue("numberAt", numberAt);
                yield return loads;
            }
            var number = write.Bind(new NpgsqlBatchCommand(NumberingSql));
            number.Parameters.AddWithValue("numbered", numbered);
            number.Parameters.AddWithValue("numberAt", numberAt);
            yield return number;
        }

        public override async Task ReadAsync(NpgsqlDataReader r)
        {
            var loads = new List<MentorLoad>();
            if (withLoads)
            {
                while (await r.ReadAsync().ConfigureAwait(false)) loads.Add(ReadMentorLoad(r));
                await r.NextResultAsync().ConfigureAwait(false);
            }
            if (!await r.ReadAsync().ConfigureAwait(false)) return;
            Number = r.GetInt64(0);
            Progress = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(r.GetString(1))!;
            Loads = withLoads ? loads : null;
        }
    }
}
