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

    /// <summary>One mentor with the number of requests they hold; null when not enrolled. Every claim asks this.</summary>
    Task<MentorLoad?> GetMentorLoadAsync(string slackUserId, CancellationToken ct = default);

    /// <summary>
    /// Stores a new request. With a <see cref="NewMentorRequest.SubmissionKey"/>, creating the same submission
    /// twice returns the first request instead of a second one.
    /// </summary>
    Task<MentorRequest> CreateRequestAsync(NewMentorRequest request, CancellationToken ct = default);

    /// <summary>
    /// Hands out the reference number of a request about to be made, never the same one twice, so that its card can be
    /// posted before it is stored and the request then written once, together with where its card is
    /// (<see cref="NewMentorRequest.Number"/> and <see cref="NewMentorRequest.Post"/>).
    /// </summary>
    Task<long> ReserveRequestNumberAsync(CancellationToken ct = default);

    /// <summary>
    /// The ID of the request with this reference number (a card posted before its request was stored names it by
    /// reference); null when there is none, or none yet.
    /// </summary>
    async Task<string?> FindRequestIdByNumberAsync(long number, CancellationToken ct = default) =>
        (await FindRequestByNumberAsync(number, ct).ConfigureAwait(false))?.Id;

    /// <summary>The request created from this submission, if any (used when resuming interrupted work).</summary>
    Task<MentorRequest?> FindRequestBySubmissionAsync(string submissionKey, CancellationToken ct = default);

    Task<MentorRequest?> GetRequestAsync(string id, CancellationToken ct = default);

    /// <summary>Remembers where the request was posted and whom it mentioned.</summary>
    Task SetRequestPostAsync(string id, string channelId, string messageTs, IReadOnlyList<string> mentioned, CancellationToken ct = default);

    /// <summary>Claims an open request for a mentor; only one caller can ever win an open request.</summary>
    Task<ClaimOutcome> TryClaimAsync(string requestId, string mentorSlackId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Reopens a request, but only while it is still claimed by <paramref name="expectedClaimer"/>.</summary>
    Task<ReleaseOutcome> TryReleaseAsync(string requestId, string expectedClaimer, string releasedBy, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>A cheap round trip that proves the store answers.</summary>
    Task CheckAsync(CancellationToken ct = default);

    // ---- Coordination and insight: /mentor-admin, App Home, request limits, stats ----
    // Reads, plus state changes that are conditional like claim and release, so two coordinators racing
    // (or a coordinator and a mentor) cannot both win.

    /// <summary>The request with this reference number (the 1042 of R-1042); null when there is none.</summary>
    Task<MentorRequest?> FindRequestByNumberAsync(long number, CancellationToken ct = default);

    /// <summary>Every request waiting for a mentor, oldest first.</summary>
    Task<IReadOnlyList<MentorRequest>> GetOpenRequestsAsync(CancellationToken ct = default);

    /// <summary>A mentee's requests made at or after <paramref name="since"/>, plus any of theirs still open; newest first.</summary>
    Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default);

    /// <summary>
    /// <see cref="GetMenteeRequestsAsync"/>, but a store that keeps recent requests in memory may answer from that copy,
    /// which can lag changes made outside the bot by a few minutes: for a first check that is repeated on current data
    /// before anything depends on it.
    /// </summary>
    Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsCachedAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default) =>
        GetMenteeRequestsAsync(menteeSlackId, since, ct);

    /// <summary>Requests this mentor holds until they were completed or closed, most recent claim first.</summary>
    Task<IReadOnlyList<MentorRequest>> GetMentorHistoryAsync(string mentorSlackId, int limit, CancellationToken ct = default);

    /// <summary>
    /// Requests made at or after <paramref name="since"/> with what is known of how each went. A store that does not
    /// record a follow-up fact leaves it out of <see cref="ActivityHistory.Tracked"/>, so nobody reads its zero as a number.
    /// </summary>
    Task<ActivityHistory> GetActivityAsync(DateTimeOffset since, CancellationToken ct = default);

    /// <summary>
    /// A coordinator pairs a request with a mentor, remembered as assigned: an open request, like any claim, so it
    /// cannot overtake a mentor who clicked first; or, when <paramref name="expectedClaimer"/> is given, a request still
    /// claimed by that mentor, which moves to the new one (a claim that looked stuck). One conditional write either way.
    /// Closing is <see cref="IFollowUpStore.TryCloseAsync"/>, shared with the mentee's cancel.
    /// </summary>
    Task<ClaimOutcome> TryAssignAsync(string requestId, string mentorSlackId, string assignedBy, string? expectedClaimer, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Puts a cancelled request back in the queue, unclaimed.</summary>
    Task<Transition> TryReopenAsync(string requestId, CancellationToken ct = default);
}
