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
}

/// <summary>A unit of acknowledged work: what to do (<see cref="Kind"/>), for what, and how far it got.</summary>
public sealed record PendingJob(long Id, string Kind, string Key, JsonObject Payload, JsonObject Progress, int Attempts, DateTimeOffset CreatedAt);

/// <summary>Does one kind of pending job. It must be safe to run again after a crash at any point.</summary>
public interface IPendingJobHandler
{
    string Kind { get; }

    /// <summary>
    /// Runs the job. <paramref name="saveProgress"/> writes <c>job.Progress</c> durably, so the handler can
    /// record an intent before a side effect and find out on a rerun whether it already happened.
    /// </summary>
    Task RunAsync(PendingJob job, Func<CancellationToken, Task> saveProgress, CancellationToken ct);
}

/// <summary>Thrown by a handler for a job that can never succeed; the job is set aside instead of retried.</summary>
public sealed class PermanentJobFailure(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A durable first-in first-out queue in its own SQLite file. Work is written here before Slack hears "ok",
/// so a crash, a restart, or a store or Slack outage only delays it: the worker runs jobs strictly in order,
/// retrying the oldest with capped, growing delays until it succeeds, and a job's key makes a repeated
/// submission a no-op.
/// </summary>
public sealed partial class PendingWorkQueue : BackgroundService
{
    private readonly string _connectionString;
    private readonly Dictionary<string, IPendingJobHandler> _handlers;
    private readonly TimeProvider _clock;
    private readonly IOptions<ReliabilityOptions> _options;
    private readonly ILogger<PendingWorkQueue> _log;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _gate = new();
    private TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _depth;
    private int _failed;

    public PendingWorkQueue(IEnumerable<IPendingJobHandler> handlers, IOptions<ReliabilityOptions> options, TimeProvider clock, ILogger<PendingWorkQueue> log)
    {
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        _clock = clock;
        _options = options;
        _log = log;
        var path = Path.GetFullPath(options.Value.QueuePath ?? throw new InvalidOperationException("Reliability:QueuePath is not set."));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        Initialise();
    }

    /// <summary>Jobs acknowledged but not yet completed.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Jobs set aside because they can never succeed.</summary>
    public int Failed => Volatile.Read(ref _failed);

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
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'pending'), (SELECT COUNT(*) FROM jobs WHERE state = 'failed')";
        using var r = cmd.ExecuteReader();
        r.Read();
        _depth = r.GetInt32(0);
        _failed = r.GetInt32(1);
        if (_depth == 0) _idle.TrySetResult();
    }

    /// <summary>
    /// Records a job durably. Returns false when a job with this key was already recorded (a double submission
    /// or a redelivery), in which case nothing new will run.
    /// </summary>
    public bool Enqueue(string kind, string key, JsonObject payload)
    {
        if (!_handlers.ContainsKey(kind)) throw new ArgumentException($"No handler for pending job kind '{kind}'.", nameof(kind));
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        bool added;
        lock (_gate)
        {
            using var c = Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO jobs(kind, key, payload, next_attempt_at, created_at) VALUES ($kind, $key, $payload, $now, $now)
                ON CONFLICT(key) DO NOTHING
                """;
            cmd.Parameters.AddWithValue("$kind", kind);
            cmd.Parameters.AddWithValue("$key", key);
            cmd.Parameters.AddWithValue("$payload", payload.ToJsonString());
            cmd.Parameters.AddWithValue("$now", now);
            added = cmd.ExecuteNonQuery() == 1;
            if (added && _depth++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (added) _wake.Release();
        else LogDuplicate(_log, kind, key);
        return added;
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

    /// <summary>Completes when no acknowledged job is waiting (tests and the demo use this).</summary>
    public Task WhenIdleAsync(CancellationToken ct = default)
    {
        lock (_gate) return _idle.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var job = NextPending(out var dueAt);
            if (job is null)
            {
                await _wake.WaitAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }
            var wait = dueAt - _clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                // Wake for the retry time, or earlier if new work arrives (which still waits its turn).
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delay = Task.Delay(wait, _clock, timer.Token);
                var woken = _wake.WaitAsync(timer.Token);
                await Task.WhenAny(delay, woken).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
                continue;
            }
            await RunAsync(job, stoppingToken).ConfigureAwait(false);
        }
    }

    private PendingJob? NextPending(out DateTimeOffset dueAt)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, kind, key, payload, progress, attempts, created_at, next_attempt_at FROM jobs WHERE state = 'pending' ORDER BY id LIMIT 1";
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            dueAt = default;
            return null;
        }
        dueAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7));
        return new PendingJob(r.GetInt64(0), r.GetString(1), r.GetString(2),
            (JsonObject)JsonNode.Parse(r.GetString(3))!, (JsonObject)JsonNode.Parse(r.GetString(4))!,
            r.GetInt32(5), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)));
    }

    private async Task RunAsync(PendingJob job, CancellationToken stoppingToken)
    {
        try
        {
            // A job in progress is allowed to finish when the host stops (bounded by the host's shutdown timeout).
            await _handlers[job.Kind].RunAsync(job, ct => SaveProgressAsync(job, ct), CancellationToken.None).ConfigureAwait(false);
            Finish(job, "done", null);
        }
        catch (PermanentJobFailure e)
        {
            LogPermanent(_log, e, job.Kind, job.Key);
            Finish(job, "failed", e.Message);
        }
        catch (Exception e)
        {
            var delay = RetryDelay(job.Attempts + 1);
            LogRetry(_log, job.Kind, job.Key, job.Attempts + 1, delay, e.GetType().Name, e.Message);
            Reschedule(job, delay, e.Message);
        }
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>1 s, 2 s, 4 s … up to the configured cap.</summary>
    internal TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(_options.Value.MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(attempt - 1, 20))));

    private Task SaveProgressAsync(PendingJob job, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE jobs SET progress = $p WHERE id = $id";
        cmd.Parameters.AddWithValue("$p", job.Progress.ToJsonString());
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    private void Finish(PendingJob job, string state, string? error)
    {
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            using var c = Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE jobs SET state = $state, finished_at = $now, last_error = $error, attempts = attempts + 1 WHERE id = $id;
                DELETE FROM jobs WHERE state = 'done' AND finished_at < $forget;
                """;
            cmd.Parameters.AddWithValue("$state", state);
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$id", job.Id);
            cmd.Parameters.AddWithValue("$forget", (now - _options.Value.RememberDone).ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
            if (state == "failed") _failed++;
            if (--_depth == 0) _idle.TrySetResult();
        }
    }

    private void Reschedule(PendingJob job, TimeSpan delay, string error)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE jobs SET attempts = attempts + 1, next_attempt_at = $next, last_error = $error WHERE id = $id";
        cmd.Parameters.AddWithValue("$next", (_clock.GetUtcNow() + delay).ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$error", error.Length > 500 ? error[..500] : error);
        cmd.Parameters.AddWithValue("$id", job.Id);
        cmd.ExecuteNonQuery();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (Depth > 0) LogStoppedWithWork(_log, Depth);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pending {Kind} job {Key} was already recorded; the repeat is ignored")]
    private static partial void LogDuplicate(ILogger log, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending {Kind} job {Key} failed (attempt {Attempt}); retrying in {Delay}: {ErrorType}: {Error}")]
    private static partial void LogRetry(ILogger log, string kind, string key, int attempt, TimeSpan delay, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pending {Kind} job {Key} can never succeed and was set aside")]
    private static partial void LogPermanent(ILogger log, Exception e, string kind, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping with {Depth} acknowledged jobs still pending; they resume at the next start")]
    private static partial void LogStoppedWithWork(ILogger log, int depth);
}
