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

    /// <summary>A reminder to the mentor and the mentee, in their conversation, shortly before the time they set.</summary>
    RemindSession,

    /// <summary>A coordinator's hold has run out: the request is back, and the coordinator is told.</summary>
    Resume,

    /// <summary>The mentor the mentee named has not claimed the request in time: it goes to the mentors channel, and the mentee is told.</summary>
    EndOffer,
}

/// <summary>
/// Where a request stands on its follow-up ladder. Each phase (open, or claimed by one mentor) starts with a clean
/// ladder, so a released request is bumped again and a reassigned one is nudged again.
/// </summary>
/// <param name="NextActionAt">When the sweep should look at the request next; null when it never needs to.</param>
/// <param name="PendingStep">A step that was started (its intent recorded) and not yet recorded as done.</param>
/// <param name="PendingToken">Marks every message of the pending step, so a retry can see what already went out.</param>
public sealed record FollowUpState(
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
    /// <summary>A new request's ladder: due for planning at once.</summary>
    public static readonly FollowUpState Fresh = new(0, null, null, null, null, null, DateTimeOffset.UnixEpoch, null, null, null);
}

/// <summary>The mentee's answer to "How did it go?".</summary>
public enum SessionFeedback
{
    Helped,
    AnotherMentor,
}

/// <summary>How a request ended, and what came of it; kept for the program's statistics.</summary>
/// <param name="FirstClaimedAt">Its first claim, kept when a release or a reopen clears the claim.</param>
/// <param name="AssignedBy">The coordinator who paired it by hand, while that pairing stands.</param>
/// <param name="FirstEscalatedAt">Its first escalation, kept when a release or a reopen starts its ladder again.</param>
/// <param name="FollowUpOf">The reference of the request this one follows up.</param>
public sealed record RequestOutcome(
    DateTimeOffset? CompletedAt,
    string? CompletedBy,
    DateTimeOffset? ClosedAt,
    string? ClosedBy,
    string? CloseReason,
    string? FollowUpOf,
    SessionFeedback? Feedback,
    string? FeedbackBy,
    DateTimeOffset? FeedbackAt,
    DateTimeOffset? FirstClaimedAt = null,
    string? AssignedBy = null,
    DateTimeOffset? FirstEscalatedAt = null)
{
    public static readonly RequestOutcome None = new(null, null, null, null, null, null, null, null, null);
}

/// <summary>
/// Everything the bot knows about a request: what was asked, where its follow-up ladder stands, how it went.
/// <see cref="Version"/> changes with every write, and a write made from a stale read is refused, so two writers (two
/// clicks, a click and a sweep, two processes) can never both act on the same state. <see cref="LastChange"/> names
/// the piece of work that wrote it last, so that work, replayed after a crash, can tell that its change is already made.
/// </summary>
public sealed record TrackedRequest(MentorRequest Request, FollowUpState FollowUp, RequestOutcome Outcome, long Version = 0, string? LastChange = null)
{
    public string Reference => Request.Reference;

    /// <summary>Between the claim and the outcome: the conversation, the time set, contact attempts, a hold, the report, the rating.</summary>
    public RequestSession Session { get; init; } = RequestSession.None;
}

/// <summary>The next time a request should be looked at, for many requests at once.</summary>
public sealed record PlannedAction(string Reference, long Version, DateTimeOffset? NextActionAt);
