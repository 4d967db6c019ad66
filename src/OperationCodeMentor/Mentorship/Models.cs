namespace OperationCodeMentor.Mentorship;

public enum RequestStatus
{
    Open,
    Claimed,
    Completed,
    Cancelled,
}

/// <summary>A volunteer mentor, keyed by Slack user ID.</summary>
public sealed record Mentor(
    string Id,
    string SlackUserId,
    string? Name,
    IReadOnlyList<string> Skills,
    string? Bio,
    int MaxMentees,
    string? TimeZone,
    bool Active,
    bool Paused,
    DateTimeOffset? LastClaimedAt,
    DateTimeOffset CreatedAt);

/// <summary>What a mentor enters in the volunteer form.</summary>
public sealed record MentorProfile(
    string SlackUserId,
    string? Name,
    IReadOnlyList<string> Skills,
    string? Bio,
    int MaxMentees,
    string? TimeZone);

/// <summary>A mentor together with how many requests they hold right now.</summary>
public sealed record MentorLoad(Mentor Mentor, int OpenClaims)
{
    public bool HasCapacity => OpenClaims < Mentor.MaxMentees;
}

/// <summary>A mentee's request for a session.</summary>
public sealed record MentorRequest(
    string Id,
    string Reference,
    string MenteeSlackId,
    string? MenteeName,
    string Service,
    IReadOnlyList<string> Skills,
    string Details,
    string Affiliation,
    RequestStatus Status,
    DateTimeOffset CreatedAt,
    string? ClaimedBy,
    DateTimeOffset? ClaimedAt,
    string? ReleasedBy,
    DateTimeOffset? ReleasedAt,
    int ResetCount,
    string? ChannelId,
    string? MessageTs,
    IReadOnlyList<string> MentionedMentors);

public sealed record NewMentorRequest(
    string MenteeSlackId,
    string? MenteeName,
    string Service,
    IReadOnlyList<string> Skills,
    string Details,
    string Affiliation,
    DateTimeOffset CreatedAt,
    string? SubmissionKey = null)
{
    /// <summary>
    /// The reference number handed out for this request before it was stored (<see cref="Storage.IMentorshipStore.ReserveRequestNumberAsync"/>),
    /// so that its card could be posted first; null to number it when it is stored.
    /// </summary>
    public long? Number { get; init; }

    /// <summary>Where its card was posted before it was stored; null when it has not been posted yet.</summary>
    public RequestPost? Post { get; init; }
}

/// <summary>A request's card in the mentors channel and the mentors it mentioned.</summary>
public sealed record RequestPost(string ChannelId, string MessageTs, IReadOnlyList<string> Mentioned);

/// <summary>The choices offered in the forms.</summary>
public sealed record OptionLists(IReadOnlyList<string> Services, IReadOnlyList<string> Skillsets, IReadOnlyList<string> Affiliations);

public enum ClaimResult
{
    Claimed,
    AlreadyClaimed,
    NotOpen,
    NotFound,
}

/// <summary>The result of a claim attempt and the request as it stands afterwards.</summary>
public sealed record ClaimOutcome(ClaimResult Result, MentorRequest? Request);

public enum ReleaseResult
{
    Released,
    NotClaimed,
    ClaimChanged,
    NotFound,
}

public sealed record ReleaseOutcome(ReleaseResult Result, MentorRequest? Request);
