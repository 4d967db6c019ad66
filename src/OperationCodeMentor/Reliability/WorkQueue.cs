using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Reliability;

/// <summary>Settings under <c>Reliability:</c>.</summary>
public sealed class ReliabilityOptions
{
    public const string Section = "Reliability";

    /// <summary>
    /// The local queue of acknowledged work not yet completed. Default: <c>pending.db</c> in the folder of
    /// <c>Storage:SqlitePath</c> (so <c>data/pending.db</c>), whichever store is in use.
    /// </summary>
    public string? QueuePath { get; set; }

    /// <summary>Longest wait between two attempts at a job while the store or Slack is down. Default 5 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long finished jobs are remembered, so a repeat of the same submission is recognised. Default 1 day.</summary>
    public TimeSpan RememberDone { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How often a dependency that made work wait (Slack, the store) is asked whether it answers again. Default 5 seconds;
    /// it doubles, up to <see cref="MaxRetryDelay"/>, each time work it woke fails again.
    /// </summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With PostgreSQL as the store, the queue is shared by every replica: how long a replica's hold on a request's work
    /// lasts without being renewed. A replica that dies leaves its work to the others once this has passed. Default 30 seconds;
    /// a live replica renews its holds every third of it.
    /// </summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>With the shared queue, how often a replica looks for work nobody holds (another replica's, or one that died). Default 1 second.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Begins the log scopes a job's entries carry (who did it, and what), since it runs outside their request.</summary>
public interface IJobScopes
{
    IDisposable? Begin(ILogger log, Job job);
}

/// <summary>
/// The one place work runs after Slack has been answered.
/// <list type="bullet">
/// <item><b>Durable work</b> (<see cref="DurableWork"/>) is written to its ledger before Slack hears "ok" (a SQLite file of
/// its own with <c>synchronous=FULL</c>, or with PostgreSQL as the store a table every replica shares; concurrent writes
/// are committed together), so a crash, a restart, or an outage of the store or Slack only delays it. Jobs of one lane (one request, or the intake) run strictly in order, one at a time; lanes
/// run side by side. A failing job is retried with doubling delays while the rest of its lane waits; a job's key makes a
/// repeat a no-op.</item>
/// <item><b>Transient work</b> (<see cref="TransientWork"/>) runs at once, in memory.</item>
/// <item><b>Prompt recovery.</b> When a job fails because Slack or the store is down (<see cref="IDependency"/>), that
/// dependency is asked every few seconds whether it answers again, and any call that gets an answer counts too; the
/// moment it does, the jobs waiting on it go, instead of sleeping out the rest of their delay.</item>
/// <item><b>Replicas.</b> On the shared ledger a replica runs a lane's jobs only while it holds the lane's lease
/// (<see cref="PostgresJobLedger"/>): it looks for due lanes nobody holds every <c>Reliability:PollInterval</c>, at once
/// after its own writes, and when a lease held elsewhere runs out; it renews its leases while it lives, and frees a lane
/// as each job finishes.</item>
/// </list>
/// </summary>
public sealed partial class WorkQueue : IHostedService
{
    /// <summary>
    /// Lanes run at once, and transient work items at once (each its own budget). SQLite's "async" calls block their
    /// thread, so each holds a pool thread; a small cap keeps enough free to acknowledge Slack within its 3 seconds.
    /// </summary>
    public const int MaxConcurrent = 16;

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    private readonly IJobLedger _ledger;
    private readonly StoreLink? _storeLink;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly IReadOnlyList<IDependency> _dependencies;
    private readonly Dependencies _signals;
    private readonly TimeProvider _clock;
    private readonly IOptions<ReliabilityOptions> _options;
    private readonly IJobScopes? _scopes;
    private readonly ILogger<WorkQueue> _log;

    private readonly object _gate = new();
    private readonly Dictionary<string, LaneQueue> _lanes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _runningLanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Outage> _outages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _strikes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _transientSlots = new(MaxConcurrent);
    private readonly CancellationTokenSource _stopScheduling = new();
    private readonly CancellationTokenSource _hardStop = new();
    private TaskCompletionSource _idle = Done();
    private TaskCompletionSource _quiet = Done();
    private Task? _scheduler;
    private int _depth;
    private int _failed;
    private int _transient;

    // The shared ledger: when to look for unheld work and renew leases next, and whether a write asked for a look now.
    private DateTimeOffset _nextAdoptAt;
    private DateTimeOffset _nextPollAt;
    /// <summary>When a look next counts the shared queue's open jobs (<see cref="TendLeasesAsync"/>).</summary>
    private DateTimeOffset _countsDueAt;
    /// <summary>Whether the next look counts whatever the interval (a wait for the queue to empty asked for it).</summary>
    private bool _countNow;
    /// <summary>Looks that counted, numbered as they began; and the number of the latest that found nothing open.</summary>
    private long _countsBegun, _countedEmpty;
    /// <summary>When the next lane held by another replica frees (its lease runs out), as the last look that counted found.</summary>
    private DateTimeOffset? _nextFreeAt;
    /// <summary>Completed, and replaced, when a look that counted comes back (what a wait for the shared queue waits on).</summary>
    private TaskCompletionSource _counted = NewPending();
    private DateTimeOffset _nextRenewAt;
    private readonly SemaphoreSlim _renewWake = new(0, 1);
    private Task? _renewer;
    private bool _adoptNow = true;

    /// <summary>Why the next look for work is made (logged at Debug): what asked for it, or the poll.</summary>
    private string _lookWhy = "start";

    /// <summary>
    /// This replica wrote work it could not take (no room, or its lane was busy elsewhere) since a look last found less than
    /// it had room for: a lane let go here is a reason to look at once. Otherwise the regular poll is enough.
    /// </summary>
    private bool _leftUntaken = true;
    private int _writesDuringAdopt;
    private DateTimeOffset? _oldestShared;

    /// <summary>
    /// First steps this replica's writes took for jobs they wrote behind others (<see cref="FirstStep"/>), kept for the job's
    /// turn while fresh: the job then runs on what they read, wherever it comes back here from.
    /// </summary>
    private readonly Dictionary<string, FirstStep> _stepsBehind = new(StringComparer.Ordinal);

    /// <summary>
    /// Jobs done here whose finish waits for this replica's next look for work (<see cref="PutOffFinish"/>), by lane. Their
    /// lanes are held (renewed, and taken by nothing else here) but run nothing until the look has handed them on.
    /// </summary>
    private readonly Dictionary<string, PutOffFinish> _putOff = new(StringComparer.Ordinal);

    /// <summary>
    /// Lanes held here in which this replica wrote a job behind the running one: the finish of the running one hands that
    /// job on, so it is not put off.
    /// </summary>
    private readonly HashSet<string> _writtenBehind = new(StringComparer.Ordinal);

    /// <summary>
    /// The write of jobs on its way from here (its lanes, and a task that completes when it is back), and the finishes on
    /// their way, by lane. Two statements of one lane on their way at once cannot see each other: the finish lets the lane
    /// go with the new job in it, or the write finds the finishing job still waiting and cannot take the lane, and either
    /// way a look for work must then find the job, a round trip more. So a finish waits for a write of its lane on its
    /// way from here (off the path Slack waits on), and a write whose job's first step asks it
    /// (<see cref="FirstStep.WaitsForTheFinishAhead"/>) waits for a finish of its lane on its way, up to
    /// <see cref="FinishAheadWait"/>. Under _gate.
    /// </summary>
    private (HashSet<string> Lanes, Task Back)? _writing;
    private readonly Dictionary<string, Task> _finishingLanes = new(StringComparer.Ordinal);

    /// <summary>The longest a write waits for the finish ahead of it: its acknowledgement waits with it.</summary>
    internal static readonly TimeSpan FinishAheadWait = TimeSpan.FromMilliseconds(200);

    private readonly Together<DurableWork, Job?> _writes;

    /// <summary>A dependency known to be down: when to ask it next, and whether someone is asking now.</summary>
    private sealed class Outage
    {
        public DateTimeOffset NextProbeAt;
        public bool Probing;
    }

    public WorkQueue(IEnumerable<IJobHandler> handlers, IEnumerable<IDependency> dependencies, Dependencies signals,
        IOptions<ReliabilityOptions> options, TimeProvider clock, ILogger<WorkQueue> log, IJobLedger ledger, IJobScopes? scopes = null)
    {
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        _dependencies = dependencies.ToList();
        _signals = signals;
        _clock = clock;
        _options = options;
        _scopes = scopes;
        _log = log;
        _ledger = ledger;
        _writes = new Together<DurableWork, Job?>(WriteAsync);
        _storeLink = ledger.StoreLink is { } link
            ? link with { Kinds = _handlers.Keys.ToArray(), RememberDone = options.Value.RememberDone, Clock = clock, Finishing = FinishingAsync }
            : null;
        LedgerStart start;
        try
        {
            start = ledger.Open();
        }
        catch (Exception e) when (e is not Hosting.StartupException)
        {
            throw ledger.Unusable(e);
        }
        _failed = start.Failed;
        LedgerSchema = start.Schema;
        if (ledger.Shared) CountIn(start.Waiting);
        foreach (var job in start.Pending)
        {
            if (_handlers.ContainsKey(job.Kind))
            {
                AddToLane(job);
                continue;
            }
            LogUnknownKind(_log, job.Kind, job.Key);
            // Only the embedded ledger hands back pending jobs, and its calls complete at once.
            _ledger.FinishAsync(job, "failed", $"no handler for jobs of kind '{job.Kind}'", _clock.GetUtcNow(), _clock.GetUtcNow() - _options.Value.RememberDone, _handlers.Keys)
                .GetAwaiter().GetResult();
            _failed++;
        }
        if (_depth == 0) _idle.TrySetResult();
        signals.Answered += Recovered;
    }

    /// <summary>The version the ledger's tables were at when this queue opened them.</summary>
    public Storage.SchemaVersion? LedgerSchema { get; }

    /// <summary>
    /// Shutting down: the queue runs nothing more, so its writes and finishes take no lanes (one taken after its leases
    /// went back would wait out the lease before another replica could take it).
    /// </summary>
    private bool Leaving => _stopScheduling.IsCancellationRequested;

    /// <summary>Whether other replicas share this queue's ledger.</summary>
    public bool Shared => _ledger.Shared;

    /// <summary>Whether the ledger decides repeats of a delivery as it writes the work (<see cref="DurableWork.Once"/>).</summary>
    public bool RemembersDeliveries => _ledger.RemembersDeliveries;

    /// <summary>Durable jobs acknowledged but not yet completed.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Durable jobs set aside because they can never succeed.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Everything not finished yet: durable jobs and transient work.</summary>
    public int Pending
    {
        get { lock (_gate) return _depth + _transient; }
    }

    /// <summary>
    /// The moment the queue will next do something of its own accord (a retry or a probe falls due), when nothing is
    /// running, being probed or due already; null otherwise, and when nothing waits. Lets the demo and tests move a clock
    /// straight to the next event instead of guessing how far.
    /// </summary>
    public DateTimeOffset? NextWakeWhenQuiet
    {
        get
        {
            lock (_gate)
            {
                if (_transient > 0 || _runningLanes.Count > 0 || _outages.Values.Any(o => o.Probing)) return null;
                var due = _lanes.Values.Where(l => l.Count > 0).Select(l => l.Peek().NextAttemptAt)
                    .Concat(_outages.Values.Select(o => o.NextProbeAt)).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                return due == DateTimeOffset.MaxValue || due <= _clock.GetUtcNow() ? null : due;
            }
        }
    }

    /// <summary>How long the oldest durable job has waited; zero when none is waiting.</summary>
    public TimeSpan OldestAge
    {
        get
        {
            lock (_gate)
            {
                var now = _clock.GetUtcNow();
                if (_ledger.Shared) return _depth > 0 && _oldestShared is { } shared && shared < now ? now - shared : TimeSpan.Zero;
                var oldest = _lanes.Values.Where(l => l.Count > 0).Select(l => l.Peek().CreatedAt).DefaultIfEmpty(now).Min();
                return now - oldest;
            }
        }
    }

    // Called under _gate, or before the queue is shared.
    private void AddToLane(Job job)
    {
        if (!_lanes.TryGetValue(job.Lane, out var lane)) _lanes[job.Lane] = lane = new LaneQueue();
        // Already queued here: a finish handed on a job that this replica's write had taken with its lane. It runs once.
        if (lane.Holds(job.Id)) return;
        job.HereSince = _clock.GetUtcNow();
        if (job.Untried && job.FirstStep is null && _stepsBehind.Remove(job.Key, out var step)) job.FirstStep = step;
        lane.Enqueue(job);
        // On the shared ledger the depth is the ledger's count, which already holds a job another replica wrote.
        if (!_ledger.Shared) CountIn(1);
    }

    // Called under _gate.
    private void CountIn(int jobs)
    {
        _depth += jobs;
        if (_depth > 0 && _idle.Task.IsCompleted) _idle = NewPending();
    }

    // ---- taking work ----

    /// <summary>
    /// Records a job durably; the task completes once it is on disk. False when a job with this key was already recorded
    /// (a double submission or a redelivery), in which case nothing new will run.
    /// </summary>
    public async Task<bool> EnqueueAsync(DurableWork work)
    {
        if (!_handlers.TryGetValue(work.Kind, out var handler)) throw new ArgumentException($"No handler for jobs of kind '{work.Kind}'.", nameof(work));
        // Where the ledger can, the job's first step goes with its write: one round trip fewer for the job.
        if (_ledger.TakesFirstSteps && work.FirstStep is null && handler.FirstStepOf(work) is { } step) work = work with { FirstStep = step };
        // Before it joins a write, so that only this job's acknowledgement waits, not the others' in the same write.
        if (_ledger.Shared && FinishAhead(work) is { } finish)
        {
            try
            {
                await finish.WaitAsync(FinishAheadWait, _clock).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Written now all the same: its job is found by a look, as before.
            }
        }
        // Jobs written while a write is under way go in the next one, in one transaction, so a burst of clicks costs a few
        // disk flushes (or round trips), not one each.
        var added = await _writes.RunAsync(work).ConfigureAwait(false) is not null;
        // A repeated press (Once) is the dispatcher's to report.
        if (!added && work.Once is null) LogDuplicate(_log, work.Kind, work.Key);
        return added;
    }

    private async Task<IReadOnlyList<Job?>> WriteAsync(IReadOnlyList<DurableWork> batch)
    {
        var now = _clock.GetUtcNow();
        LaneOffer? take = null;
        var back = NewPending();
        if (_ledger.Shared)
            lock (_gate)
            {
                if (!Leaving) take = new LaneOffer(now + _options.Value.LeaseTime, [.. HeldLanes()], MaxConcurrent - _lanes.Count);
                _writing = ([.. batch.Select(w => w.Lane)], back.Task);
            }
        IReadOnlyList<Job?> jobs;
        try
        {
            jobs = await _ledger.InsertAsync(batch, now, take).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
                if (_writing?.Back == back.Task) _writing = null;
            back.TrySetResult();
        }
        lock (_gate)
        {
            if (_ledger.Shared)
            {
                // A job whose lane this write took runs here now. Any other runs once leased, here or on another
                // replica: look for it now rather than at the next poll. A job in a lane this replica holds needs
                // no look: the finish of the job before it hands it the lane, or, if that finish let the lane go
                // before this job was written, it looks (this write left work untaken) or this write does (the lane
                // is no longer held here by then).
                CountIn(jobs.Count(j => j is not null));
                KeepStepsBehind(jobs, now);
                foreach (var job in jobs)
                {
                    if (job is { LeasedHere: true }) AddToLane(job);
                    else if (job is not null && _lanes.ContainsKey(job.Lane)) _writtenBehind.Add(job.Lane);
                }
                if (jobs.Any(j => j is { LeasedHere: false })) _leftUntaken = true;
                // That includes a job behind a finish put off here: the look writes the finish and hands the job the lane.
                if (jobs.Any(j => j is not null && !_lanes.ContainsKey(j.Lane))) AskForLook("a write left a job in a lane not held here");
                _writesDuringAdopt++;
            }
            else
            {
                foreach (var job in jobs.OfType<Job>()) AddToLane(job);
            }
        }
        Signal();
        return jobs;
    }

    /// <summary>A finish of <paramref name="work"/>'s lane on its way from here, when its first step waits for it (<see cref="_writing"/>).</summary>
    private Task? FinishAhead(DurableWork work)
    {
        if (work.FirstStep is not { WaitsForTheFinishAhead: true }) return null;
        lock (_gate) return _finishingLanes.GetValueOrDefault(work.Lane);
    }

    /// <summary>
    /// Just before a finish of <paramref name="lane"/> goes (the queue's own, or a store write's: <see cref="StoreLink.Finishing"/>):
    /// waits for a write of that lane on its way from here, and marks the finish on its way until disposed (<see cref="_writing"/>).
    /// </summary>
    private async Task<IDisposable> FinishingAsync(string lane)
    {
        var back = NewPending();
        Task? write;
        lock (_gate)
        {
            write = _writing is { } w && w.Lanes.Contains(lane) ? w.Back : null;
            _finishingLanes[lane] = back.Task;
        }
        if (write is not null) await write.ConfigureAwait(false);
        return new OnItsWay(() =>
        {
            lock (_gate)
                if (_finishingLanes.TryGetValue(lane, out var marked) && marked == back.Task) _finishingLanes.Remove(lane);
            back.TrySetResult();
        });
    }

    private sealed class OnItsWay(Action back) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) back();
        }
    }

    /// <summary>
    /// The lanes a write must not take, as held here: all of this replica's, but those whose running job is finishing. That
    /// finish may have let the lane go on disk already, and the new job then takes it and queues here behind the job
    /// (the ledger takes a lane only when nothing waits in it). Called under _gate.
    /// </summary>
    private IEnumerable<string> HeldLanes()
    {
        foreach (var (name, lane) in _lanes)
            if (!(_runningLanes.Contains(name) && lane.TryPeek(out var head) && head.Finishing)) yield return name;
        foreach (var name in _putOff.Keys) yield return name;
    }

    /// <summary>Every lane this replica holds: those with work here, and those whose finish is put off. Called under _gate.</summary>
    private List<string> AllHeld() => [.. _lanes.Keys, .. _putOff.Keys];

    // Called under _gate.
    private void KeepStepsBehind(IReadOnlyList<Job?> jobs, DateTimeOffset now)
    {
        // Steps no longer fresh are of no use: their jobs ran elsewhere, or will read afresh.
        if (_stepsBehind.Count > 0)
            foreach (var (key, old) in _stepsBehind.ToList())
                if (!FirstStep.FreshAt(old.TakenAt, now)) _stepsBehind.Remove(key);
        foreach (var job in jobs)
            if (job is { LeasedHere: false, FirstStep: { } step }) _stepsBehind[job.Key] = step;
    }

    /// <summary>Starts transient work now, beside everything else.</summary>
    public void Run(TransientWork work)
    {
        lock (_gate)
        {
            _transient++;
            if (_quiet.Task.IsCompleted) _quiet = NewPending();
            if (_idle.Task.IsCompleted) _idle = NewPending();
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await _transientSlots.WaitAsync(_hardStop.Token).ConfigureAwait(false);
                try { await work.Run(_hardStop.Token).ConfigureAwait(false); }
                finally { _transientSlots.Release(); }
            }
            catch (OperationCanceledException) when (_hardStop.IsCancellationRequested)
            {
                LogCancelled(_log, work.Name);
            }
            catch (Exception e)
            {
                LogTransientFailed(_log, e, work.Name);
            }
            finally
            {
                lock (_gate)
                {
                    _transient--;
                    CheckQuiet();
                }
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="then"/> as it asks: durable work is on disk when this completes. False when it was a repeat
    /// (<see cref="EnqueueAsync"/>), and nothing new will run.
    /// </summary>
    public async Task<bool> StartAsync(AfterAck then)
    {
        switch (then)
        {
            case DurableWork durable:
                return await EnqueueAsync(durable).ConfigureAwait(false);
            case TransientWork transient:
                Run(transient);
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// Completes when nothing is pending, durable or transient (tests and the demo use this). On the shared ledger that
    /// means nothing pending on any replica, as a count of the ledger read after the wait began says: work this replica
    /// wrote may be finished by another, which tells nobody here, and another's work is in no count of this replica's own.
    /// </summary>
    public async Task WhenIdleAsync(CancellationToken ct = default)
    {
        if (!_ledger.Shared)
        {
            while (true)
            {
                Task idle;
                lock (_gate)
                {
                    if (_depth == 0 && _transient == 0) return;
                    idle = _idle.Task;
                }
                await idle.WaitAsync(ct).ConfigureAwait(false);
            }
        }

        // Between counts the depth is only what this replica's own writes and finishes make it, so it can reach zero while
        // another replica still has work. Only a count begun after the wait began may say the queue is empty.
        long? since = null;
        var recount = true;
        while (true)
        {
            Task wait;
            // Bounded, so that a look held up (a slow database) never holds the wait for longer than that.
            var bound = Task.Delay(SharedIdleCheck, ct);
            lock (_gate)
            {
                since ??= _countsBegun;
                var ownDone = _depth == 0 && _transient == 0;
                if (ownDone && _countedEmpty > since) return;
                // No look will come (not started, or stopped): this replica's own depth is all there is to go on.
                if (ownDone && (_scheduler is null || Leaving)) return;
                if (recount)
                {
                    // The next look counts, whatever the interval.
                    _countNow = true;
                    AskForLook("waiting for the queue to empty");
                    wait = _counted.Task;
                }
                // The count found work: wait for this replica's own to finish, or a while when another replica has it.
                else wait = _idle.Task.IsCompleted ? bound : _idle.Task;
            }
            if (recount) Signal();
            await Task.WhenAny(wait, bound).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            recount = !recount;
        }
    }

    /// <summary>How often a wait for the shared queue to empty looks at the ledger again (real time: it is for tests and the demo).</summary>
    private static readonly TimeSpan SharedIdleCheck = TimeSpan.FromMilliseconds(100);

    // ---- running ----

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _scheduler = Task.Run(() => ScheduleAsync(_stopScheduling.Token), CancellationToken.None);
        if (_ledger.Shared)
            _renewer = Task.Factory.StartNew(() => RenewLoop(_stopScheduling.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    /// <summary>Work under way is finished (bounded by the host's shutdown time-out); queued work waits for the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopScheduling.CancelAsync().ConfigureAwait(false);
        if (_scheduler is not null) await _scheduler.ConfigureAwait(false);
        if (_renewer is not null) await _renewer.ConfigureAwait(false);
        Task quiet;
        lock (_gate) quiet = _quiet.Task;
        try { await quiet.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { await _hardStop.CancelAsync().ConfigureAwait(false); }
        if (_ledger.Shared)
        {
            // Finishes put off are written now (a look that takes nothing), so their lanes are handed on rather than left
            // to run out their lease, and their jobs are not replayed elsewhere.
            await TendLeasesAsync(_clock.GetUtcNow(), leaving: true).ConfigureAwait(false);
            // Leaving: the lanes held go back at once, so another replica need not wait for the leases to run out.
            List<string> held;
            lock (_gate) held = [.. _lanes.Keys.Where(l => !_runningLanes.Contains(l))];
            foreach (var lane in held)
            {
                try { _ledger.Release(lane); }
                catch (Exception e) { LogLedgerFailed(_log, e, "handing back work at shutdown"); }
            }
            return;
        }
        if (Depth > 0) LogStoppedWithWork(_log, Depth);
    }

    private async Task ScheduleAsync(CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            DateTimeOffset? next = null;
            var start = new List<Job>();
            var probe = new List<IDependency>();
            if (_ledger.Shared)
            {
                await TendLeasesAsync(now).ConfigureAwait(false);
                next = _nextAdoptAt;
            }
            lock (_gate)
            {
                foreach (var (name, lane) in _lanes)
                {
                    if (lane.Count == 0 || _runningLanes.Contains(name)) continue;
                    var head = lane.Peek();
                    if (head.NextAttemptAt > now) next = Earlier(next, head.NextAttemptAt);
                    else if (_runningLanes.Count < MaxConcurrent)
                    {
                        _runningLanes.Add(name);
                        if (_quiet.Task.IsCompleted) _quiet = NewPending();
                        start.Add(head);
                    }
                }
                foreach (var (name, outage) in _outages)
                {
                    if (outage.Probing) continue;
                    if (outage.NextProbeAt > now) next = Earlier(next, outage.NextProbeAt);
                    else if (_dependencies.FirstOrDefault(d => d.Name == name) is { } dependency)
                    {
                        outage.Probing = true;
                        probe.Add(dependency);
                    }
                }
            }
            foreach (var job in start) _ = Task.Run(() => RunJobAsync(job), CancellationToken.None);
            foreach (var dependency in probe) _ = Task.Run(() => ProbeAsync(dependency), CancellationToken.None);

            try
            {
                if (next is not { } due)
                {
                    await _wake.WaitAsync(stop).ConfigureAwait(false);
                    continue;
                }
                // Wake for the earliest due time, or earlier if something changes (new work, a job done, a recovery).
                using var either = CancellationTokenSource.CreateLinkedTokenSource(stop);
                // From the clock as it is now: the pass itself (a look in the shared ledger) may have taken a while.
                var delay = Task.Delay(Max(due - _clock.GetUtcNow(), TimeSpan.Zero), _clock, either.Token);
                var woken = _wake.WaitAsync(either.Token);
                await Task.WhenAny(delay, woken).ConfigureAwait(false);
                await either.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(delay, woken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The shared ledger: when asked or at each poll, leases due lanes nobody holds, up to what this replica may run at once.
    /// </summary>
    /// <remarks>
    /// The look also writes the finishes put off since the last one (<see cref="PutOffFinish"/>), in the same round trip.
    /// <paramref name="leaving"/>: the last one, at shutdown, to write those and take nothing.
    /// </remarks>
    private async Task TendLeasesAsync(DateTimeOffset now, bool leaving = false)
    {
        var o = _options.Value;
        int room, writes;
        bool counts;
        long look = 0;
        List<string> busy;
        List<PutOffFinish> finishes;
        lock (_gate)
        {
            if (leaving ? _putOff.Count == 0 : !_adoptNow && now < _nextAdoptAt) return;
            // The shared counts (the health page's depth, the gauges) are read once a poll interval: under load a look
            // comes many times a second, and the count was its costliest statement. Between counts this replica's own
            // writes and finishes keep its depth, as they do between polls.
            counts = leaving || _countNow || now >= _countsDueAt;
            _countNow = false;
            if (counts)
            {
                _countsDueAt = now + o.PollInterval;
                look = ++_countsBegun;
            }
            LogLook(_log, leaving ? "shutdown" : _adoptNow ? _lookWhy : _nextAdoptAt < _nextPollAt ? "a lane held elsewhere frees" : "the poll");
            _adoptNow = false;
            room = leaving ? 0 : MaxConcurrent - _lanes.Count;
            busy = AllHeld();
            finishes = [.. _putOff.Values];
            writes = _writesDuringAdopt;
        }
        if (!leaving) _nextAdoptAt = _nextPollAt = now + o.PollInterval;
        try
        {
            var found = await _ledger.AdoptAsync(now, now + o.LeaseTime, busy, _handlers.Keys, Math.Max(room, 0), finishes, counts).ConfigureAwait(false);
            lock (_gate)
            {
                for (var i = 0; i < finishes.Count; i++)
                {
                    // Dropped meanwhile only if the lease was lost (RenewLeases): the job is the other replica's now.
                    if (!_putOff.Remove(finishes[i].Job.Lane)) continue;
                    Finished(finishes[i].Job, "done", found.Finished[i], writes);
                }
                foreach (var job in found.Jobs) AddToLane(job);
                // Fewer due lanes found than there was room for means nothing waits untaken, as far as this look could tell (a
                // write since then sets it again). Fewer taken than found says nothing: a racing taker (a finish here, another
                // replica) got those lanes, and more may be due.
                if (found.Due < room && writes == _writesDuringAdopt) _leftUntaken = false;
                // Without a count the depth stays as this replica's writes and finishes keep it, and the moment a lane held
                // elsewhere frees is the last count's.
                if (counts)
                {
                    _failed = found.Failed;
                    _oldestShared = found.OldestCreatedAt;
                    _nextFreeAt = found.NextFreeAt;
                    // A write that landed while the ledger was being read is not in its count yet; keep counting it.
                    var depth = writes == _writesDuringAdopt ? found.Pending : Math.Max(found.Pending, _depth);
                    _depth = 0;
                    CountIn(depth);
                    if (_depth == 0 && _transient == 0) _idle.TrySetResult();
                    Counted(look);
                }
                // Work that becomes takeable before the next poll (a dead replica's lease running out) is looked for then,
                // not up to a poll later; never sooner than a twentieth of the poll, so a clock far off cannot make it spin.
                if (_nextFreeAt is { } free && free > now && free < _nextAdoptAt) _nextAdoptAt = Later(free, now + o.PollInterval / 20);
            }
        }
        catch (Exception e)
        {
            LogLedgerFailed(_log, e, "looking for work");
            // A count the ledger could not give leaves this replica's own depth to go on, as between counts.
            if (counts)
                lock (_gate) Counted(look);
        }
    }

    // Called under _gate: a look that counted (or tried to) came back; a wait for the shared queue to empty hears of it.
    private void Counted(long look)
    {
        if (_depth == 0 && _transient == 0) _countedEmpty = Math.Max(_countedEmpty, look);
        var counted = _counted;
        _counted = NewPending();
        counted.TrySetResult();
    }

    /// <summary>
    /// Renews this replica's leases every third of the lease time, on a thread of its own: the scheduler, the requests and
    /// the jobs may keep the thread pool busy, and a renewal that came late would let another replica run a job still
    /// under way here. It wakes on the bot's clock, and by itself after that long in real time should the clock's timer be
    /// held up. Lanes another replica has taken are dropped.
    /// </summary>
    private void RenewLoop(CancellationToken stop)
    {
        var period = _options.Value.LeaseTime / 3;
        using var timer = _clock.CreateTimer(_ => WakeRenewal(), null, period, period);
        while (!stop.IsCancellationRequested)
        {
            try { _renewWake.Wait(period, stop); }
            catch (OperationCanceledException) { return; }
            var now = _clock.GetUtcNow();
            if (now < _nextRenewAt) continue;
            RenewLeases(now);
        }
    }

    private void WakeRenewal()
    {
        try { _renewWake.Release(); }
        catch (SemaphoreFullException) { }
    }

    private void RenewLeases(DateTimeOffset now)
    {
        var o = _options.Value;
        List<string> held;
        lock (_gate) held = AllHeld();
        try
        {
            foreach (var lost in _ledger.Renew(held, now, now + o.LeaseTime))
            {
                lock (_gate)
                {
                    // A job whose finish was put off is replayed by the replica that took the lane: its finish here would change nothing.
                    _putOff.Remove(lost);
                    _writtenBehind.Remove(lost);
                    // Its job finished while the renewal was on its way, and freed the lane itself: nothing was lost.
                    if (!_lanes.ContainsKey(lost)) continue;
                    // Its job is still pending in the ledger (so still counted), now for the replica that took the lane.
                    if (!_runningLanes.Contains(lost)) _lanes.Remove(lost);
                }
                LogLeaseLost(_log, lost);
            }
            _nextRenewAt = now + o.LeaseTime / 3;
        }
        catch (Exception e)
        {
            LogLedgerFailed(_log, e, "renewing leases");
            _nextRenewAt = now + o.PollInterval;
        }
    }

    /// <summary>Asks for a look for work at once (the scheduler makes it next). Called under _gate.</summary>
    private void AskForLook(string why)
    {
        if (!_adoptNow) _lookWhy = why;
        _adoptNow = true;
    }

    private void Signal()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    private async Task RunJobAsync(Job job)
    {
        using var scope = _scopes?.Begin(_log, job);
        try
        {
            // A job under way may finish while the host stops (bounded by the host's shutdown time-out).
            await _handlers[job.Kind].RunAsync(new JobContext(job, (p, ct) => SaveProgressAsync(job, p, ct), EnqueueAsync, _storeLink), _hardStop.Token).ConfigureAwait(false);
            // The store's last write may have finished it already, and handed its lane on (ProgressRide.Finishes).
            if (job.FinishedByStore is { } handoff) Finished(job, "done", handoff);
            else if (!TryPutOffFinish(job)) await FinishAsync(job, "done", null).ConfigureAwait(false);
            if (job.BlockedOn is { } dependency)
                lock (_gate) _strikes.Remove(dependency);
        }
        catch (PermanentJobFailure e)
        {
            LogPermanent(_log, e, job.Kind, job.Key);
            await FinishAsync(job, "failed", e.Message).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // Another replica holds the lane now and runs this job from the progress on disk: nothing here to finish or retry.
            lock (_gate)
            {
                _lanes.Remove(job.Lane);
                _writtenBehind.Remove(job.Lane);
            }
            LogLeaseLost(_log, job.Lane);
        }
        catch (Exception e) when (job.FinishedByStore is not null)
        {
            // Done on disk, with its lane handed on: nothing to retry. A job that finishes with a store write does nothing after it.
            LogFailedAfterFinish(_log, e, job.Kind, job.Key);
            Finished(job, "done", job.FinishedByStore);
        }
        catch (Exception e)
        {
            await RetryAsync(job, e).ConfigureAwait(false);
        }
        finally
        {
            // Read for the first attempt only; a later one reads afresh (and finds the job tried: JobContext took Untried).
            job.FirstStep = null;
            job.Finishing = false;
            lock (_gate)
            {
                _runningLanes.Remove(job.Lane);
                CheckQuiet();
            }
            Signal();
        }
    }

    private async Task RetryAsync(Job job, Exception e)
    {
        var now = _clock.GetUtcNow();
        var dependency = _dependencies.FirstOrDefault(d => d.Explains(e))?.Name;
        var wokenEarly = job.BlockedOn is not null && job.BlockedOn == dependency && job.NextAttemptAt < job.ScheduledFor;
        job.Attempts++;
        var delay = RetryDelay(job.Attempts);
        job.NextAttemptAt = now + delay;
        job.ScheduledFor = job.NextAttemptAt;
        job.BlockedOn = dependency;
        // The lane stays this replica's while the job waits (its lease is renewed), so the lane's order holds.
        try
        {
            await _ledger.RecordRetryAsync(job, e.Message.Length > 500 ? e.Message[..500] : e.Message).ConfigureAwait(false);
        }
        catch (Exception recording)
        {
            // The attempt count is kept here; the job is tried again either way.
            LogLedgerFailed(_log, recording, "recording a retry");
        }
        LogRetry(_log, job.Kind, job.Key, job.Attempts, delay, dependency ?? "-", e.GetType().Name, e.Message);
        if (dependency is null) return;
        lock (_gate)
        {
            // Work that a recovery woke and that failed again: ask less often, so a half-working dependency is not hammered.
            var strikes = _strikes[dependency] = _strikes.GetValueOrDefault(dependency) + (wokenEarly ? 1 : 0);
            if (!_outages.ContainsKey(dependency))
            {
                var wait = ProbeWait(strikes);
                _outages[dependency] = new Outage { NextProbeAt = now + wait };
                LogOutage(_log, dependency, wait);
            }
        }
        // Outside the lock: from now on the clients leave retrying to the queue, which asks the dependency itself.
        _signals.ReportDown(dependency);
    }

    private async Task ProbeAsync(IDependency dependency)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_hardStop.Token);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await dependency.ProbeAsync(timeout.Token).ConfigureAwait(false);
            // Through the signal, so the clients hear it is up too (its client has usually said so already).
            _signals.ReportAnswered(dependency.Name);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_hardStop.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_outages.TryGetValue(dependency.Name, out var outage))
                {
                    outage.Probing = false;
                    outage.NextProbeAt = _clock.GetUtcNow() + ProbeWait(_strikes.GetValueOrDefault(dependency.Name));
                }
            }
            Signal();
        }
    }

    /// <summary>The probe interval, doubled for each time work a recovery woke failed again, up to the longest retry delay.</summary>
    private TimeSpan ProbeWait(int strikes) =>
        TimeSpan.FromTicks(Math.Min(_options.Value.MaxRetryDelay.Ticks, _options.Value.ProbeInterval.Ticks * (1L << Math.Min(strikes, 20))));

    /// <summary>A dependency answered: every job waiting on it goes now, in its lane's order.</summary>
    private void Recovered(string dependency)
    {
        int woken;
        lock (_gate)
        {
            if (!_outages.Remove(dependency)) return;
            var now = _clock.GetUtcNow();
            woken = 0;
            foreach (var lane in _lanes.Values)
            {
                if (lane.Count == 0) continue;
                var head = lane.Peek();
                if (head.BlockedOn != dependency || head.NextAttemptAt <= now) continue;
                head.NextAttemptAt = now;
                woken++;
            }
        }
        LogRecovered(_log, dependency, woken);
        Signal();
    }

    /// <summary>1 s, 2 s, 4 s … up to the configured cap.</summary>
    internal TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(_options.Value.MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(attempt - 1, 20))));

    private Task SaveProgressAsync(Job job, JsonObject progress, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return _ledger.SaveProgressAsync(job, progress);
    }

    /// <summary>
    /// Puts a done job's finish off to the next look for work (<see cref="PutOffFinish"/>), when that costs nobody a wait:
    /// on a ledger that can, for a job this replica's own write leased its lane for (a job handed on, or found by a look, may
    /// have others behind it that only the ledger knows of), with nothing queued or written behind it here. Every look
    /// carries such finishes, and a look comes within the poll interval, at once after a write behind one, and at shutdown.
    /// False when the job is to be finished now.
    /// </summary>
    private bool TryPutOffFinish(Job job)
    {
        if (!_ledger.PutsOffFinishes || !job.LeasedHere) return false;
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            // A write of the lane on its way from here: its job goes behind this one, so the finish is made now, once that
            // write is in (FinishingAsync), and hands it the lane.
            if (Leaving || _writtenBehind.Contains(job.Lane) || _writing is { } w && w.Lanes.Contains(job.Lane)) return false;
            if (!_lanes.TryGetValue(job.Lane, out var lane) || lane.Count != 1 || lane.Peek().Id != job.Id) return false;
            _lanes.Remove(job.Lane);
            _putOff[job.Lane] = new PutOffFinish(job, now, now - _options.Value.RememberDone);
        }
        return true;
    }

    private async Task FinishAsync(Job job, string state, string? error)
    {
        var now = _clock.GetUtcNow();
        // On the shared ledger this frees the lane too, for its next job on any replica, or keeps it here for that job. When
        // this replica left work untaken, the same round trip takes a lane in place of the one let go (what a look would do).
        LaneOffer? take = null;
        int writes;
        job.Finishing = true;
        lock (_gate)
        {
            writes = _writesDuringAdopt;
            if (_ledger.Shared && _leftUntaken && !Leaving) take = new LaneOffer(now + _options.Value.LeaseTime, [.. _lanes.Keys], 1);
        }
        LaneHandoff handoff;
        using (_ledger.Shared ? await FinishingAsync(job.Lane).ConfigureAwait(false) : null)
            handoff = await _ledger.FinishAsync(job, state, error, now, now - _options.Value.RememberDone, _handlers.Keys, take).ConfigureAwait(false);
        Finished(job, state, handoff, take is null ? null : writes);
    }

    /// <summary>
    /// The job is finished on disk, its lane handed on so (<see cref="LaneHandoff.Next"/>: the lane's next job, kept here):
    /// the queue's own account of it. <paramref name="tookWithWrites"/>: the finish was asked to take lanes
    /// (<see cref="LaneHandoff.Taken"/>) when the count of writes was this.
    /// </summary>
    private void Finished(Job job, string state, LaneHandoff handoff, int? tookWithWrites = null)
    {
        var next = handoff.Next;
        lock (_gate)
        {
            foreach (var taken in handoff.Taken) AddToLane(taken);
            // Fewer due lanes found than asked for: nothing waits untaken, unless a write since says otherwise.
            if (handoff.TakeAsked > handoff.TakeDue && tookWithWrites == _writesDuringAdopt) _leftUntaken = false;
            if (_lanes.TryGetValue(job.Lane, out var lane) && lane.TryPeek(out var head) && head.Id == job.Id) lane.Dequeue();
            // Already counted in the ledger's depth; its lease is this replica's, so it runs next, here (the ledger kept the
            // lane for it, so it must never be dropped, whatever became of the lane here meanwhile).
            if (next is not null) AddToLane(next);
            else
            {
                if (lane is { Count: 0 }) _lanes.Remove(job.Lane);
                // Let go on disk: whatever was written behind is any replica's now.
                if (lane is null or { Count: 0 }) _writtenBehind.Remove(job.Lane);
            }
            if (state == "failed") _failed++;
            if (_depth > 0) _depth--;
            if (next is not null && _depth == 0) CountIn(1);
            if (_depth == 0 && _transient == 0) _idle.TrySetResult();
            // A lane let go leaves room for one more: look for work now, if this replica left work untaken and the finish
            // did not take a lane itself. A lane carrying on needs no look; other work nobody holds is found by the regular poll.
            if (_ledger.Shared && next is null && _leftUntaken && tookWithWrites is null) AskForLook("a finish let its lane go with work left untaken");
        }
    }

    // Called under _gate.
    private void CheckQuiet()
    {
        if (_transient == 0 && _runningLanes.Count == 0) _quiet.TrySetResult();
        if (_transient == 0 && _depth == 0) _idle.TrySetResult();
    }

    private static TaskCompletionSource NewPending() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource Done()
    {
        var done = NewPending();
        done.SetResult();
        return done;
    }

    private static DateTimeOffset Earlier(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} job {Key} was already recorded; the repeat is ignored")]
    private static partial void LogDuplicate(ILogger log, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} job {Key} failed (attempt {Attempt}); retrying in {Delay} (waiting on: {Dependency}): {ErrorType}: {Error}")]
    private static partial void LogRetry(ILogger log, string kind, string key, int attempt, TimeSpan delay, string dependency, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} job {Key} failed after its last write had finished it; nothing is retried")]
    private static partial void LogFailedAfterFinish(ILogger log, Exception e, string kind, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} job {Key} can never succeed and was set aside")]
    private static partial void LogPermanent(ILogger log, Exception e, string kind, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Key} is of kind '{Kind}', which this version does not know; set aside")]
    private static partial void LogUnknownKind(ILogger log, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping with {Depth} acknowledged jobs still pending; they resume at the next start")]
    private static partial void LogStoppedWithWork(ILogger log, int depth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} looks down; queued work waits for it, and it is asked again in {Wait}")]
    private static partial void LogOutage(ILogger log, string dependency, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease on work for {Lane} ran out and another replica has it now")]
    private static partial void LogLeaseLost(ILogger log, string lane);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shared work queue could not be reached while {Doing}; trying again shortly")]
    private static partial void LogLedgerFailed(ILogger log, Exception e, string doing);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Looking for work in the shared queue: {Why}")]
    private static partial void LogLook(ILogger log, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Dependency} answers again; {Count} waiting jobs resume now")]
    private static partial void LogRecovered(ILogger log, string dependency, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Background work '{Name}' failed")]
    private static partial void LogTransientFailed(ILogger log, Exception e, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background work '{Name}' cancelled at shutdown")]
    private static partial void LogCancelled(ILogger log, string name);

    /// <summary>
    /// One lane's jobs here, in order, with the ids they hold: whether a job handed on is queued already is a look-up, not a
    /// walk of the lane, which a burst of clicks on one request can make thousands long (the walk was made under the
    /// queue's lock for every job added).
    /// </summary>
    private sealed class LaneQueue
    {
        private readonly Queue<Job> _jobs = new();
        private readonly HashSet<long> _ids = [];

        public int Count => _jobs.Count;

        public bool Holds(long id) => _ids.Contains(id);

        public void Enqueue(Job job)
        {
            _jobs.Enqueue(job);
            _ids.Add(job.Id);
        }

        public Job Peek() => _jobs.Peek();

        public bool TryPeek([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Job job) => _jobs.TryPeek(out job);

        public Job Dequeue()
        {
            var job = _jobs.Dequeue();
            _ids.Remove(job.Id);
            return job;
        }
    }

}
