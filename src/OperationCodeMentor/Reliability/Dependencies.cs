namespace OperationCodeMentor.Reliability;

/// <summary>
/// Something outside the bot that queued work depends on: Slack, or the store. When an attempt fails because it is
/// down, the work waits, and the queue asks the dependency now and then whether it answers again, so the work goes out
/// as soon as it does rather than after the rest of a long backoff.
/// </summary>
public interface IDependency
{
    /// <summary>One of <see cref="Dependencies"/>' names.</summary>
    string Name { get; }

    /// <summary>Whether <paramref name="failure"/> says the dependency is down or overloaded (not that it refused this one call).</summary>
    bool Explains(Exception failure);

    /// <summary>A cheap call that throws unless the dependency answers.</summary>
    Task ProbeAsync(CancellationToken ct);
}

/// <summary>
/// The dependencies' names; whether queued work is waiting out an outage of one; and the signal the clients raise
/// whenever one of them answers a call. The clients read <see cref="IsDown"/> to stop retrying on their own while the
/// queue waits for the dependency: the queue then learns the moment it answers again, instead of a caller sleeping out
/// a backoff of its own.
/// </summary>
public sealed class Dependencies
{
    public const string Slack = "Slack";
    public const string Store = "store";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _down = new(StringComparer.Ordinal);

    /// <summary>Raised with a dependency's name each time a call to it got an answer (any answer but an overload or a 5xx).</summary>
    public event Action<string>? Answered;

    /// <summary>Whether queued work is waiting for <paramref name="dependency"/> to answer again.</summary>
    public bool IsDown(string dependency) => _down.ContainsKey(dependency);

    /// <summary>Queued work failed because <paramref name="dependency"/> is down, and waits for it.</summary>
    public void ReportDown(string dependency) => _down.TryAdd(dependency, 0);

    /// <summary>A call to <paramref name="dependency"/> got an answer: it is up, and whatever waits on it may go.</summary>
    public void ReportAnswered(string dependency)
    {
        _down.TryRemove(dependency, out _);
        Answered?.Invoke(dependency);
    }
}
