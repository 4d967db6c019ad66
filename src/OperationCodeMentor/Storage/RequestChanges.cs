using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>
/// Carries out what someone asks of a request: the <see cref="RequestLifecycle"/> decides on the request as the store has
/// it, and the store writes the decision conditionally. A claim or an assignment then notes on the mentor when they last
/// took a request, which orders mentions fairly.
/// </summary>
public sealed partial class RequestChanges(IMentorshipStore store, TimeProvider clock, ILogger<RequestChanges> log)
{
    /// <param name="changeKey">The durable work asking; a replay of it finds its change already made.</param>
    /// <param name="beforeWrite">See <see cref="IMentorshipStore.ChangeRequestAsync"/>.</param>
    /// <returns>The decision; null when there is no such request.</returns>
    public async Task<Decision?> ApplyAsync(string reference, Actor actor, RequestCommand command, string? changeKey, CancellationToken ct,
        Func<Decision, CancellationToken, Task>? beforeWrite = null)
    {
        var now = clock.GetUtcNow();
        var decision = await store.ChangeRequestAsync(reference, t => RequestLifecycle.Decide(t, actor, command, now, changeKey), beforeWrite, ct).ConfigureAwait(false);
        if (decision?.After is { Request.ClaimedBy: { } mentor } && command is RequestCommand.Claim or RequestCommand.Assign)
        {
            try
            {
                await store.SetMentorLastClaimedAsync(mentor, now, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTouchFailed(log, e, mentor);
            }
        }
        return decision;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not note when mentor {Mentor} last claimed; mentions may favour them until their next claim")]
    private static partial void LogTouchFailed(ILogger log, Exception e, string mentor);
}
