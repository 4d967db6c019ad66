using System.Collections.Concurrent;

namespace OperationCodeMentor.Slack;

/// <summary>
/// A bounded memory of the IDs already handled, for skipping Slack's retries (event IDs, Socket Mode envelope
/// IDs). The oldest are forgotten first; retries come within minutes, long before the memory fills.
/// </summary>
internal sealed class RecentIds(int capacity = 10_000)
{
    private readonly ConcurrentDictionary<string, byte> _seen = new();
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>True the first time an ID is seen, false for every repeat.</summary>
    public bool TryAdd(string id)
    {
        if (!_seen.TryAdd(id, 0)) return false;
        _order.Enqueue(id);
        while (_order.Count > capacity && _order.TryDequeue(out var old)) _seen.TryRemove(old, out _);
        return true;
    }

    /// <summary>
    /// Lets an ID be handled again: its handling failed, and Slack's retry of it must get a real attempt rather than
    /// be skipped as done. (Its place in the eviction order stays; a later repeat is simply seen afresh.)
    /// </summary>
    public void Forget(string id) => _seen.TryRemove(id, out _);
}
