using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>
/// Where mentors, requests and the form option lists live. Outside a store a request is known only by its reference
/// (R-1042); each store maps it to its own rows. A store holds no lifecycle rules: every change to a request is decided by
/// <see cref="RequestLifecycle"/> and written by <see cref="ChangeRequestAsync"/>, only while the request is still at the
/// version it was read at, so two writers racing (two clicks, a click and a sweep, two processes) cannot both win.
/// </summary>
public interface IMentorshipStore
{
    Task<OptionLists> GetOptionListsAsync(CancellationToken ct = default);

    // ---- mentors ----

    Task<Mentor?> GetMentorAsync(string slackUserId, CancellationToken ct = default);

    /// <summary>Creates the mentor or updates the one with this Slack user ID; enrolment makes them active.</summary>
    Task<Mentor> SaveMentorAsync(MentorProfile profile, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Pauses or resumes a mentor; null when they are not enrolled.</summary>
    Task<Mentor?> SetMentorPausedAsync(string slackUserId, bool paused, CancellationToken ct = default);

    /// <summary>Notes when a mentor last took a request, so the least recently busy are mentioned first. Best effort.</summary>
    Task SetMentorLastClaimedAsync(string slackUserId, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>
    /// Notes <paramref name="mark"/> on the mentor at <paramref name="at"/> (a time already later is kept); null when they
    /// are not enrolled.
    /// </summary>
    Task<Mentor?> MarkMentorAsync(string slackUserId, MentorMark mark, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Every mentor with the number of requests they currently hold.</summary>
    Task<IReadOnlyList<MentorLoad>> GetMentorLoadsAsync(CancellationToken ct = default);

    /// <summary>One mentor with the number of requests they hold; null when not enrolled. Every claim asks this.</summary>
    Task<MentorLoad?> GetMentorLoadAsync(string slackUserId, CancellationToken ct = default);

    // ---- requests ----

    /// <summary>Hands out the number of a request about to be made, never the same one twice.</summary>
    Task<long> ReserveRequestNumberAsync(CancellationToken ct = default);

    /// <summary>
    /// <see cref="ReserveRequestNumberAsync"/> and <see cref="GetMentorLoadsAsync"/> together, for a new request's card
    /// and its mentions: in one round trip where the store can.
    /// </summary>
    async Task<(long Number, IReadOnlyList<MentorLoad> Loads)> ReserveRequestNumberWithLoadsAsync(CancellationToken ct = default) =>
        (await ReserveRequestNumberAsync(ct).ConfigureAwait(false), await GetMentorLoadsAsync(ct).ConfigureAwait(false));

    /// <summary>
    /// Stores a new open request under its reserved number, due for follow-up planning at once. With a submission key,
    /// storing the same submission again returns the request stored the first time.
    /// </summary>
    Task<TrackedRequest> CreateRequestAsync(NewMentorRequest request, CancellationToken ct = default);

    /// <summary>The request stored from this submission, if any (finishing interrupted work asks this).</summary>
    Task<TrackedRequest?> FindRequestBySubmissionAsync(string submissionKey, CancellationToken ct = default);

    /// <summary>The request with this reference (R-1042, r1042 or 1042 all name it), as the store has it now; null when there is none.</summary>
    Task<TrackedRequest?> GetRequestAsync(string reference, CancellationToken ct = default);

    /// <summary>
    /// Reads the request, asks <paramref name="decide"/> what it becomes, and writes that, but only while the request is
    /// still at the version it was read at; when another writer got in between, reads it again and asks again. Writes
    /// nothing when the decision is a refusal or a replay. Null when there is no such request.
    /// </summary>
    /// <param name="beforeWrite">
    /// Called with a decision that changes the request just before it is written (again if the write loses a race): the
    /// caller's chance to note durably what the request was before, which a replay of its work cannot read back, and to
    /// fold a further change into the same write (<see cref="RequestLifecycle.Then"/>). What it returns is written.
    /// </param>
    /// <remarks>
    /// A change that gives the request a new claimer (<see cref="Decision.NewClaimer"/>) also notes on that mentor when they
    /// took it (<see cref="SetMentorLastClaimedAsync"/>), in the same write where the store can.
    /// </remarks>
    Task<Decision?> ChangeRequestAsync(string reference, Func<TrackedRequest, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default);

    /// <summary>
    /// <see cref="ChangeRequestAsync(string, Func{TrackedRequest, Decision}, Func{Decision, CancellationToken, Task{Decision}}?, CancellationToken)"/>
    /// for a change decided on a mentor's load as well (a claim, an assignment): the request and the load are read
    /// together, in one round trip where the store can, and again together if the write loses a race. Where the store
    /// can, the mentee's last reported session comes in that read too (<see cref="PairingRead"/>).
    /// </summary>
    async Task<Decision?> ChangeRequestAsync(string reference, string mentor, Func<TrackedRequest, PairingRead, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default)
    {
        var load = await GetMentorLoadAsync(mentor, ct).ConfigureAwait(false);
        return await ChangeRequestAsync(reference, t => decide(t, new PairingRead(load)), beforeWrite, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="ChangeRequestAsync(string, Func{TrackedRequest, Decision}, Func{Decision, CancellationToken, Task{Decision}}?, CancellationToken)"/>
    /// starting from <paramref name="known"/>, the request as the caller's own last change left it: a store whose write is
    /// conditional on the version decides on it without reading the request first, and reads only if the write finds the
    /// request changed since. Any other store reads as usual.
    /// </summary>
    Task<Decision?> ChangeRequestAsync(TrackedRequest known, Func<TrackedRequest, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default) =>
        ChangeRequestAsync(known.Reference, decide, beforeWrite, ct);

    /// <summary>
    /// A new request's first step, taken with the write of its intake work where the queue shares this store's database
    /// and that write leases the intake's lane here, or writes the work behind a numbered one
    /// (<see cref="Reliability.FirstStep"/>): a number handed out and written
    /// into <paramref name="numbered"/> at <paramref name="numberAt"/> as the work's progress, and, when
    /// <paramref name="withLoads"/>, every mentor's load read for the card's mentions. Null where the store cannot.
    /// </summary>
    NumberingStep? NumberWithTheWrite(System.Text.Json.Nodes.JsonObject numbered, string numberAt, bool withLoads) => null;

    /// <summary>
    /// The read a change of <paramref name="reference"/> starts with (the request, and for a pairing
    /// <paramref name="mentor"/>'s load and the mentee's last reported session), made with the write of the press's work
    /// where the queue shares this store's database and that write leases the request's lane here
    /// (<see cref="Reliability.FirstStep"/>). The change then decides on it without reading again; its conditional write
    /// still finds out if the request changed since, and the change is read and decided again. Null where the store does
    /// not (<see cref="ReadsWithTheWrite"/>).
    /// </summary>
    Reliability.FirstStep? ReadWithTheWrite(string reference, string? mentor) => null;

    /// <summary>
    /// Whether <see cref="ReadWithTheWrite"/> gives reads at all: asked first, so the path Slack waits on does no work
    /// (reading the press back from its work) for a store that would answer null.
    /// </summary>
    bool ReadsWithTheWrite => false;

    /// <summary>Requests whose next action time is at or before <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<TrackedRequest>> GetDueFollowUpsAsync(DateTimeOffset now, int limit, CancellationToken ct = default);

    /// <summary>
    /// Sets each request's next action time, skipping any that has moved past the version given (as
    /// <see cref="RequestCommand.Plan"/> decides); many at once, since a sweep plans many. Returns how many changed.
    /// </summary>
    Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default);

    /// <summary>A cheap round trip that proves the store answers.</summary>
    Task CheckAsync(CancellationToken ct = default);

    // ---- what coordinators, mentees and mentors see: /mentor-admin, App Home, request limits, stats ----

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
    /// <see cref="GetMentorHistoryAsync"/> with everything known of each request, the session time the pair set among it,
    /// from the same read: App Home shows a mentor's claims with their times without reading each claim again.
    /// </summary>
    Task<IReadOnlyList<TrackedRequest>> GetMentorHistoryTrackedAsync(string mentorSlackId, int limit, CancellationToken ct = default);

    /// <summary>Open or claimed requests a coordinator has put on hold, the soonest back first.</summary>
    Task<IReadOnlyList<TrackedRequest>> GetHeldRequestsAsync(CancellationToken ct = default);

    /// <summary>Requests made at or after <paramref name="since"/>, oldest first, with everything known of how each went.</summary>
    Task<IReadOnlyList<TrackedRequest>> GetActivityAsync(DateTimeOffset since, CancellationToken ct = default);

    // ---- session reports and ratings: coordinators only, except the goals ----

    /// <summary>
    /// The mentee's request whose session report was filed most recently; null when none of theirs has one. Its goals
    /// are shown to whoever is paired with the mentee's next request.
    /// </summary>
    Task<TrackedRequest?> GetLatestReportedRequestAsync(string menteeSlackId, CancellationToken ct = default);

    /// <summary>
    /// Requests with a session report or a rating, held by <paramref name="mentorSlackId"/> (every mentor when null), the
    /// most recently reported or rated first, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<TrackedRequest>> GetReportedSessionsAsync(string? mentorSlackId, int limit, CancellationToken ct = default);
}

/// <summary>What <see cref="IMentorshipStore.NumberWithTheWrite"/> took and read, once the work's write is made.</summary>
public abstract class NumberingStep : Reliability.FirstStep
{
    /// <summary>The number handed out; null when the write could not take it (the job waits behind one not yet numbered, say), and nothing was taken.</summary>
    public long? Number { get; protected set; }

    /// <summary>Every mentor's load, when asked for and the number was handed out.</summary>
    public IReadOnlyList<MentorLoad>? Loads { get; protected set; }

    /// <summary>A submission written just as the one before it finishes takes the lane, and its number, once that finish is in.</summary>
    public override bool WaitsForTheFinishAhead => true;
}

/// <summary>What a pairing (a claim, an assignment) is decided and announced on, read with the request.</summary>
/// <param name="Load">The mentor's load; null when they are not enrolled.</param>
/// <param name="LastReportRead">Whether <paramref name="LastReport"/> was read with the request; when not, it is read when needed.</param>
/// <param name="LastReport">The mentee's request whose session report was filed most recently (<see cref="IMentorshipStore.GetLatestReportedRequestAsync"/>).</param>
public sealed record PairingRead(MentorLoad? Load, bool LastReportRead = false, TrackedRequest? LastReport = null);
