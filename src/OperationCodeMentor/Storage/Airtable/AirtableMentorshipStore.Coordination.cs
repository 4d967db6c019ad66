using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The queries behind /mentor-admin, App Home, the request limits and the stats. Each query is one filtered list (paged
/// to the end); the queue and the stats count only rows with a Status and a Requested At, which every request the bot
/// writes has, so Pybot's history does not flood the queue.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    public async Task<IReadOnlyList<MentorRequest>> GetOpenRequestsAsync(CancellationToken ct = default) =>
        (await QueryAsync(AirtableFormula.FieldEquals(RF.Status, StatusText(RequestStatus.Open)), ct).ConfigureAwait(false))
            .Select(c => c.Tracked.Request).OrderBy(r => r.CreatedAt).ThenBy(ReferenceNumber).ToList();

    public async Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default)
    {
        var f = RF;
        var rows = await QueryAsync(AirtableFormula.And(
            AirtableFormula.FieldEquals(f.MenteeSlackId, menteeSlackId),
            AirtableFormula.Or(AirtableFormula.AtOrAfter(f.RequestedAt, since), AirtableFormula.FieldEquals(f.Status, StatusText(RequestStatus.Open)))), ct).ConfigureAwait(false);
        return rows.Select(c => c.Tracked.Request).OrderByDescending(r => r.CreatedAt).ThenByDescending(ReferenceNumber).ToList();
    }

    public async Task<IReadOnlyList<MentorRequest>> GetMentorHistoryAsync(string mentorSlackId, int limit, CancellationToken ct = default) =>
        (await MentorHistoryAsync(mentorSlackId, limit, ct).ConfigureAwait(false)).Select(t => t.Request).ToList();

    /// <summary>
    /// The one list read of the history; only when some of them follow up requests this process has not seen, one more
    /// read per 50 of those to name them (see <see cref="ResolveAsync"/>). Never a read per request.
    /// </summary>
    public async Task<IReadOnlyList<TrackedRequest>> GetMentorHistoryTrackedAsync(string mentorSlackId, int limit, CancellationToken ct = default) =>
        await ResolveAsync(await MentorHistoryAsync(mentorSlackId, limit, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    private async Task<IReadOnlyList<TrackedRequest>> MentorHistoryAsync(string mentorSlackId, int limit, CancellationToken ct)
    {
        var rows = await QueryAsync(AirtableFormula.FieldEquals(RF.ClaimedBySlackId, mentorSlackId), ct).ConfigureAwait(false);
        return rows.Select(c => c.Tracked)
            .OrderByDescending(t => t.Request.ClaimedAt ?? t.Outcome.FirstClaimedAt ?? t.Request.CreatedAt)
            .ThenByDescending(t => ReferenceNumber(t.Request))
            .Take(Math.Max(0, limit))
            .ToList();
    }

    public async Task<IReadOnlyList<TrackedRequest>> GetActivityAsync(DateTimeOffset since, CancellationToken ct = default)
    {
        var rows = await QueryAsync(AirtableFormula.AtOrAfter(RF.RequestedAt, since), ct).ConfigureAwait(false);
        var ordered = rows.Select(c => c.Tracked).OrderBy(t => t.Request.CreatedAt).ThenBy(t => ReferenceNumber(t.Request)).ToList();
        return await ResolveAsync(ordered, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TrackedRequest>> GetHeldRequestsAsync(CancellationToken ct = default)
    {
        var f = RF;
        var rows = await QueryAsync(AirtableFormula.And(AirtableFormula.IsNotBlank(f.OnHoldUntil), AirtableFormula.Or(
            AirtableFormula.FieldEquals(f.Status, StatusText(RequestStatus.Open)), AirtableFormula.FieldEquals(f.Status, StatusText(RequestStatus.Claimed)))), ct).ConfigureAwait(false);
        var held = rows.Select(c => c.Tracked).Where(t => t.Session.OnHoldUntil is not null)
            .OrderBy(t => t.Session.OnHoldUntil).ThenBy(t => ReferenceNumber(t.Request)).ToList();
        return await ResolveAsync(held, ct).ConfigureAwait(false);
    }

    /// <summary>Every request the formula selects, as Airtable has it now.</summary>
    private async Task<IReadOnlyList<Current>> QueryAsync(AirtableFormula filter, CancellationToken ct, int? maxRecords = null)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var rows = await AdoptAsync(await client.ListAsync(Tables.Requests, new AirtableQuery { Filter = filter, MaxRecords = maxRecords }, ct).ConfigureAwait(false), s, ct)
            .ConfigureAwait(false);
        return rows.Select(r => new Current(r, ToTracked(r, s), s)).ToList();
    }

    /// <summary>Orders requests made in the same millisecond the way they were numbered.</summary>
    private static long ReferenceNumber(MentorRequest r) => RequestReference.TryParse(r.Reference, out var n) ? n : 0;
}
