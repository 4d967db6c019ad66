namespace OperationCodeMentor.Mentorship;

/// <summary>What the mentee would like after a session, as the mentor reports it.</summary>
public enum FollowUpWish
{
    None,
    SameMentor,
    AnotherMentor,
}

/// <summary>A mentor's answer to the weekly check-in about one request.</summary>
public enum CheckInAnswer
{
    OnTrack,
    NeedHelp,
}

/// <summary>
/// The mentor's private report after a session. Coordinators see all of it; the mentee only ever sees the goals, which
/// are also shown to whoever takes the mentee's next request, so the next session can start from them.
/// </summary>
/// <param name="Covered">What the session covered.</param>
/// <param name="Goals">Up to <see cref="MaxGoals"/> goals agreed with the mentee.</param>
/// <param name="ForCoordinators">Anything the coordinators should know; never shown to the mentee.</param>
public sealed record SessionReport(string Covered, IReadOnlyList<string> Goals, FollowUpWish FollowUp, string? ForCoordinators)
{
    public const int MaxGoals = 3;
}

/// <summary>
/// Everything between the claim and the outcome: the shared conversation, the agreed time, the mentor's attempts to reach
/// the mentee, a coordinator's hold, the session report, the mentee's rating and the mentor's weekly check-in. Kept with the request in every store.
/// </summary>
/// <param name="ConversationId">The group DM the bot opened for the mentor and the mentee; null when it fell back to two DMs.</param>
/// <param name="SessionAt">The time the pair agreed on ("We've set a time").</param>
/// <param name="TimeFirstSetAt">When a time was first set for the current pairing: the stats' "claim to contact".</param>
/// <param name="ReminderSentAt">When both were reminded of <see cref="SessionAt"/>; cleared when the time changes.</param>
/// <param name="ContactAttempts">"Can't reach them" presses in the current pairing.</param>
/// <param name="ContactLostAt">When the mentor gave up after the attempts: the request ended as "contact lost".</param>
/// <param name="OnHoldUntil">A coordinator's hold: the request leaves every ladder until then.</param>
/// <param name="ResumedAt">When the request last came back to its ladder (a hold ended, or a coordinator reopened it): the ladder of the current phase counts from here.</param>
/// <param name="PreferredMentor">The mentor the mentee asked for by name, offered the request first.</param>
/// <param name="OfferEndedAt">When that offer ended (declined, timed out, or sent on by a coordinator) and the request went to the channel; the open ladder counts from here.</param>
public sealed record RequestSession(
    string? ConversationId = null,
    DateTimeOffset? ConversationOpenedAt = null,
    DateTimeOffset? SessionAt = null,
    DateTimeOffset? TimeFirstSetAt = null,
    DateTimeOffset? ReminderSentAt = null,
    int ContactAttempts = 0,
    DateTimeOffset? FirstAttemptAt = null,
    DateTimeOffset? LastAttemptAt = null,
    DateTimeOffset? ContactLostAt = null,
    DateTimeOffset? OnHoldUntil = null,
    string? OnHoldBy = null,
    DateTimeOffset? ResumedAt = null,
    SessionReport? Report = null,
    string? ReportedBy = null,
    DateTimeOffset? ReportedAt = null,
    int? Rating = null,
    string? RatingComment = null,
    DateTimeOffset? RatedAt = null,
    string? PreferredMentor = null,
    DateTimeOffset? OfferEndedAt = null)
{
    public static readonly RequestSession None = new();

    /// <summary>When the mentor last answered a weekly check-in about this pairing: the stuck-claim report counts from here.</summary>
    public DateTimeOffset? CheckedInAt { get; init; }

    /// <summary>What they answered then.</summary>
    public CheckInAnswer? CheckIn { get; init; }

    /// <summary>Whether a coordinator's hold keeps the request out of every ladder at <paramref name="now"/>.</summary>
    public bool IsOnHold(DateTimeOffset now) => OnHoldUntil is { } until && until > now;

    /// <summary>
    /// What a new pairing starts from: the conversation, time, attempts and check-in belong to the pair, so a release or a move to
    /// another mentor forgets them; the hold, the report, the rating and the named-mentor offer stay with the request.
    /// </summary>
    public RequestSession ForNewPairing() => this with
    {
        ConversationId = null,
        ConversationOpenedAt = null,
        SessionAt = null,
        TimeFirstSetAt = null,
        ReminderSentAt = null,
        ContactAttempts = 0,
        FirstAttemptAt = null,
        LastAttemptAt = null,
        CheckedInAt = null,
        CheckIn = null,
    };
}

/// <summary>The rules that govern contact attempts and session times, from <c>Mentorship:</c> settings.</summary>
/// <param name="Attempts">How many "Can't reach them" presses before the mentor may choose No response.</param>
/// <param name="Over">How long the attempts must span, from the first.</param>
public sealed record ContactRules(int Attempts, TimeSpan Over)
{
    public static readonly ContactRules Default = new(3, TimeSpan.FromDays(7));
}
