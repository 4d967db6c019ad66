using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>
/// Carries out what someone asks of a request: the <see cref="RequestLifecycle"/> decides on the request as the store has
/// it, and the store writes the decision conditionally (noting on a new claimer when they took it, which orders mentions
/// fairly).
/// </summary>
public sealed class RequestChanges(IMentorshipStore store, TimeProvider clock)
{
    /// <param name="changeKey">The durable work asking; a replay of it finds its change already made.</param>
    /// <param name="beforeWrite">See <see cref="IMentorshipStore.ChangeRequestAsync(string, Func{TrackedRequest, Decision}, Func{Decision, CancellationToken, Task{Decision}}?, CancellationToken)"/>.</param>
    /// <returns>The decision; null when there is no such request.</returns>
    public Task<Decision?> ApplyAsync(string reference, Actor actor, RequestCommand command, string? changeKey, CancellationToken ct,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null)
    {
        var now = clock.GetUtcNow();
        return store.ChangeRequestAsync(reference, t => RequestLifecycle.Decide(t, actor, command, now, changeKey), beforeWrite, ct);
    }

    /// <summary>The same from the request as the caller's own last change left it (the store reads it only if it changed since).</summary>
    public Task<Decision?> ApplyAsync(TrackedRequest known, Actor actor, RequestCommand command, string? changeKey, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return store.ChangeRequestAsync(known, t => RequestLifecycle.Decide(t, actor, command, now, changeKey), null, ct);
    }

    /// <summary>
    /// The same for a pairing, which needs <paramref name="mentor"/>'s load: the store reads it with the request (and, where
    /// it can, the mentee's last reported session, for the announcement).
    /// </summary>
    public Task<Decision?> ApplyAsync(string reference, Actor actor, string mentor, Func<PairingRead, RequestCommand> command, string? changeKey,
        CancellationToken ct, Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null)
    {
        var now = clock.GetUtcNow();
        return store.ChangeRequestAsync(reference, mentor, (t, read) => RequestLifecycle.Decide(t, actor, command(read), now, changeKey), beforeWrite, ct);
    }

    /// <summary>A further command folded into <paramref name="first"/>'s write (<see cref="RequestLifecycle.Then"/>).</summary>
    public Decision Then(Decision first, Actor actor, RequestCommand next) => RequestLifecycle.Then(first, actor, next, clock.GetUtcNow());
}
