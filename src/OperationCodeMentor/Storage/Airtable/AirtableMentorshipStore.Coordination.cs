using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The queries and coordinator actions behind /mentor-admin, App Home, the request limits and the stats. Each query is
/// one filtered list (paged to the end); the queue and the stats count only rows with a Status and a Requested At, which
/// every request the bot writes has, so Pybot's history does not flood the queue.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    private const FollowUpFields ActivityTracked =
        FollowUpFields.Escalation | FollowUpFields.SessionDone | FollowUpFields.Feedback | FollowUpFields.RePairs;

    public async Task<MentorRequest?> FindRequestByNumberAsync(long number, CancellationToken ct = default)
    {
        if (number <= 0) return null;
        var rows = await QueryAsync(AirtableFormula.FieldEquals(RF.Reference, RequestReference.Format(number)), ct, maxRecords: 1).ConfigureAwait(false);
        return rows.FirstOrDefault()?.Tracked.Request;
    }

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

    public async Task<IReadOnlyList<MentorRequest>> GetMentorHistoryAsync(string mentorSlackId, int limit, CancellationToken ct = default)
    {
        var rows = await QueryAsync(AirtableFormula.FieldEquals(RF.ClaimedBySlackId, mentorSlackId), ct).ConfigureAwait(false);
        return rows
            .OrderByDescending(c => c.Tracked.Request.ClaimedAt ?? c.Record.Time(RF.FirstClaimedAt) ?? c.Tracked.Request.CreatedAt)
            .ThenByDescending(c => ReferenceNumber(c.Tracked.Request))
            .Take(Math.Max(0, limit))
            .Select(c => c.Tracked.Request)
            .ToList();
    }

    public async Task<ActivityHistory> GetActivityAsync(DateTimeOffset since, CancellationToken ct = default)
    {
        var f = RF;
        var rows = await QueryAsync(AirtableFormula.AtOrAfter(f.RequestedAt, since), ct).ConfigureAwait(false);
        // A follow-up is made after the request it follows, so every re-pair of a request in the period is in it too.
        var rePairs = rows.Select(c => c.Tracked.Outcome.FollowUpOf).OfType<string>()
            .GroupBy(id => id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var activity = rows
            .OrderBy(c => c.Tracked.Request.CreatedAt).ThenBy(c => ReferenceNumber(c.Tracked.Request))
            .Select(c => new RequestActivity(
                c.Tracked.Request,
                c.Record.Time(f.FirstClaimedAt),
                c.Record.Text(f.AssignedBySlackId),
                c.Tracked.Outcome.ClosedBy,
                c.Tracked.Outcome.CloseReason,
                EscalatedAt: c.Record.Time(f.FirstEscalatedAt),
                SessionDoneAt: c.Tracked.Outcome.CompletedAt,
                Helped: c.Tracked.Outcome.Feedback is { } answer ? answer == SessionFeedback.Helped : null,
                RePairs: rePairs.GetValueOrDefault(c.Tracked.Request.Id)))
            .ToList();
        return new ActivityHistory(activity, ActivityTracked);
    }

    public Task<ClaimOutcome> TryAssignAsync(string requestId, string mentorSlackId, string assignedBy, string? expectedClaimer,
        DateTimeOffset now, CancellationToken ct = default) =>
        // The assignment is a claim like any other, so it cannot overtake a mentor who clicked first.
        ClaimAsync(requestId, mentorSlackId, assignedBy, now, ct, expectedClaimer);

    public async Task<Transition> TryReopenAsync(string requestId, CancellationToken ct = default) =>
        ToTransition(await ChangeAsync(requestId, c =>
        {
            if (c.Tracked.Request.Status != RequestStatus.Cancelled) return null;
            var f = RF;
            var fields = new JsonObject
            {
                [f.ClosedBySlackId] = null,
                [f.ClosedAt] = null,
                [f.CloseReason] = null,
            };
            Unclaim(fields);
            return StartPhase(fields, c.Tracked, RequestStatus.Open);
        }, ct).ConfigureAwait(false), expectedClaimer: null);

    /// <summary>Every request the formula selects, as Airtable has it now.</summary>
    private async Task<IReadOnlyList<Current>> QueryAsync(AirtableFormula filter, CancellationToken ct, int? maxRecords = null)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var rows = await client.ListAsync(Tables.Requests, new AirtableQuery { Filter = filter, MaxRecords = maxRecords }, ct).ConfigureAwait(false);
        return rows.Select(r => new Current(r, ToTracked(r, s), s)).ToList();
    }

    /// <summary>Orders requests made in the same millisecond the way they were numbered.</summary>
    private static long ReferenceNumber(MentorRequest r) => RequestReference.TryParse(r.Reference, out var n) ? n : 0;
}
