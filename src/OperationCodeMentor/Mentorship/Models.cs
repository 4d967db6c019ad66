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
    DateTimeOffset CreatedAt)
{
    /// <summary>What the bot has asked the mentor and heard back (check-ins, "still up for mentoring?"), and what they accepted.</summary>
    public MentorStanding Standing { get; init; } = MentorStanding.None;
}

/// <summary>What a mentor enters in the volunteer form.</summary>
public sealed record MentorProfile(
    string SlackUserId,
    string? Name,
    IReadOnlyList<string> Skills,
    string? Bio,
    int MaxMentees,
    string? TimeZone)
{
    /// <summary>Ticked the Code of Conduct in the form; null when the form did not ask (the store keeps what it had).</summary>
    public bool? AcceptedCodeOfConduct { get; init; }

    /// <summary>Ticked "I have read the guidebook" in the form; null when the form did not ask.</summary>
    public bool? ReadGuidebook { get; init; }
}

/// <summary>A mentor together with how many requests they hold right now.</summary>
public sealed record MentorLoad(Mentor Mentor, int OpenClaims)
{
    public bool HasCapacity => OpenClaims < Mentor.MaxMentees;
}

/// <summary>A mentee's request for a session. Its <see cref="Reference"/> (R-1042) is its identity everywhere outside a store.</summary>
public sealed record MentorRequest(
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

/// <summary>
/// A request about to be stored. Its number was handed out first (<see cref="Storage.IMentorshipStore.ReserveRequestNumberAsync"/>),
/// so its card can be posted before it is written, and it is then written once, together with where its card is.
/// </summary>
/// <param name="SubmissionKey">The submission it came from: storing the same submission twice stores it once.</param>
public sealed record NewMentorRequest(
    long Number,
    string MenteeSlackId,
    string? MenteeName,
    string Service,
    IReadOnlyList<string> Skills,
    string Details,
    string Affiliation,
    DateTimeOffset CreatedAt,
    string? SubmissionKey = null)
{
    public string Reference => RequestReference.Format(Number);

    /// <summary>Where its card was posted before it was stored; null when it has not been posted yet.</summary>
    public RequestPost? Post { get; init; }

    /// <summary>The request this one follows up, when the mentee asked for another mentor after it.</summary>
    public string? FollowUpOf { get; init; }

    /// <summary>The enrolled mentor the mentee asked for by name, offered the request before the channel.</summary>
    public string? PreferredMentor { get; init; }

    /// <summary>The request as it will be once stored: open, unclaimed. Its card is drawn from this before it is written.</summary>
    public MentorRequest AsOpen() => new(Reference, MenteeSlackId, MenteeName, Service, Skills, Details, Affiliation, RequestStatus.Open, CreatedAt,
        null, null, null, null, 0, Post?.ChannelId, Post?.MessageTs, Post?.Mentioned ?? []);
}

/// <summary>A request's card in the mentors channel and the mentors it mentioned.</summary>
public sealed record RequestPost(string ChannelId, string MessageTs, IReadOnlyList<string> Mentioned);

/// <summary>The choices offered in the forms.</summary>
public sealed record OptionLists(IReadOnlyList<string> Services, IReadOnlyList<string> Skillsets, IReadOnlyList<string> Affiliations);
