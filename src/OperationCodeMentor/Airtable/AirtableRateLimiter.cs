namespace OperationCodeMentor.Airtable;

/// <summary>
/// Airtable allows 5 requests per second per base and punishes one more with 30 seconds of refusals, so the
/// bot never sends that one more: every request to a base first takes a slot here. It is a sliding window of
/// reserved start times (no more than N starts in any window), shared by every caller in the process through
/// the singleton, and driven by <see cref="TimeProvider"/> so tests move a clock instead of sleeping.
/// After a 429 the whole base is held, not just the caller that saw it.
/// </summary>
public sealed class AirtableRateLimiter(TimeProvider clock)
{
    /// <summary>
    /// Requests leave here on schedule but arrive a little later and not always in the same spacing; a window a
    /// little longer than Airtable's second keeps that jitter from ever adding up to a sixth request.
    /// </summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1050);

    private readonly Dictionary<string, BaseSlots> _bases = new(StringComparer.Ordinal);

    /// <summary>Waits for a slot to send one request to <paramref name="baseId"/>, allowing <paramref name="perSecond"/> per window.</summary>
    public async Task WaitAsync(string baseId, int perSecond, CancellationToken ct)
    {
        while (true)
        {
            DateTimeOffset now, start;
            lock (_bases)
            {
                now = clock.GetUtcNow();
                var slots = Slots(baseId);
                start = now > slots.HeldUntil ? now : slots.HeldUntil;
                while (slots.Starts.Count > perSecond) slots.Starts.Dequeue();
                if (slots.Starts.Count == perSecond)
                {
                    var oldest = slots.Starts.Dequeue() + Window;
                    if (oldest > start) start = oldest;
                }
                slots.Starts.Enqueue(start);
            }
            if (start > now) await Task.Delay(start - now, clock, ct).ConfigureAwait(false);
            lock (_bases)
            {
                // A 429 that arrived while this caller waited holds the base for everyone: take a fresh slot after it.
                if (clock.GetUtcNow() >= Slots(baseId).HeldUntil) return;
            }
        }
    }

    /// <summary>Holds every request to the base until <paramref name="until"/>.</summary>
    public void HoldUntil(string baseId, DateTimeOffset until)
    {
        lock (_bases)
        {
            var slots = Slots(baseId);
            if (until > slots.HeldUntil) slots.HeldUntil = until;
        }
    }

    /// <summary>Until when the base is held after a 429 (in the past when it is not).</summary>
    public DateTimeOffset HeldUntil(string baseId)
    {
        lock (_bases) return Slots(baseId).HeldUntil;
    }

    private BaseSlots Slots(string baseId)
    {
        if (!_bases.TryGetValue(baseId, out var slots)) _bases[baseId] = slots = new BaseSlots();
        return slots;
    }

    private sealed class BaseSlots
    {
        public readonly Queue<DateTimeOffset> Starts = new();
        public DateTimeOffset HeldUntil = DateTimeOffset.MinValue;
    }
}
