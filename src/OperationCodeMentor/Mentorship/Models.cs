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
    string? SubmissionKey = null);

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

public enum StatusChangeResult
{
    Changed,
    NotAllowed,
    NotFound,
}

/// <summary>The result of closing or reopening a request, and the request as it stands afterwards.</summary>
public sealed record StatusChange(StatusChangeResult Result, MentorRequest? Request);
