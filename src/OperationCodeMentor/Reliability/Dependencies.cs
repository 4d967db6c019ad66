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

/// <summary>The dependencies' names, and the signal the clients raise whenever one of them answers a call.</summary>
public sealed class Dependencies
{
    public const string Slack = "Slack";
    public const string Store = "store";

    /// <summary>Raised with a dependency's name each time a call to it got an answer (any answer but an overload or a 5xx).</summary>
    public event Action<string>? Answered;

    public void ReportAnswered(string dependency) => Answered?.Invoke(dependency);
}
