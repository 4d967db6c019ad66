using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
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
}

/// <summary>Begins the log scopes a job's entries carry (who did it, and what), since it runs outside their request.</summary>
public interface IJobScopes
{
    IDisposable? Begin(ILogger log, Job job);
}

/// <summary>
/// The one place work runs after Slack has been answered.
/// <list type="bullet">
/// <item><b>Durable work</b> (<see cref="DurableWork"/>) is written to its own SQLite file before Slack hears "ok"
/// (<c>synchronous=FULL</c>, with concurrent writes committed together), so a crash, a restart, or an outage of the store
/// or Slack only delays it. Jobs of one lane (one request, or the intake) run strictly in order, one at a time; lanes
/// run side by side. A failing job is retried with doubling delays while the rest of its lane waits; a job's key makes a
/// repeat a no-op.</item>
/// <item><b>Transient work</b> (<see cref="TransientWork"/>) runs at once, in memory.</item>
/// <item><b>Prompt recovery.</b> When a job fails because Slack or the store is down (<see cref="IDependency"/>), that
/// dependency is asked every few seconds whether it answers again, and any call that gets an answer counts too; the
/// moment it does, the jobs waiting on it go, instead of sleeping out the rest of their delay.</item>
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

    private readonly string _connectionString;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly IReadOnlyList<IDependency> _dependencies;
    private readonly Dependencies _signals;
    private readonly TimeProvider _clock;
    private readonly IOptions<ReliabilityOptions> _options;
    private readonly IJobScopes? _scopes;
    private readonly ILogger<WorkQueue> _log;

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<Job>> _lanes = new(StringComparer.Ordinal);
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

    private readonly object _writeGate = new();
    private readonly List<PendingWrite> _toWrite = [];
    private bool _writing;

    private sealed record PendingWrite(DurableWork Work, TaskCompletionSource<bool> Done);

    /// <summary>A dependency known to be down: when to ask it next, and whether someone is asking now.</summary>
    private sealed class Outage
    {
        public DateTimeOffset NextProbeAt;
        public bool Probing;
    }

    public WorkQueue(IEnumerable<IJobHandler> handlers, IEnumerable<IDependency> dependencies, Dependencies signals,
        IOptions<ReliabilityOptions> options, TimeProvider clock, ILogger<WorkQueue> log, IJobScopes? scopes = null)
    {
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        _dependencies = dependencies.ToList();
        _signals = signals;
        _clock = clock;
        _options = options;
        _scopes = scopes;
        _log = log;
        var path = Path.GetFullPath(options.Value.QueuePath ?? throw new InvalidOperationException("Reliability:QueuePath is not set."));
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Initialise();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            throw new Hosting.StartupException(
                $"the data folder is not usable: the queue file {path} cannot be opened or created ({e.Message.TrimEnd('.')}); "
                + "make sure its folder (by default the one holding Storage:SqlitePath) exists or can be created and this user may write there, "
                + "or set Storage:SqlitePath (or Reliability:QueuePath) to a writable place.", e);
        }
        signals.Answered += Recovered;
    }

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
                var oldest = _lanes.Values.Where(l => l.Count > 0).Select(l => l.Peek().CreatedAt).DefaultIfEmpty(_clock.GetUtcNow()).Min();
                return _clock.GetUtcNow() - oldest;
            }
        }
    }

    // ---- the file ----

    private SqliteConnection Open()
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
    ];

    private void Initialise()
    {
        using var c = Open();
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
        var version = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
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
        var unknown = new List<Job>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var job = new Job(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), (JsonObject)JsonNode.Parse(r.GetString(6))!, (JsonObject)JsonNode.Parse(r.GetString(7))!,
                    r.GetInt32(8), FromDb(r.GetInt64(9)), FromDb(r.GetInt64(10)));
                if (_handlers.ContainsKey(job.Kind)) AddToLane(job);
                else unknown.Add(job);
            }
        }
        cmd.CommandText = "SELECT COUNT(*) FROM jobs WHERE state = 'failed'";
        _failed = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var job in unknown)
        {
            LogUnknownKind(_log, job.Kind, job.Key);
            Persist(job, "failed", $"no handler for jobs of kind '{job.Kind}'");
            _failed++;
        }
        if (_depth == 0) _idle.TrySetResult();
    }

    // Called under _gate, or before the queue is shared.
    private void AddToLane(Job job)
    {
        if (!_lanes.TryGetValue(job.Lane, out var lane)) _lanes[job.Lane] = lane = new Queue<Job>();
        lane.Enqueue(job);
        _depth++;
        if (_idle.Task.IsCompleted) _idle = NewPending();
    }

    // ---- taking work ----

    /// <summary>
    /// Records a job durably; the task completes once it is on disk. False when a job with this key was already recorded
    /// (a double submission or a redelivery), in which case nothing new will run.
    /// </summary>
    public async Task<bool> EnqueueAsync(DurableWork work)
    {
        if (!_handlers.ContainsKey(work.Kind)) throw new ArgumentException($"No handler for jobs of kind '{work.Kind}'.", nameof(work));
        var pending = new PendingWrite(work, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (_writeGate)
        {
            _toWrite.Add(pending);
            lead = !_writing;
            _writing = true;
        }
        // The first writer commits everything that queued up behind it in one transaction, so a burst of clicks costs
        // a few disk flushes, not one each.
        if (lead) WriteBatches();
        var added = await pending.Done.Task.ConfigureAwait(false);
        if (!added) LogDuplicate(_log, work.Kind, work.Key);
        return added;
    }

    private void WriteBatches()
    {
        while (true)
        {
            List<PendingWrite> batch;
            lock (_writeGate)
            {
                if (_toWrite.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = [.. _toWrite];
                _toWrite.Clear();
            }
            try
            {
                var jobs = WriteBatch(batch);
                lock (_gate)
                    foreach (var job in jobs.OfType<Job>())
                        AddToLane(job);
                Signal();
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(jobs[i] is not null);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Done.TrySetException(e);
            }
        }
    }

    private List<Job?> WriteBatch(List<PendingWrite> batch)
    {
        var now = _clock.GetUtcNow();
        using var c = Open();
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
        foreach (var (w, _) in batch)
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

    /// <summary>Runs <paramref name="then"/> as it asks: durable work is on disk when this completes.</summary>
    public async Task StartAsync(AfterAck then)
    {
        switch (then)
        {
            case DurableWork durable:
                await EnqueueAsync(durable).ConfigureAwait(false);
                break;
            case TransientWork transient:
                Run(transient);
                break;
        }
    }

    /// <summary>Completes when nothing is pending, durable or transient (tests and the demo use this).</summary>
    public async Task WhenIdleAsync(CancellationToken ct = default)
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

    // ---- running ----

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _scheduler = Task.Run(() => ScheduleAsync(_stopScheduling.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Work under way is finished (bounded by the host's shutdown time-out); queued work waits for the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopScheduling.CancelAsync().ConfigureAwait(false);
        if (_scheduler is not null) await _scheduler.ConfigureAwait(false);
        Task quiet;
        lock (_gate) quiet = _quiet.Task;
        try { await quiet.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { await _hardStop.CancelAsync().ConfigureAwait(false); }
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
                var delay = Task.Delay(Max(due - now, TimeSpan.Zero), _clock, either.Token);
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
            await _handlers[job.Kind].RunAsync(new JobContext(job, (p, ct) => SaveProgressAsync(job, p, ct), EnqueueAsync), _hardStop.Token).ConfigureAwait(false);
            Finish(job, "done", null);
            if (job.BlockedOn is { } dependency)
                lock (_gate) _strikes.Remove(dependency);
        }
        catch (PermanentJobFailure e)
        {
            LogPermanent(_log, e, job.Kind, job.Key);
            Finish(job, "failed", e.Message);
        }
        catch (Exception e)
        {
            Retry(job, e);
        }
        finally
        {
            lock (_gate)
            {
                _runningLanes.Remove(job.Lane);
                CheckQuiet();
            }
            Signal();
        }
    }

    private void Retry(Job job, Exception e)
    {
        var now = _clock.GetUtcNow();
        var dependency = _dependencies.FirstOrDefault(d => d.Explains(e))?.Name;
        var wokenEarly = job.BlockedOn is not null && job.BlockedOn == dependency && job.NextAttemptAt < job.ScheduledFor;
        job.Attempts++;
        var delay = RetryDelay(job.Attempts);
        job.NextAttemptAt = now + delay;
        job.ScheduledFor = job.NextAttemptAt;
        job.BlockedOn = dependency;
        using (var c = Open())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "UPDATE jobs SET attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE id = $id";
            cmd.Parameters.AddWithValue("$attempts", job.Attempts);
            cmd.Parameters.AddWithValue("$next", ToDb(job.NextAttemptAt));
            cmd.Parameters.AddWithValue("$error", e.Message.Length > 500 ? e.Message[..500] : e.Message);
            cmd.Parameters.AddWithValue("$id", job.Id);
            cmd.ExecuteNonQuery();
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

    /// <summary>
    /// The largest whole number recorded under <paramref name="field"/> in the progress of a job of this kind still
    /// waiting to finish; null when none has one.
    /// </summary>
    public long? HighestPendingProgress(string kind, string field)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT MAX(CAST(json_extract(progress, $path) AS INTEGER)) FROM jobs WHERE state = 'pending' AND kind = $kind";
        cmd.Parameters.AddWithValue("$path", "$." + field);
        cmd.Parameters.AddWithValue("$kind", kind);
        return cmd.ExecuteScalar() is long n ? n : null;
    }

    /// <summary>1 s, 2 s, 4 s … up to the configured cap.</summary>
    internal TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(_options.Value.MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(attempt - 1, 20))));

    private Task SaveProgressAsync(Job job, JsonObject progress, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE jobs SET progress = $p WHERE id = $id";
        cmd.Parameters.AddWithValue("$p", progress.ToJsonString());
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    private void Finish(Job job, string state, string? error)
    {
        Persist(job, state, error);
        lock (_gate)
        {
            if (_lanes.TryGetValue(job.Lane, out var lane) && lane.TryPeek(out var head) && head.Id == job.Id)
            {
                lane.Dequeue();
                if (lane.Count == 0) _lanes.Remove(job.Lane);
            }
            if (state == "failed") _failed++;
            if (--_depth == 0 && _transient == 0) _idle.TrySetResult();
        }
    }

    private void Persist(Job job, string state, string? error)
    {
        var now = _clock.GetUtcNow();
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            UPDATE jobs SET state = $state, finished_at = $now, last_error = $error, attempts = attempts + 1 WHERE id = $id;
            DELETE FROM jobs WHERE state = 'done' AND finished_at < $forget;
            """;
        cmd.Parameters.AddWithValue("$state", state);
        cmd.Parameters.AddWithValue("$now", ToDb(now));
        cmd.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.Parameters.AddWithValue("$forget", ToDb(now - _options.Value.RememberDone));
        cmd.ExecuteNonQuery();
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

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static long ToDb(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromDb(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} job {Key} was already recorded; the repeat is ignored")]
    private static partial void LogDuplicate(ILogger log, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} job {Key} failed (attempt {Attempt}); retrying in {Delay} (waiting on: {Dependency}): {ErrorType}: {Error}")]
    private static partial void LogRetry(ILogger log, string kind, string key, int attempt, TimeSpan delay, string dependency, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} job {Key} can never succeed and was set aside")]
    private static partial void LogPermanent(ILogger log, Exception e, string kind, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Key} is of kind '{Kind}', which this version does not know; set aside")]
    private static partial void LogUnknownKind(ILogger log, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping with {Depth} acknowledged jobs still pending; they resume at the next start")]
    private static partial void LogStoppedWithWork(ILogger log, int depth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} looks down; queued work waits for it, and it is asked again in {Wait}")]
    private static partial void LogOutage(ILogger log, string dependency, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Dependency} answers again; {Count} waiting jobs resume now")]
    private static partial void LogRecovered(ILogger log, string dependency, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Background work '{Name}' failed")]
    private static partial void LogTransientFailed(ILogger log, Exception e, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background work '{Name}' cancelled at shutdown")]
    private static partial void LogCancelled(ILogger log, string name);
}
