using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The follow-up ladder's reads and plans. Only requests the bot created (or a coordinator gave a next action time) are
/// on a ladder: rows Pybot wrote have no next action time, so the sweep never bumps years-old history.
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
        rows = await AdoptAsync(rows, s, ct).ConfigureAwait(false);
        return await ResolveAsync(rows.Select(r => ToTracked(r, s)).ToList(), ct).ConfigureAwait(false);
    }

    /// <summary>What <see cref="RequestCommand.Plan"/> decides, ten requests a write: each only at the version the sweep read.</summary>
    public async Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default)
    {
        var changed = 0;
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var known = plans.Where(p => _recordIds.ContainsKey(p.Reference)).DistinctBy(p => p.Reference).OrderBy(p => p.Reference, StringComparer.Ordinal);
        foreach (var batch in known.Chunk(AirtableClient.MaxRecordsPerWrite))
        {
            var held = new List<IDisposable>(batch.Length);
            try
            {
                // Always in reference order, so two planners can never each hold a lock the other waits for.
                foreach (var p in batch) held.Add(await _requestLocks.LockAsync(p.Reference, ct).ConfigureAwait(false));
                var ids = batch.ToDictionary(p => _recordIds[p.Reference], p => p, StringComparer.Ordinal);
                var versions = (await client.ListAsync(Tables.Requests, new AirtableQuery
                {
                    Filter = AirtableFormula.RecordIdIn(ids.Keys),
                    Fields = [RF.FollowUpVersion],
                }, ct).ConfigureAwait(false)).ToDictionary(r => r.Id, r => (long)(s.Layout.Requests.Number(r, RF.FollowUpVersion) ?? 0), StringComparer.Ordinal);
                var updates = ids
                    .Where(p => versions.TryGetValue(p.Key, out var v) && v == p.Value.Version)
                    .Select(p => new AirtableRecordUpdate(p.Key, new JsonObject
                    {
                        [RF.NextActionAt] = Iso(p.Value.NextActionAt),
                        [RF.FollowUpVersion] = p.Value.Version + 1,
                    }))
                    .ToList();
                if (updates.Count > 0) lookups.RememberRequests(await UpdateAsync(s.Layout.Requests, s, updates, ct).ConfigureAwait(false));
                changed += updates.Count;
            }
            finally
            {
                foreach (var h in held) h.Dispose();
            }
        }
        return changed;
    }

    private TrackedRequest ToTracked(AirtableRecord r, LookupSnapshot s)
    {
        var f = RF;
        var l = s.Layout.Requests;
        var state = new FollowUpState(
            (int)(l.Number(r, f.BumpCount) ?? 0),
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
            l.RecordLink(r, f.FollowUpOf) is { } earlier ? _references.GetValueOrDefault(earlier, earlier) : null,
            FollowUpNames.ParseFeedback(r.Text(f.Feedback)),
            r.Text(f.FeedbackBySlackId),
            r.Time(f.FeedbackAt),
            r.Time(f.FirstClaimedAt),
            r.Text(f.AssignedBySlackId),
            r.Time(f.FirstEscalatedAt));
        return new TrackedRequest(ToRequest(r, s), state, outcome, (long)(l.Number(r, f.FollowUpVersion) ?? 0), r.Text(f.LastChange))
        {
            Session = ToSession(r, l),
        };
    }

    private RequestSession ToSession(AirtableRecord r, TableLayout l)
    {
        var f = RF;
        // A report is there once the mentor has said what the session covered; the goals are its lines.
        var report = r.Text(f.SessionCovered) is { Length: > 0 } covered
            ? new SessionReport(covered,
                (r.Text(f.SessionGoals) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                FollowUpNames.ParseWish(r.Text(f.FollowUpWanted)) ?? FollowUpWish.None,
                r.Text(f.NotesForCoordinators))
            : null;
        return new RequestSession(
            r.Text(f.ConversationId), r.Time(f.ConversationOpenedAt), r.Time(f.SessionAt), r.Time(f.TimeFirstSetAt), r.Time(f.ReminderSentAt),
            (int)(l.Number(r, f.ContactAttempts) ?? 0), r.Time(f.FirstContactAttemptAt), r.Time(f.LastContactAttemptAt), r.Time(f.ContactLostAt),
            r.Time(f.OnHoldUntil), r.Text(f.OnHoldBySlackId), r.Time(f.ResumedAt),
            report, r.Text(f.ReportedBySlackId), r.Time(f.ReportedAt),
            l.Number(r, f.Rating) is { } stars ? (int)stars : null, r.Text(f.RatingComment), r.Time(f.RatedAt),
            r.Text(f.PreferredMentorSlackId), r.Time(f.OfferEndedAt))
        {
            CheckedInAt = r.Time(f.CheckedInAt),
            CheckIn = FollowUpNames.ParseCheckIn(r.Text(f.CheckInAnswer)),
        };
    }
}
