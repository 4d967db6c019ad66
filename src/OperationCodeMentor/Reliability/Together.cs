namespace OperationCodeMentor.Reliability;

/// <summary>
/// Puts calls that arrive while one is under way into the next one: under load, many callers share a round trip to the
/// database (the way a database commits concurrent transactions together), and alone, a caller waits for nothing. The
/// first caller runs its batch, and hands what queued up meanwhile to a runner of its own, so nobody waits for more than
/// the batch before theirs and their own. A batch that fails fails each of its callers. Batches run in the async flow of
/// the caller that started the runner, so what runs a batch must not look at ambient state (a job's
/// <see cref="ProgressRide"/> offer, a log scope): it would be that caller's.
/// </summary>
/// <param name="run">Runs one batch; answers one result per item, in order.</param>
public sealed class Together<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> run)
{
    private readonly object _gate = new();
    private readonly List<(TItem Item, TaskCompletionSource<TResult> Done)> _waiting = [];
    private bool _running;

    public Task<TResult> RunAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            _waiting.Add((item, done));
            lead = !_running;
            _running = true;
        }
        if (lead) _ = RunBatchesAsync();
        return done.Task;
    }

    private async Task RunBatchesAsync()
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Done)> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _running = false;
                    return;
                }
                batch = [.. _waiting];
                _waiting.Clear();
            }
            try
            {
                var results = await run([.. batch.Select(b => b.Item)]).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch) done.TrySetException(e);
            }
        }
    }
}
