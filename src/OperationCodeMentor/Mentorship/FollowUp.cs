namespace OperationCodeMentor.Mentorship;

/// <summary>The timed steps that keep a request from being forgotten, in the order they are preferred when due together.</summary>
public enum FollowUpStep
{
    /// <summary>A reply in the request's thread, also shown in the channel, re-mentioning mentors.</summary>
    Bump,

    /// <summary>A DM to each coordinator with the request and what they can do about it; the mentee is told it is in hand.</summary>
    NotifyCoordinators,

    /// <summary>A DM to the chain of command (the escalation contacts).</summary>
    Escalate,

    /// <summary>A DM to the mentor who claimed the request and has not marked the session done.</summary>
    NudgeMentor,

    /// <summary>A DM to the coordinators that a claim looks stuck.</summary>
    ReportStuck,
}

/// <summary>
/// Where a request stands on its follow-up ladder. Each phase (open, or claimed by one mentor) starts with a clean
/// ladder, so a released request is bumped again and a reassigned one is nudged again.
/// </summary>
/// <param name="Version">Changes with every write to this state; a write made from a stale read is refused.</param>
/// <param name="NextActionAt">When the sweep should look at the request next; null when it never needs to.</param>
/// <param name="PendingStep">A step that was started (its intent recorded) and not yet recorded as done.</param>
/// <param name="PendingToken">Marks every message of the pending step, so a retry can see what already went out.</param>
public sealed record FollowUpState(
    long Version,
    int BumpCount,
    DateTimeOffset? LastBumpAt,
    DateTimeOffset? CoordinatorsNotifiedAt,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset? MentorNudgedAt,
    DateTimeOffset? StuckReportedAt,
    DateTimeOffset? NextActionAt,
    FollowUpStep? PendingStep,
    string? PendingToken,
    DateTimeOffset? PendingAt)
{
    public static readonly FollowUpState Fresh = new(0, 0, null, null, null, null, null, null, null, null, null);
}

/// <summary>The mentee's answer to "How did it go?".</summary>
public enum SessionFeedback
{
    Helped,
    AnotherMentor,
}

/// <summary>How a request ended, and what came of it; kept for the program's statistics.</summary>
public sealed record RequestOutcome(
    DateTimeOffset? CompletedAt,
    string? CompletedBy,
    DateTimeOffset? ClosedAt,
    string? ClosedBy,
    string? CloseReason,
    string? FollowUpOf,
    SessionFeedback? Feedback,
    string? FeedbackBy,
    DateTimeOffset? FeedbackAt);

/// <summary>A request with its follow-up state and outcome.</summary>
public sealed record TrackedRequest(MentorRequest Request, FollowUpState FollowUp, RequestOutcome Outcome);

/// <summary>The next time a request should be looked at, for many requests at once.</summary>
public sealed record PlannedAction(string RequestId, long Version, DateTimeOffset? NextActionAt);

public enum TransitionResult
{
    Done,

    /// <summary>The request is not in a state that allows the change (for example already closed).</summary>
    WrongState,

    /// <summary>The request is claimed by someone other than expected: it changed hands meanwhile.</summary>
    ClaimChanged,
    NotFound,
}

/// <summary>The result of a change to a request and the request as it stands afterwards.</summary>
public sealed record Transition(TransitionResult Result, MentorRequest? Request);

/// <summary>The result of recording feedback: with "another mentor", the new request that follows up the first.</summary>
public sealed record FeedbackOutcome(TransitionResult Result, TrackedRequest? Request, MentorRequest? FollowUpRequest);
