using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// Waits until the bot has nothing left to do for what it has been sent: no after-ack work and no acknowledged
/// job in the durable queue. Either can start the other, so it waits until both are empty at the same moment.
/// The demo and the tests use it to know when Slack has seen everything.
/// </summary>
public static class BotIdle
{
    public static async Task WaitAsync(IServiceProvider services, CancellationToken ct)
    {
        var work = services.GetRequiredService<BackgroundWork>();
        var queue = services.GetRequiredService<PendingWorkQueue>();
        do
        {
            await work.WhenIdleAsync(ct).ConfigureAwait(false);
            await queue.WhenIdleAsync(ct).ConfigureAwait(false);
        } while (work.Pending > 0 || queue.Depth > 0);
    }
}
