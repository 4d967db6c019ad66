namespace OperationCodeMentor.Mentorship;

/// <summary>Which follow-up facts a store records. Until a fact is recorded, the stats say so instead of showing zero.</summary>
[Flags]
public enum FollowUpFields
{
    None = 0,
    Escalation = 1,
    SessionDone = 2,
    Feedback = 4,
    RePairs = 8,
    ContactLost = 16,
}

/// <summary>
/// One request and what is known of how it went. The follow-up fields (escalation, session, feedback, re-pairs)
/// are only meaningful when <see cref="ActivityHistory.Tracked"/> says the store records them.
/// </summary>
/// <param name="EscalatedAt">The request's first escalation, kept even if a release or reopen started its ladder again.</param>
/// <param name="SessionDoneAt">When its session was marked done.</param>
/// <param name="Helped">The mentee's answer to "How did it go?": true for "it helped", false for "another mentor", null before any answer.</param>
/// <param name="RePairs">How many requests were opened again from this one because the mentee asked for another mentor.</param>
/// <param name="ContactLostAt">When its mentor ended it as "contact lost" after the mentee did not answer their attempts.</param>
/// <param name="Reported">The mentor filed a session report.</param>
/// <param name="Rating">The mentee's rating of the session, 1 to 5; null before any.</param>
public sealed record RequestActivity(
    MentorRequest Request,
    DateTimeOffset? FirstClaimedAt,
    string? AssignedBy,
    string? ClosedBy,
    string? CloseReason,
    DateTimeOffset? EscalatedAt = null,
    DateTimeOffset? SessionDoneAt = null,
    bool? Helped = null,
    int RePairs = 0,
    DateTimeOffset? ContactLostAt = null,
    bool Reported = false,
    int? Rating = null)
{
    /// <summary>From the current claim to the moment the pair first set a session time; null until they have.</summary>
    public TimeSpan? ClaimToTimeSet { get; init; }
}

/// <summary>Requests created in a period, and which follow-up fields the store fills in.</summary>
public sealed record ActivityHistory(IReadOnlyList<RequestActivity> Requests, FollowUpFields Tracked)
{
    public const FollowUpFields Everything = FollowUpFields.Escalation | FollowUpFields.SessionDone | FollowUpFields.Feedback | FollowUpFields.RePairs | FollowUpFields.ContactLost;

    /// <summary>The activity of requests as a store holds them; every follow-up fact is recorded with the request.</summary>
    public static ActivityHistory From(IReadOnlyList<TrackedRequest> requests)
    {
        // A follow-up is made after the request it follows, so every re-pair of a request in the period is in it too.
        var rePairs = requests.Select(t => t.Outcome.FollowUpOf).OfType<string>()
            .GroupBy(reference => reference, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ActivityHistory(requests.Select(t => new RequestActivity(
            t.Request,
            t.Outcome.FirstClaimedAt,
            t.Outcome.AssignedBy,
            t.Outcome.ClosedBy,
            t.Outcome.CloseReason,
            EscalatedAt: t.Outcome.FirstEscalatedAt,
            SessionDoneAt: t.Outcome.CompletedAt,
            Helped: t.Outcome.Feedback is { } answer ? answer == SessionFeedback.Helped : null,
            RePairs: rePairs.GetValueOrDefault(t.Reference),
            ContactLostAt: t.Session.ContactLostAt,
            Reported: t.Session.Report is not null,
            Rating: t.Session.Rating)
        {
            ClaimToTimeSet = t.Request.ClaimedAt is { } claimed && t.Session.TimeFirstSetAt is { } set ? set - claimed : null,
        }).ToList(), Everything);
    }
}

/// <summary>A part of a whole, such as "7 of 10".</summary>
public readonly record struct Share(int Part, int Whole)
{
    public double? Percent => Whole == 0 ? null : 100.0 * Part / Whole;
}

public sealed record NameCount(string Name, int Count);

/// <summary>A skill mentees asked for, how often, and the active mentors who list it.</summary>
public sealed record SkillSupply(string Skill, int Asked, IReadOnlyList<string> Mentors);

/// <summary>
/// The program's numbers for a period. A null follow-up figure means the store does not record it yet.
/// Time to claim runs from the request to its first claim; the median of an even count is the mean of the two
/// middle values, and the 90th percentile is the nearest rank (the ⌈0.9·n⌉-th smallest).
/// </summary>
/// <param name="ContactLost">Of the requests ever claimed, those their mentor ended as "contact lost".</param>
public sealed record ProgramStats(
    DateTimeOffset From,
    DateTimeOffset To,
    int Requests,
    IReadOnlyList<NameCount> ByService,
    IReadOnlyList<NameCount> BySkill,
    int Claimed,
    int AssignedByHand,
    int Closed,
    TimeSpan? MedianTimeToClaim,
    TimeSpan? P90TimeToClaim,
    Share ClaimedWithin48Hours,
    int OpenNow,
    TimeSpan? OldestOpenAge,
    int OpenWithNoAvailableMentor,
    IReadOnlyList<NameCount> PairingsPerMentor,
    IReadOnlyList<SkillSupply> SkillsWithNoMentor,
    IReadOnlyList<SkillSupply> SkillsWithOneMentor,
    Share? Escalated,
    int? SessionsDone,
    Share? Helped,
    int? RePairs,
    Share? ContactLost = null)
{
    public static readonly TimeSpan ClaimTarget = TimeSpan.FromHours(48);

    /// <summary>How many pairings of the period have set a session time ("We've set a time").</summary>
    public int TimesSet { get; init; }

    /// <summary>The median time from a claim to the pair first setting a session time; null when none has.</summary>
    public TimeSpan? MedianClaimToTimeSet { get; init; }

    /// <summary>Sessions done in the period whose mentor filed a report.</summary>
    public Share SessionsReported { get; init; }

    /// <summary>Sessions done in the period whose mentee rated them.</summary>
    public Share SessionsRated { get; init; }

    /// <summary>The mean of the ratings of the period's sessions, 1 to 5; null when none was rated.</summary>
    public double? MeanRating { get; init; }

    /// <summary>Mentors asked "still up for mentoring?" in the period.</summary>
    public int QuietMentorsAsked { get; init; }

    /// <summary>Mentors paused in the period for not answering it, who are still paused: whom the coordinators may want to reach.</summary>
    public IReadOnlyList<string> PausedForInactivity { get; init; } = [];

    /// <param name="history">Requests created from <paramref name="from"/> on.</param>
    /// <param name="openNow">Every request open right now, whenever it was made.</param>
    /// <param name="mentors">Every mentor with their current load.</param>
    public static ProgramStats Compute(ActivityHistory history, IReadOnlyList<MentorRequest> openNow,
        IReadOnlyList<MentorLoad> mentors, DateTimeOffset from, DateTimeOffset now)
    {
        var rows = history.Requests.Where(a => a.Request.CreatedAt >= from && a.Request.CreatedAt <= now).ToList();

        var waits = rows.Where(a => a.FirstClaimedAt is not null)
            .Select(a => a.FirstClaimedAt!.Value - a.Request.CreatedAt).Order().ToList();

        // Only requests old enough for the 48 hours to have passed count, and not those withdrawn before anyone claimed them.
        var decided = rows.Where(a => now - a.Request.CreatedAt >= ClaimTarget
            && !(a.Request.Status == RequestStatus.Cancelled && a.FirstClaimedAt is null)).ToList();
        var within = decided.Count(a => a.FirstClaimedAt is { } c && c - a.Request.CreatedAt <= ClaimTarget);

        var activeMentors = mentors.Where(m => m.Mentor.Active).Select(m => m.Mentor).ToList();
        var supply = rows.SelectMany(a => a.Request.Skills.Distinct(StringComparer.OrdinalIgnoreCase))
            .GroupBy(s => s, StringComparer.OrdinalIgnoreCase)
            .Select(g => new SkillSupply(g.Key, g.Count(), activeMentors
                .Where(m => m.Skills.Contains(g.Key, StringComparer.OrdinalIgnoreCase)).Select(m => m.SlackUserId).ToList()))
            .OrderByDescending(s => s.Asked).ThenBy(s => s.Skill, StringComparer.OrdinalIgnoreCase)
            .ToList();

        var toTimeSet = rows.Select(a => a.ClaimToTimeSet).OfType<TimeSpan>().Order().ToList();
        var tracked = history.Tracked;
        var afterSession = rows.Where(a => a.Helped is not null).ToList();
        var done = rows.Where(a => a.SessionDoneAt is not null).ToList();
        var ratings = done.Select(a => a.Rating).OfType<int>().ToList();
        var stats = new ProgramStats(
            from,
            now,
            rows.Count,
            Count(rows.Select(a => a.Request.Service)),
            Count(rows.SelectMany(a => a.Request.Skills.Distinct(StringComparer.OrdinalIgnoreCase))),
            rows.Count(a => a.FirstClaimedAt is not null),
            rows.Count(a => a.AssignedBy is not null),
            rows.Count(a => a.Request.Status == RequestStatus.Cancelled),
            Median(waits),
            Percentile(waits, 0.9),
            new Share(within, decided.Count),
            openNow.Count,
            openNow.Count == 0 ? null : now - openNow.Min(r => r.CreatedAt),
            openNow.Count(r => MentorMatcher.Match(r.Skills, mentors, int.MaxValue).Count == 0),
            Count(rows.Where(a => a.Request.ClaimedBy is not null).Select(a => a.Request.ClaimedBy!)),
            supply.Where(s => s.Mentors.Count == 0).ToList(),
            supply.Where(s => s.Mentors.Count == 1).ToList(),
            tracked.HasFlag(FollowUpFields.Escalation) ? new Share(rows.Count(a => a.EscalatedAt is not null), rows.Count) : null,
            tracked.HasFlag(FollowUpFields.SessionDone) ? rows.Count(a => a.SessionDoneAt is not null) : null,
            tracked.HasFlag(FollowUpFields.Feedback) ? new Share(afterSession.Count(a => a.Helped == true), afterSession.Count) : null,
            tracked.HasFlag(FollowUpFields.RePairs) ? rows.Sum(a => a.RePairs) : null,
            tracked.HasFlag(FollowUpFields.ContactLost)
                ? new Share(rows.Count(a => a.ContactLostAt is not null), rows.Count(a => a.FirstClaimedAt is not null))
                : null);
        return stats with
        {
            TimesSet = toTimeSet.Count,
            MedianClaimToTimeSet = Median(toTimeSet),
            SessionsReported = new Share(done.Count(a => a.Reported), done.Count),
            SessionsRated = new Share(ratings.Count, done.Count),
            MeanRating = ratings.Count == 0 ? null : ratings.Average(),
            QuietMentorsAsked = mentors.Count(m => m.Mentor.Standing.QuietAskedAt is { } at && at >= from && at <= now),
            PausedForInactivity = mentors
                .Where(m => m.Mentor.Paused && m.Mentor.Standing.PausedForInactivityAt is { } at && at >= from && at <= now)
                .Select(m => m.Mentor.SlackUserId).ToList(),
        };
    }

    private static List<NameCount> Count(IEnumerable<string> names) =>
        names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase)
            .Select(g => new NameCount(g.First(), g.Count()))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();

    internal static TimeSpan? Median(IReadOnlyList<TimeSpan> sorted)
    {
        if (sorted.Count == 0) return null;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    internal static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double p)
    {
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
