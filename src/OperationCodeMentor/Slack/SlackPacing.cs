using System.Collections.Concurrent;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Keeps the bot inside Slack's rate limits before Slack has to say so: after a 429 every call to that method
/// waits out Retry-After (not only the call that got it), and posts to one channel are paced to about one a
/// second with a small burst allowance, which is what chat.postMessage tolerates.
/// </summary>
public sealed class SlackPacing(TimeProvider clock, int channelBurst, TimeSpan channelInterval)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _methodBlockedUntil = new();
    private readonly ConcurrentDictionary<string, TokenBucket> _channels = new();

    public void BlockMethod(string method, TimeSpan retryAfter)
    {
        var until = clock.GetUtcNow() + retryAfter;
        _methodBlockedUntil.AddOrUpdate(method, until, (_, old) => old > until ? old : until);
    }

    public async Task WaitAsync(string method, string? channel, CancellationToken ct)
    {
        if (_methodBlockedUntil.TryGetValue(method, out var until))
        {
            var wait = until - clock.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, ct).ConfigureAwait(false);
        }
        if (channel is not null && method == "chat.postMessage")
            await _channels.GetOrAdd(channel, _ => new TokenBucket(clock, channelBurst, channelInterval)).TakeAsync(ct).ConfigureAwait(false);
    }

    private sealed class TokenBucket(TimeProvider clock, int capacity, TimeSpan interval)
    {
        // Waiters queue on the lock, so posts to one channel go out in the order they asked.
        private readonly SemaphoreSlim _lock = new(1, 1);
        private double _tokens = capacity;
        private DateTimeOffset _refilled = clock.GetUtcNow();

        public async Task TakeAsync(CancellationToken ct)
        {
            await _lock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                Refill();
                if (_tokens < 1)
                {
                    await Task.Delay(interval * (1 - _tokens), clock, ct).ConfigureAwait(false);
                    Refill();
                }
                _tokens = Math.Max(0, _tokens - 1);
            }
            finally
            {
                _lock.Release();
            }
        }

        private void Refill()
        {
            var now = clock.GetUtcNow();
            _tokens = Math.Min(capacity, _tokens + (now - _refilled) / interval);
            _refilled = now;
        }
    }
}
