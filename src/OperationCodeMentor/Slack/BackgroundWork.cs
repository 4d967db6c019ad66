namespace OperationCodeMentor.Slack;

/// <summary>
/// Runs the slow part of a Slack interaction after the acknowledgement has gone back: store writes, posts, DMs.
/// Work runs concurrently (bounded), failures are logged with the work's name, and shutdown waits for
/// in-flight work. <see cref="WhenIdleAsync"/> lets callers (tests, the demo) wait until everything has finished.
/// </summary>
public sealed partial class BackgroundWork(ILogger<BackgroundWork> log) : IHostedService
{
    // SQLite's "async" calls block their thread, so each job can hold a pool thread; a small cap keeps enough
    // threads free to acknowledge Slack within its 3 seconds while a burst of follow-up work runs.
    public const int MaxConcurrent = 16;
    private readonly SemaphoreSlim _slots = new(MaxConcurrent);
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private int _pending;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    public int Pending => Volatile.Read(ref _pending);

    public void Run(string name, Func<CancellationToken, Task> work)
    {
        lock (_gate)
        {
            if (_pending++ == 0) _idle = NewIdle(completed: false);
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try { await work(_stopping.Token).ConfigureAwait(false); }
                finally { _slots.Release(); }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                LogCancelled(log, name);
            }
            catch (Exception e)
            {
                LogFailed(log, e, name);
            }
            finally
            {
                lock (_gate)
                {
                    if (--_pending == 0) _idle.TrySetResult();
                }
            }
        });
    }

    /// <summary>Completes when no work is pending (including work started by work that was pending).</summary>
    public async Task WhenIdleAsync(CancellationToken ct = default)
    {
        while (true)
        {
            Task idle;
            lock (_gate) idle = _idle.Task;
            await idle.WaitAsync(ct).ConfigureAwait(false);
            lock (_gate)
                if (_pending == 0) return;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try { await WhenIdleAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { await _stopping.CancelAsync().ConfigureAwait(false); }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult();
        return tcs;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background work '{Name}' failed")]
    private static partial void LogFailed(ILogger log, Exception e, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background work '{Name}' cancelled at shutdown")]
    private static partial void LogCancelled(ILogger log, string name);
}
