using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>
/// Where mentors, requests and the form option lists live. Record IDs are strings so that stores with their
/// own identifiers fit; nothing here speaks SQL. Every state change that two people can race for
/// (claim, release) is conditional, so exactly one of them wins. The follow-up ladder's members are in
/// <see cref="IFollowUpStore"/>.
/// </summary>
public interface IMentorshipStore : IFollowUpStore
{
    Task<OptionLists> GetOptionListsAsync(CancellationToken ct = default);

    Task<Mentor?> GetMentorAsync(string slackUserId, CancellationToken ct = default);

    /// <summary>Creates the mentor or updates the one with this Slack user ID; enrolment makes them active.</summary>
    Task<Mentor> SaveMentorAsync(MentorProfile profile, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Pauses or resumes a mentor; null when they are not enrolled.</summary>
    Task<Mentor?> SetMentorPausedAsync(string slackUserId, bool paused, CancellationToken ct = default);

    /// <summary>Every mentor with the number of requests they currently hold.</summary>
    Task<IReadOnlyList<MentorLoad>> GetMentorLoadsAsync(CancellationToken ct = default);

    Task<MentorRequest> CreateRequestAsync(NewMentorRequest request, CancellationToken ct = default);

    Task<MentorRequest?> GetRequestAsync(string id, CancellationToken ct = default);

    /// <summary>Remembers where the request was posted and whom it mentioned.</summary>
    Task SetRequestPostAsync(string id, string channelId, string messageTs, IReadOnlyList<string> mentioned, CancellationToken ct = default);

    /// <summary>Claims an open request for a mentor; only one caller can ever win an open request.</summary>
    Task<ClaimOutcome> TryClaimAsync(string requestId, string mentorSlackId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Reopens a request, but only while it is still claimed by <paramref name="expectedClaimer"/>.</summary>
    Task<ReleaseOutcome> TryReleaseAsync(string requestId, string expectedClaimer, string releasedBy, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>A cheap round trip that proves the store answers.</summary>
    Task CheckAsync(CancellationToken ct = default);
}
