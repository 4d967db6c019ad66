using System.Text.Json;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Reliability;

/// <summary>What a handler hands over to be done after its acknowledgement: durably, or in memory only.</summary>
public abstract record AfterAck;

/// <summary>
/// Work whose loss would leave someone uninformed (a submission, a claim, a release, …). It is on disk before Slack hears
/// "ok", runs in order with the other work of its <paramref name="Lane"/> (one request, say), survives crashes and
/// restarts, and is done once per <paramref name="Key"/>: a repeated key (a redelivery) is recognised and ignored.
/// </summary>
/// <param name="Actor">The Slack user whose action it is, for the log entries it writes.</param>
/// <param name="Origin">What they did (an action ID, a callback ID), for the log entries it writes.</param>
public sealed record DurableWork(string Kind, string Key, string Lane, JsonObject Payload, string? Actor = null, string? Origin = null) : AfterAck
{
    /// <summary>
    /// The delivery this work comes from (a click), when the ledger remembers deliveries itself
    /// (<see cref="IJobLedger.RemembersDeliveries"/>): the work is written only if the delivery is new, or its earlier
    /// sighting older than the window, and the ledger remembers it in the same write.
    /// </summary>
    public DeliveryOnce? Once { get; init; }

    /// <summary>
    /// The job's first step (<see cref="FirstStep"/>), asked for by its handler (<see cref="IJobHandler.FirstStepOf"/>) when the
    /// ledger shares the store's database: taken in the round trip that writes the job.
    /// </summary>
    public FirstStep? FirstStep { get; init; }

    /// <summary>A typed payload, serialised the way its handler reads it back.</summary>
    public static DurableWork Of<T>(string kind, string key, string lane, T payload, string? actor = null, string? origin = null) =>
        new(kind, key, lane, (JsonObject)JsonSerializer.SerializeToNode(payload, JobJson.Options)!, actor, origin);
}

/// <summary>
/// A job's first step, taken with the write of the job at its acknowledgement (on PostgreSQL, where the queue and the
/// store share a database), in the same round trip: what it reads and writes (a new request's number, say) then costs
/// no round trip of its own. The step decides in SQL whether it applies (<see cref="FirstStepWrite"/>): where that write
/// leased the job's lane here, the job runs at once, on data read a moment ago; where it wrote the job behind another
/// pending one (which no attempt can have passed: a lane runs its jobs in order), the step's progress is marked untried
/// (<see cref="Job.UntriedMark"/>), and the queue keeps what it read for the job's turn. Anywhere else the job takes the
/// step itself.
/// </summary>
/// <remarks>
/// A press's first read is one too (the request, with the mentor's load for a pairing:
/// <see cref="Storage.IMentorshipStore.ReadWithTheWrite"/>), but only where the connection prepares its statements: it is
/// on the path Slack waits on, and measured one for one against the write alone (bench/ackread.sh) it cost that write
/// more than the round trip it saves unless the statements were prepared.
/// </remarks>
public abstract class FirstStep
{
    /// <summary>How long after the write a result is still used: a job that runs later reads afresh.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(2);

    /// <summary>Whether something done at <paramref name="at"/> (null: not yet) is within <see cref="FreshFor"/> of <paramref name="now"/>.</summary>
    public static bool FreshAt(DateTimeOffset? at, DateTimeOffset now) => at is { } then && now - then <= FreshFor;

    /// <summary>The statements that make the read, with their parameters (run after the job's write, in the same transaction).</summary>
    public abstract IEnumerable<Npgsql.NpgsqlBatchCommand> Statements(FirstStepWrite write);

    /// <summary>Reads the results of <see cref="Statements"/>, from the reader's current result on, leaving it on the last of them.</summary>
    public abstract Task ReadAsync(Npgsql.NpgsqlDataReader r);

    /// <summary>When the read was made; null until it has been.</summary>
    public DateTimeOffset? TakenAt { get; internal set; }

    /// <summary>
    /// Whether the step is of use only to a job whose write leased its lane here (a read for its first attempt): a write
    /// behind a lane this replica holds, or with no room to take one, leaves it out.
    /// </summary>
    public virtual bool OnlyWhereLeased => false;

    /// <summary>
    /// Whether the job's write waits for a finish of its lane already on its way from this replica, so that it finds the
    /// lane as that finish leaves it (free, and so taken with the step) rather than leaving its job for a look for work.
    /// Only for a step worth more than that short wait on the acknowledgement (a submission's number); a press does not wait.
    /// </summary>
    public virtual bool WaitsForTheFinishAhead => false;

    /// <summary>The job's progress as the statements wrote it, when they took its first step; null when they only read.</summary>
    public JsonObject? Progress { get; protected set; }
}

/// <summary>The write a <see cref="FirstStep"/> goes with: the job's key and lane, and the lease that write took on the lane.</summary>
public sealed record FirstStepWrite(string Key, string Lane, string Replica, Guid Token)
{
    /// <summary>SQL that is true when the write leased the job's lane to this replica (its parameters bound by <see cref="Bind"/>).</summary>
    public const string LeasedHere =
        "EXISTS (SELECT 1 FROM work_lanes WHERE lane = @stepLane AND leased_by = @stepReplica AND lease_token = @stepToken)";

    /// <summary>Binds the job's key (<c>@stepKey</c>) and <see cref="LeasedHere"/>'s parameters to <paramref name="statement"/>.</summary>
    public Npgsql.NpgsqlBatchCommand Bind(Npgsql.NpgsqlBatchCommand statement)
    {
        statement.Parameters.AddWithValue("stepKey", Key);
        statement.Parameters.AddWithValue("stepLane", Lane);
        statement.Parameters.AddWithValue("stepReplica", Replica);
        statement.Parameters.AddWithValue("stepToken", Token);
        return statement;
    }
}

/// <summary>A delivery (<see cref="Deliveries"/>) and how long a repeat of it counts as one.</summary>
public sealed record DeliveryOnce(string Key, TimeSpan Window);

/// <summary>
/// Work that only makes sense in the next moments and so is not worth a disk write: opening a modal (its trigger
/// expires in 3 s), drawing a Home tab, reading a report. Lost in a crash, which loses nothing anyone did.
/// </summary>
public sealed record TransientWork(string Name, Func<CancellationToken, Task> Run) : AfterAck;

/// <summary>A durable job as the queue runs it.</summary>
public sealed class Job
{
    internal Job(long id, string kind, string key, string lane, string? actor, string? origin, JsonObject payload, JsonObject progress,
        int attempts, DateTimeOffset createdAt, DateTimeOffset nextAttemptAt)
    {
        Id = id;
        Kind = kind;
        Key = key;
        Lane = lane;
        Actor = actor;
        Origin = origin;
        Payload = payload;
        Progress = progress;
        Attempts = attempts;
        CreatedAt = createdAt;
        NextAttemptAt = nextAttemptAt;
    }

    public long Id { get; }
    public string Kind { get; }
    public string Key { get; }
    public string Lane { get; }
    public string? Actor { get; }
    public string? Origin { get; }
    public JsonObject Payload { get; }

    /// <summary>
    /// What earlier attempts recorded; written back with <see cref="JobContext.SaveAsync"/>. Each write replaces it with a
    /// new object (it is never changed in place), so whoever kept it can tell a write has happened since.
    /// </summary>
    public JsonObject Progress { get; internal set; }

    /// <summary>Attempts that failed before this one.</summary>
    public int Attempts { get; internal set; }

    public DateTimeOffset CreatedAt { get; }
    internal DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>When the backoff after the last failure ends; a recovery may wake the job before it.</summary>
    internal DateTimeOffset ScheduledFor { get; set; }

    /// <summary>The dependency (Slack, the store) whose outage made the last attempt fail, if any.</summary>
    internal string? BlockedOn { get; set; }

    /// <summary>Written with its lane leased to this replica in the same write (<see cref="LaneOffer"/>): it runs here, now.</summary>
    public bool LeasedHere { get; internal set; }

    /// <summary>
    /// The mark a job's write leaves in its progress when it took the job's first step but did not lease the lane
    /// (<see cref="FirstStep"/>): the statement that next takes the job to run removes it, and the job so taken knows that
    /// nobody has tried it (<see cref="Untried"/>). No property of a handler's progress can be spelt so (<see cref="JobJson"/>
    /// names start with a letter), so a progress can never be taken for marked.
    /// </summary>
    public const string UntriedMark = "$untried";

    /// <summary>
    /// Nobody has tried this job before: its write leased its lane here, or the statement that took it to run found the
    /// <see cref="UntriedMark"/> and removed it. Every intent in its progress was then written with the work, and nothing has
    /// gone out under it. Cleared as its first attempt here ends.
    /// </summary>
    internal bool Untried { get; set; }

    /// <summary>
    /// The job has done all it does but its finish, whose write is on its way (the queue's, or the store's last change:
    /// <see cref="ProgressRide.Finishes"/>). Its lane may be free on disk before this replica hears so: a job written now in
    /// that lane may take it, and queues here behind this one.
    /// </summary>
    internal volatile bool Finishing;

    /// <summary>When the job came to this replica's lanes, for <see cref="TakeUntried"/>.</summary>
    internal DateTimeOffset HereSince { get; set; }

    /// <summary>
    /// Whether this attempt is the job's first anywhere (<see cref="Untried"/>), checked as it starts: the first attempt
    /// here, begun within <see cref="FirstStep.FreshFor"/> of the job coming here. A replica frozen longer than that may
    /// have lost the lane to another, which found the job tried; it reads back too.
    /// </summary>
    internal bool TakeUntried(TimeProvider clock)
    {
        var untried = Untried && Attempts == 0 && FirstStep.FreshAt(HereSince, clock.GetUtcNow());
        Untried = false;
        return untried;
    }

    /// <summary>
    /// The first step taken with the job's write, when that write leased its lane here or wrote the job behind another
    /// (<see cref="FirstStep"/>); taken by the first attempt here (<see cref="JobContext.TakeFirstStep{T}"/>), and dropped
    /// when that attempt ends.
    /// </summary>
    internal FirstStep? FirstStep { get; set; }

    /// <summary>Takes <see cref="FirstStep"/>, once: on the first attempt, while fresh on <paramref name="clock"/>, and when of the kind asked for.</summary>
    internal T? TakeFirstStep<T>(TimeProvider clock) where T : FirstStep
    {
        var step = FirstStep;
        FirstStep = null;
        return step is T wanted && Attempts == 0 && FirstStep.FreshAt(wanted.TakenAt, clock.GetUtcNow()) ? wanted : null;
    }

    /// <summary>
    /// The store's last write finished the job (<see cref="ProgressRide.Finishes"/>), handing its lane on so: the queue does
    /// not finish it again. Null while it is not finished.
    /// </summary>
    internal LaneHandoff? FinishedByStore { get; set; }
}

/// <summary>One attempt at a job: its payload and progress, and the way to record progress durably.</summary>
/// <param name="link">How the ledger shares the store's database, when it does (see <see cref="ProgressRide"/>).</param>
public sealed class JobContext(Job job, Func<JsonObject, CancellationToken, Task> save, Func<DurableWork, Task<bool>> enqueue, StoreLink? link = null)
{
    private readonly bool _untried = link is not null && job.TakeUntried(link.Clock);

    public Job Job => job;

    /// <summary>
    /// Nobody has tried this job before this attempt, as the shared ledger attests (<see cref="Job.Untried"/>): every intent
    /// in its progress was written with the work, before any attempt, so nothing has gone out under it.
    /// </summary>
    public bool Untried => _untried;

    /// <summary>Whether the store writes this job's progress together with its changes (<see cref="Ride{T}"/>).</summary>
    public bool WritesWithStore => link is not null;

    /// <summary>
    /// Offers <paramref name="progress"/> to the store's next change until the ride is disposed. When the ride is not
    /// <see cref="ProgressRide.Taken"/> afterwards, the caller writes the progress itself.
    /// </summary>
    /// <param name="answerAt">The property of <typeparamref name="T"/> (its C# name) that is to hold what the store's call answers.</param>
    /// <param name="finishes">
    /// The write is the job's last (nothing follows it that anyone could see): made, it finishes the job too
    /// (<see cref="ProgressRide.Finishes"/>), and the job must do nothing more.
    /// </param>
    public ProgressRide Ride<T>(T progress, string? answerAt = null, bool finishes = false) =>
        new(job, link, (JsonObject)JsonSerializer.SerializeToNode(progress, JobJson.Options)!,
            answerAt is null ? null : JobJson.Name(answerAt), finishes);

    /// <summary>
    /// Records further durable work that this job leads to (a re-pair brings a new request in, say). Its key makes it
    /// happen once however often this job is replayed.
    /// </summary>
    public Task<bool> EnqueueAsync(DurableWork work) => enqueue(work);

    /// <summary>
    /// The first step this job's write took for it (<see cref="FirstStep"/>), once: on its first attempt, while fresh, and when
    /// it is of the kind asked for; null otherwise (and where the ledger takes no first steps), and the job takes the step itself.
    /// </summary>
    public T? TakeFirstStep<T>() where T : FirstStep => link is null ? null : job.TakeFirstStep<T>(link.Clock);

    public T Payload<T>() => job.Payload.Deserialize<T>(JobJson.Options)
        ?? throw new PermanentJobFailure($"Job {job.Key} holds no {typeof(T).Name}.");

    /// <summary>The progress recorded so far, or <paramref name="fresh"/> when there is none.</summary>
    public T Progress<T>(T fresh) => job.Progress.Count == 0 ? fresh : job.Progress.Deserialize<T>(JobJson.Options) ?? fresh;

    /// <summary>
    /// Writes the progress to disk before returning, so an intent recorded here survives a crash that
    /// follows it, and a rerun can find out whether the side effect after it happened.
    /// </summary>
    public Task SaveAsync(CancellationToken ct)
    {
        job.Progress = (JsonObject)job.Progress.DeepClone();
        return save(job.Progress, ct);
    }

    /// <inheritdoc cref="SaveAsync(CancellationToken)"/>
    public Task SaveAsync<T>(T progress, CancellationToken ct)
    {
        var node = (JsonObject)JsonSerializer.SerializeToNode(progress, JobJson.Options)!;
        job.Progress = node;
        return save(node, ct);
    }
}

/// <summary>Does one kind of durable job. It must be safe to run again after a crash at any point.</summary>
public interface IJobHandler
{
    string Kind { get; }

    Task RunAsync(JobContext job, CancellationToken ct);

    /// <summary>A job's first step, to be taken with its write where the ledger can (<see cref="FirstStep"/>); null for none.</summary>
    FirstStep? FirstStepOf(DurableWork work) => null;
}

/// <summary>
/// A ledger that shares the store's database: <paramref name="Database"/> as the store names it, and the replica
/// (<paramref name="Holder"/>) whose lease on a job's lane a progress write must still find.
/// </summary>
public sealed record StoreLink(string Database, string Holder)
{
    /// <summary>The kinds of job the replica runs: a write that finishes a job keeps the lane for its next job only if it is one of them.</summary>
    public IReadOnlyCollection<string> Kinds { get; init; } = [];

    /// <summary>How long finished jobs are remembered (<see cref="ReliabilityOptions.RememberDone"/>): a finishing write forgets older ones, as a finish does.</summary>
    public TimeSpan RememberDone { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The queue's clock, for the moment a finishing write marks.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Called by a write that finishes a job just before it goes, with the job's lane: waits for a write of that lane on
    /// its way from this replica, and marks the finish on its way until the result is disposed (<see cref="WorkQueue"/>
    /// keeps a lane's write and finish in turn). Null: nothing to wait for.
    /// </summary>
    public Func<string, Task<IDisposable>>? Finishing { get; init; }
}

/// <summary>
/// A shared ledger refused a job's progress because another replica holds its lane now (this one was frozen past its
/// lease): the job stops here, before anything it would send next, and is the other replica's to finish.
/// </summary>
public sealed class LeaseLostException(string lane)
    : Exception($"The lease on {lane} has passed to another replica; this replica stops its job there.")
{
    public string Lane => lane;
}

/// <summary>Thrown by a handler for a job that can never succeed; the job is set aside instead of retried.</summary>
public sealed class PermanentJobFailure(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How payloads and progress are written: camelCase, enums by name, so a job on disk reads well.</summary>
public static class JobJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>A property's name as payloads and progress spell it (from its C# name).</summary>
    public static string Name(string property) => Options.PropertyNamingPolicy?.ConvertName(property) ?? property;
}
