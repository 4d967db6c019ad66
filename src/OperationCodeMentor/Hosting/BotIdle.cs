using OperationCodeMentor.Reliability;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// Waits until the bot has nothing left to do for what it has been sent: no transient work and no acknowledged job.
/// The demo and the tests use it to know when Slack has seen everything.
/// </summary>
public static class BotIdle
{
    public static Task WaitAsync(IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<WorkQueue>().WhenIdleAsync(ct);
}
