namespace OperationCodeMentor.Slack;

/// <summary>
/// Whether Slack answers the bot's token, asked with <c>auth.test</c> at most once every half minute so a
/// health probe polled every second costs Slack nothing. Offline mode counts as reachable: nothing is sent.
/// </summary>
public sealed class SlackReachability(SlackApiClient slack, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private State? _last;

    public sealed record State(bool Reachable, string? Error, DateTimeOffset CheckedAt);

    /// <param name="fresh">Ask Slack now rather than answer from the last half minute (queued work waiting on Slack asks this way).</param>
    public async Task<State> CheckAsync(CancellationToken ct, bool fresh = false)
    {
        if (!fresh && _last is { } recent && clock.GetUtcNow() - recent.CheckedAt < CacheFor) return recent;
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!fresh && _last is { } again && clock.GetUtcNow() - again.CheckedAt < CacheFor) return again;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await slack.CallFormAsync("auth.test", new Dictionary<string, string>(), timeout.Token).ConfigureAwait(false);
                _last = new State(true, null, clock.GetUtcNow());
            }
            catch (SlackApiException e)
            {
                _last = new State(false, $"{e.Error}: {SlackErrors.Advice(e.Error)}", clock.GetUtcNow());
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                _last = new State(false, "timeout: Slack did not answer within 5 seconds", clock.GetUtcNow());
            }
            return _last;
        }
        finally
        {
            _lock.Release();
        }
    }
}
