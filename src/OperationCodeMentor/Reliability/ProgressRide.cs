using System.Text.Json;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Reliability;

/// <summary>
/// A running job's progress, offered to the store's next change. When the store keeps its data in the job ledger's own
/// database (PostgreSQL), it writes the progress in the same transaction as its change, and only if the change was made:
/// one round trip instead of two, and never a moment with one on disk and not the other. Anywhere else nothing takes it,
/// and the job writes its progress itself once the change is made (<see cref="Taken"/> says which happened).
/// </summary>
/// <remarks>
/// A job's last write can also finish it (<see cref="Finishes"/>): the store's change, the job marked done and its lane
/// handed to the lane's next job, in one round trip, where otherwise the finish would be one of its own.
/// The offer lives in the job's async flow from <see cref="JobContext.Ride{T}"/> until it is disposed, so only the store
/// calls the job makes in between can take it; the first change that is made takes it, and nothing after.
/// </remarks>
public sealed class ProgressRide : IDisposable
{
    private static readonly AsyncLocal<ProgressRide?> Offered = new();

    private readonly Job _job;
    private readonly StoreLink? _link;
    private JsonObject _progress;

    internal ProgressRide(Job job, StoreLink? link, JsonObject progress, string? answerAt, bool finishes = false)
    {
        _job = job;
        _link = link;
        _progress = progress;
        AnswerAt = answerAt;
        Finishes = finishes && link is not null;
        if (Finishes) job.Finishing = true;
        if (link is not null) Offered.Value = this;
    }

    /// <summary>
    /// Whether the write is the job's last: made, it marks the job done as well, and hands the job's lane on (to the lane's
    /// next job when it runs on this replica, otherwise to any replica), as the queue's own finish would.
    /// </summary>
    public bool Finishes { get; }

    /// <summary>The queue's side of the ledger: the kinds it runs, how long it remembers finished jobs, its clock.</summary>
    public StoreLink Link => _link!;

    /// <summary>Finished: its write was made, with the job done (<see cref="Finishes"/>).</summary>
    public bool Finished { get; private set; }

    /// <summary>
    /// The property of the progress that is to hold what the store's call answers (a number it hands out, say), filled
    /// in by the store in the same statement; null when the progress is complete as offered.
    /// </summary>
    public string? AnswerAt { get; }

    /// <summary>The ride a store on <paramref name="database"/> may take now: one offered by a job whose ledger is there, not taken yet.</summary>
    public static ProgressRide? For(string database) =>
        Offered.Value is { Taken: false } ride && string.Equals(ride._link?.Database, database, StringComparison.Ordinal) ? ride : null;

    /// <summary>The job's row in the ledger.</summary>
    public long JobId => _job.Id;

    /// <summary>The job's lane, whose lease the write must find still held by <see cref="Holder"/>.</summary>
    public string Lane => _job.Lane;

    /// <summary>
    /// The replica running the job. A replica frozen past its lease finds the lane taken: the store's change may go in
    /// (it is safe to repeat), but not the progress, and the job stops at its next write (<see cref="LeaseLostException"/>).
    /// </summary>
    public string Holder => _link!.Holder;

    /// <summary>
    /// Called just before the write goes when it finishes the job: waits for a write of the job's lane on its way from this
    /// replica (so the finish hands that write's job the lane), and keeps the finish marked on its way until disposed.
    /// </summary>
    public Task<IDisposable?> FinishingAsync() =>
        Finishes && _link?.Finishing is { } finishing ? Marked(finishing(Lane)) : Task.FromResult<IDisposable?>(null);

    private static async Task<IDisposable?> Marked(Task<IDisposable> marking) => await marking.ConfigureAwait(false);

    /// <summary>The progress to write, as the ledger keeps it.</summary>
    public string Json => _progress.ToJsonString();

    /// <summary>Whether a store change wrote the progress with it; if not, the job still has to write it.</summary>
    public bool Taken { get; private set; }

    /// <summary>Replaces the progress offered (a change that is decided again after losing a race says something new).</summary>
    public void Update<T>(T progress) => _progress = (JsonObject)JsonSerializer.SerializeToNode(progress, JobJson.Options)!;

    /// <summary>Called by the store once its change, and the progress with it (with <paramref name="answer"/> at <see cref="AnswerAt"/>), is committed.</summary>
    public void Committed(JsonNode? answer = null)
    {
        Taken = true;
        if (AnswerAt is not null) _progress[AnswerAt] = answer;
        _job.Progress = _progress;
    }

    /// <summary>
    /// Called by the store once its change has been committed with the job finished (<see cref="Finishes"/>), and with
    /// the lane's next job, which this replica now holds the lane for, when there is one.
    /// </summary>
    public void CommittedFinished(Job? next)
    {
        Committed();
        Finished = true;
        _job.FinishedByStore = new LaneHandoff(next, [], 0);
    }

    /// <summary>
    /// The first step the job's write took for it (<see cref="FirstStep"/>), once: on its first attempt, while fresh, and
    /// when of the kind asked for; null otherwise, and the store reads for itself.
    /// </summary>
    public T? TakeFirstStep<T>() where T : FirstStep => _job.TakeFirstStep<T>(_link!.Clock);

    public void Dispose()
    {
        if (ReferenceEquals(Offered.Value, this)) Offered.Value = null;
    }
}
