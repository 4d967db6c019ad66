namespace OperationCodeMentor.Airtable;

/// <summary>
/// Airtable allows 5 requests per second per base and answers one more with 30 seconds of refusals, so the
/// bot never sends that one more. Each base has 5 permits; a request holds one from before it is sent until
/// a window after its answer arrived. Counting from the answer rather than the send matters: a slow request
/// (the first one, opening a connection) reaches Airtable late, and a limiter that counted from the send
/// would let the next five arrive within the same second as it. With permits held past the answer, no six
/// requests can ever reach Airtable within one second, whatever the latency.
/// Shared by every caller in the process (one singleton), driven by <see cref="TimeProvider"/>. After a 429
/// the whole base is held, not just the caller that saw it.
/// </summary>
public sealed class AirtableRateLimiter(TimeProvider clock)
{
    /// <summary>How long a permit stays taken after its answer: Airtable's second, plus a margin for how it keeps time.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1050);

    private readonly Dictionary<string, BaseState> _bases = new(StringComparer.Ordinal);

    /// <summary>Waits for a permit to send one request to <paramref name="baseId"/>; dispose it once the answer is in.</summary>
    public async Task<IDisposable> AcquireAsync(string baseId, int perSecond, CancellationToken ct)
    {
        var state = State(baseId, perSecond);
        while (true)
        {
            var wait = HeldUntil(baseId) - clock.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, ct).ConfigureAwait(false);
            await state.Permits.WaitAsync(ct).ConfigureAwait(false);
            // A 429 that arrived while this caller queued holds the base for everyone: hand the permit back unused.
            if (clock.GetUtcNow() >= HeldUntil(baseId)) return new Permit(state, clock);
            state.Permits.Release();
        }
    }

    /// <summary>Holds every request to the base until <paramref name="until"/>.</summary>
    public void HoldUntil(string baseId, DateTimeOffset until)
    {
        lock (_bases)
        {
            var state = State(baseId, 1);
            if (until > state.HeldUntil) state.HeldUntil = until;
        }
    }

    /// <summary>Until when the base is held after a 429 (in the past when it is not).</summary>
    public DateTimeOffset HeldUntil(string baseId)
    {
        lock (_bases) return _bases.TryGetValue(baseId, out var s) ? s.HeldUntil : DateTimeOffset.MinValue;
    }

    private BaseState State(string baseId, int perSecond)
    {
        lock (_bases)
        {
            if (!_bases.TryGetValue(baseId, out var state)) _bases[baseId] = state = new BaseState(perSecond);
            return state;
        }
    }

    private sealed class BaseState(int permits)
    {
        public readonly SemaphoreSlim Permits = new(permits, permits);
        public DateTimeOffset HeldUntil = DateTimeOffset.MinValue;
    }

    private sealed class Permit(BaseState state, TimeProvider clock) : IDisposable
    {
        private int _returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) != 0) return;
            _ = ReturnAfterWindowAsync();
        }

        private async Task ReturnAfterWindowAsync()
        {
            await Task.Delay(Window, clock).ConfigureAwait(false);
            state.Permits.Release();
        }
    }
}
