using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>
/// What the follow-up ladder and the end of a request's life need from the store. Every store implements it
/// (<see cref="IMentorshipStore"/> extends it).
/// <para>
/// Contract for implementers: a new request is due for planning at once (next action at = the epoch). Whenever a
/// request changes phase (opened, claimed, released, reassigned, completed, cancelled) the store starts the new
/// phase's ladder: the open phase's fields are cleared when it becomes open, the claimed phase's fields when it
/// becomes claimed, any pending step is dropped, the version changes, and next action at becomes the epoch (still
/// open or claimed) or null (ended). The SQLite store does this with a trigger.
/// </para>
/// </summary>
public interface IFollowUpStore
{
    /// <summary>Requests whose next action time is at or before <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<TrackedRequest>> GetDueFollowUpsAsync(DateTimeOffset now, int limit, CancellationToken ct = default);

    Task<TrackedRequest?> GetTrackedRequestAsync(string requestId, CancellationToken ct = default);

    /// <summary>Sets each request's next action time, skipping any whose follow-up state has moved past the given version.</summary>
    Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default);

    /// <summary>
    /// Records the intent to take <paramref name="step"/> (or to resume it with the same token), only if the follow-up
    /// state is still at <paramref name="version"/>. Of several callers with the same version exactly one wins.
    /// </summary>
    Task<bool> TryBeginStepAsync(string requestId, long version, FollowUpStep step, string token, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Records the step begun with <paramref name="token"/> as done, with the state it leads to; false if that step is no longer pending.</summary>
    Task<bool> TryCompleteStepAsync(string requestId, string token, FollowUpState after, CancellationToken ct = default);

    /// <summary>Gives up the step begun with <paramref name="token"/> (nothing was sent) so it is tried again at <paramref name="retryAt"/>.</summary>
    Task<bool> TryAbandonStepAsync(string requestId, string token, DateTimeOffset retryAt, CancellationToken ct = default);

    /// <summary>Cancels an open request (or, when <paramref name="allowClaimed"/>, a claimed one) and records who and why.</summary>
    Task<Transition> TryCloseAsync(string requestId, string closedBy, string reason, bool allowClaimed, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Marks the session of a request claimed by <paramref name="expectedClaimer"/> as done.</summary>
    Task<Transition> TryCompleteSessionAsync(string requestId, string expectedClaimer, string completedBy, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Moves a claim from <paramref name="expectedClaimer"/> to <paramref name="newMentor"/>.</summary>
    Task<Transition> TryReassignAsync(string requestId, string expectedClaimer, string newMentor, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Stores the answer to "How did it go?" once per completed request. "Another mentor" also creates, in the same
    /// write, a new open request with the same details that links back to the first.
    /// </summary>
    Task<FeedbackOutcome> TryRecordFeedbackAsync(string requestId, SessionFeedback feedback, string by, DateTimeOffset now, CancellationToken ct = default);
}
