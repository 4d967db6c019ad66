using System.Collections.Concurrent;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Recognises a double click: the same person pressing the same button for the same thing again within a
/// moment. Slack sends each click (with its own action_ts), so without this a hurried second press would run
/// the action twice or answer with a confusing "you already did that".
/// </summary>
public sealed class DoubleClicks(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new();
    private int _sinceSweep;

    /// <summary>True when this click repeats one seen within the window.</summary>
    public bool IsRepeat(string userId, string actionId, string? value, string? where)
    {
        var now = clock.GetUtcNow();
        var key = $"{userId}\u001f{actionId}\u001f{value}\u001f{where}";
        var repeat = false;
        _last.AddOrUpdate(key, now, (_, previous) =>
        {
            repeat = now - previous < Window;
            return repeat ? previous : now;
        });
        if (Interlocked.Increment(ref _sinceSweep) % 1000 == 0)
            foreach (var (k, at) in _last)
                if (now - at >= Window) _last.TryRemove(k, out _);
        return repeat;
    }
}
