using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The follow-up ladder's state and the end of a request's life, with the semantics of the SQLite store: where SQLite
/// checks a version, a token or a status in its UPDATE, this store checks the record it re-read under the request's lock.
/// Only requests the bot created (or a coordinator gave a next action time) are on a ladder: rows Pybot wrote have no
/// next action time, so the sweep never bumps years-old history.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    public async Task<IReadOnlyList<TrackedRequest>> GetDueFollowUpsAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        if (limit <= 0) return [];
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        // Airtable filters: a sweep with nothing due is one small read, however many requests the base holds.
        var rows = await client.ListAsync(Tables.Requests, new AirtableQuery
        {
            Filter = AirtableFormula.AtOrBefore(RF.NextActionAt, now),
            Sort = [new AirtableSort(RF.NextActionAt)],
            MaxRecords = limit,
            PageSize = Math.Min(limit, 100),
        }, ct).ConfigureAwait(false);
        return rows.Select(r => ToTracked(r, s)).ToList();
    }

    public async Task<TrackedRequest?> GetTrackedRequestAsync(string requestId, CancellationToken ct = default) =>
        (await ReadAsync(requestId, ct).ConfigureAwait(false))?.Tracked;

    public async Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default)
    {
        var changed = 0;
        // Ten at a time, the most one write can carry: a batch's locks are held for one read and one write.
        var ordered = plans.Where(p => IsRecordId(p.RequestId)).DistinctBy(p => p.RequestId).OrderBy(p => p.RequestId, StringComparer.Ordinal);
        foreach (var batch in ordered.Chunk(AirtableClient.MaxRecordsPerWrite))
        {
            var held = new List<IDisposable>(batch.Length);
            try
            {
                // Always in ID order, so two planners can never each hold a lock the other waits for.
                foreach (var p in batch) held.Add(await _requestLocks.LockAsync(p.RequestId, ct).ConfigureAwait(false));
                var versions = (await client.ListAsync(Tables.Requests, new AirtableQuery
                {
                    Filter = AirtableFormula.RecordIdIn(batch.Select(p => p.RequestId)),
                    Fields = [RF.FollowUpVersion],
                }, ct).ConfigureAwait(false)).ToDictionary(r => r.Id, r => (long)(r.Number(RF.FollowUpVersion) ?? 0), StringComparer.Ordinal);
                var updates = batch
                    .Where(p => versions.TryGetValue(p.RequestId, out var v) && v == p.Version)
                    .Select(p => new AirtableRecordUpdate(p.RequestId, new JsonObject { [RF.NextActionAt] = Iso(p.NextActionAt) }))
                    .ToList();
                if (updates.Count > 0) lookups.RememberRequests(await client.UpdateAsync(Tables.Requests, updates, ct: ct).ConfigureAwait(false));
                changed += updates.Count;
            }
            finally
            {
                foreach (var h in held) h.Dispose();
            }
        }
        return changed;
    }

    public async Task<bool> TryBeginStepAsync(string requestId, long version, FollowUpStep step, string token, DateTimeOffset now, CancellationToken ct = default)
    {
        var change = await ChangeAsync(requestId, c =>
        {
            var t = c.Tracked;
            if (t.FollowUp.Version != version || t.Request.Status is not (RequestStatus.Open or RequestStatus.Claimed)) return null;
            var f = RF;
            return new JsonObject
            {
                [f.PendingStep] = FollowUpNames.Step(step),
                [f.PendingToken] = token,
                [f.PendingAt] = Iso(now),
                [f.FollowUpVersion] = version + 1,
            };
        }, ct).ConfigureAwait(false);
        return change.After is not null;
    }

    public async Task<bool> TryCompleteStepAsync(string requestId, string token, FollowUpState after, CancellationToken ct = default)
    {
        var change = await ChangeAsync(requestId, c =>
        {
            if (c.Tracked.FollowUp.PendingToken != token) return null;
            var f = RF;
            var fields = EndStep(c.Tracked);
            fields[f.BumpCount] = after.BumpCount;
            fields[f.LastBumpAt] = Iso(after.LastBumpAt);
            fields[f.CoordinatorsNotifiedAt] = Iso(after.CoordinatorsNotifiedAt);
            fields[f.EscalatedAt] = Iso(after.EscalatedAt);
            fields[f.MentorNudgedAt] = Iso(after.MentorNudgedAt);
            fields[f.StuckReportedAt] = Iso(after.StuckReportedAt);
            fields[f.NextActionAt] = Iso(after.NextActionAt);
            // A release clears the escalation so the new phase can escalate afresh; the stats count the first one.
            if (after.EscalatedAt is { } escalated && c.Record.Time(f.FirstEscalatedAt) is null) fields[f.FirstEscalatedAt] = Iso(escalated);
            return fields;
        }, ct).ConfigureAwait(false);
        return change.After is not null;
    }

    public async Task<bool> TryAbandonStepAsync(string requestId, string token, DateTimeOffset retryAt, CancellationToken ct = default)
    {
        var change = await ChangeAsync(requestId, c =>
        {
            if (c.Tracked.FollowUp.PendingToken != token) return null;
            var fields = EndStep(c.Tracked);
            fields[RF.NextActionAt] = Iso(retryAt);
            return fields;
        }, ct).ConfigureAwait(false);
        return change.After is not null;
    }

    /// <summary>The pending step is over (done or given up): no pending step, and a new version.</summary>
    private JsonObject EndStep(TrackedRequest t)
    {
        var f = RF;
        return new JsonObject
        {
            [f.PendingStep] = null,
            [f.PendingToken] = null,
            [f.PendingAt] = null,
            [f.FollowUpVersion] = t.FollowUp.Version + 1,
        };
    }

    public async Task<Transition> TryCloseAsync(string requestId, string closedBy, string? reason, bool allowClaimed, DateTimeOffset now, CancellationToken ct = default) =>
        ToTransition(await CloseAsync(requestId, closedBy, reason, allowClaimed, now, ct).ConfigureAwait(false), expectedClaimer: null);

    /// <summary>Cancels an open request (or a claimed one, when allowed), recording who closed it, when and why.</summary>
    private Task<Change> CloseAsync(string requestId, string closedBy, string? reason, bool allowClaimed, DateTimeOffset now, CancellationToken ct) =>
        ChangeAsync(requestId, c =>
        {
            var status = c.Tracked.Request.Status;
            if (!(status == RequestStatus.Open || (allowClaimed && status == RequestStatus.Claimed))) return null;
            var f = RF;
            var fields = new JsonObject
            {
                [f.ClosedBySlackId] = closedBy,
                [f.ClosedAt] = Iso(now),
                [f.CloseReason] = reason,
            };
            return StartPhase(fields, c.Tracked, RequestStatus.Cancelled);
        }, ct);

    public async Task<Transition> TryCompleteSessionAsync(string requestId, string expectedClaimer, string completedBy, DateTimeOffset now, CancellationToken ct = default)
    {
        var change = await ChangeAsync(requestId, c =>
        {
            var r = c.Tracked.Request;
            if (r.Status != RequestStatus.Claimed || r.ClaimedBy != expectedClaimer) return null;
            var fields = new JsonObject
            {
                [RF.CompletedAt] = Iso(now),
                [RF.CompletedBySlackId] = completedBy,
            };
            return StartPhase(fields, c.Tracked, RequestStatus.Completed);
        }, ct).ConfigureAwait(false);
        return ToTransition(change, expectedClaimer);
    }

    public async Task<FeedbackOutcome> TryRecordFeedbackAsync(string requestId, SessionFeedback feedback, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        MentorRequest? followUp = null;
        var change = await ChangeAsync(requestId, async (c, token) =>
        {
            var r = c.Tracked.Request;
            if (r.Status != RequestStatus.Completed || c.Tracked.Outcome.Feedback is not null) return null;
            if (feedback == SessionFeedback.AnotherMentor)
            {
                // The new request first, keyed on the one it follows: if the answer then fails to save, answering again
                // finds that request instead of opening a second one, and the mentee's wish is never lost.
                var again = new NewMentorRequest(r.MenteeSlackId, r.MenteeName, r.Service, r.Skills, r.Details, r.Affiliation, now, "follow-up-of:" + r.Id);
                followUp = await CreateAsync(again, followUpOf: r.Id, token).ConfigureAwait(false);
            }
            return new JsonObject
            {
                [RF.Feedback] = FollowUpNames.Feedback(feedback),
                [RF.FeedbackBySlackId] = by,
                [RF.FeedbackAt] = Iso(now),
            };
        }, ct).ConfigureAwait(false);
        if (change.Before is not { } before) return new FeedbackOutcome(TransitionResult.NotFound, null, null);
        return change.After is { } after
            ? new FeedbackOutcome(TransitionResult.Done, after, followUp)
            : new FeedbackOutcome(TransitionResult.WrongState, before, null);
    }

    private TrackedRequest ToTracked(AirtableRecord r, LookupSnapshot s)
    {
        var f = RF;
        var state = new FollowUpState(
            (long)(r.Number(f.FollowUpVersion) ?? 0),
            (int)(r.Number(f.BumpCount) ?? 0),
            r.Time(f.LastBumpAt),
            r.Time(f.CoordinatorsNotifiedAt),
            r.Time(f.EscalatedAt),
            r.Time(f.MentorNudgedAt),
            r.Time(f.StuckReportedAt),
            r.Time(f.NextActionAt),
            FollowUpNames.ParseStep(r.Text(f.PendingStep)),
            r.Text(f.PendingToken),
            r.Time(f.PendingAt));
        var outcome = new RequestOutcome(
            r.Time(f.CompletedAt),
            r.Text(f.CompletedBySlackId),
            r.Time(f.ClosedAt),
            r.Text(f.ClosedBySlackId),
            r.Text(f.CloseReason),
            r.Links(f.FollowUpOf).FirstOrDefault(),
            FollowUpNames.ParseFeedback(r.Text(f.Feedback)),
            r.Text(f.FeedbackBySlackId),
            r.Time(f.FeedbackAt));
        return new TrackedRequest(ToRequest(r, s), state, outcome);
    }
}
