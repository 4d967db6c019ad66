using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// How this store makes a conditional change without conditional writes: take the request's in-process lock, read the
/// record as Airtable has it now, let the lifecycle decide, and write the fields that decision changed. Every writer of a
/// request goes through here, so within the one running instance no two of them interleave.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    /// <summary>A request as read: the raw record, what it means, and the lookups it was read with.</summary>
    private sealed record Current(AirtableRecord Record, TrackedRequest Tracked, LookupSnapshot Lookups);

    /// <summary>Every request's record ID this process has seen, by reference, and back.</summary>
    private readonly ConcurrentDictionary<string, string> _recordIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _references = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _adoptGate = new(1, 1);

    public async Task<Decision?> ChangeRequestAsync(string reference, Func<TrackedRequest, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default)
    {
        if (!RequestReference.TryParse(reference, out var number)) return null;
        reference = RequestReference.Format(number);
        using var held = await _requestLocks.LockAsync(reference, ct).ConfigureAwait(false);
        if (await ReadAsync(reference, ct).ConfigureAwait(false) is not { } current) return null;
        var decision = decide(current.Tracked);
        if (decision.After is null) return decision;
        if (beforeWrite is not null) decision = await beforeWrite(decision, ct).ConfigureAwait(false);
        var after = decision.After!;
        var changed = Changed(RequestFields(current.Tracked, current.Lookups), RequestFields(after, current.Lookups));
        var saved = (await UpdateAsync(current.Lookups.Layout.Requests, current.Lookups, [new AirtableRecordUpdate(current.Record.Id, changed)], ct).ConfigureAwait(false)).Single();
        lookups.RememberRequests([saved]);
        // A new claimer is noted as having just taken one: a record of its own in Airtable, so a write after this one
        // (best effort: the claim stands either way).
        if (decision.NewClaimer is { } mentor) await SetMentorLastClaimedAsync(mentor, after.Request.ClaimedAt!.Value, ct).ConfigureAwait(false);
        return decision;
    }

    /// <summary>The request as Airtable has it now (never from a cache); null when there is no such request.</summary>
    private async Task<Current?> ReadAsync(string reference, CancellationToken ct)
    {
        if (!RequestReference.TryParse(reference, out var number)) return null;
        reference = RequestReference.Format(number);
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        AirtableRecord? record = null;
        if (_recordIds.TryGetValue(reference, out var id) || (id = s.Requests.FirstOrDefault(r => r.Text(RF.Reference) == reference)?.Id) is not null)
        {
            record = await client.GetAsync(Tables.Requests, id, ct).ConfigureAwait(false);
            // Someone may have renumbered the row in Airtable by hand: then it is not this request any more.
            if (record is not null && record.Text(RF.Reference) != reference) record = null;
        }
        record ??= (await client.ListAsync(Tables.Requests, new AirtableQuery { Filter = AirtableFormula.FieldEquals(RF.Reference, reference), MaxRecords = 2 }, ct)
            .ConfigureAwait(false)).FirstOrDefault();
        if (record is null) return null;
        var tracked = await ResolveAsync([ToTracked(record, s)], ct).ConfigureAwait(false);
        return new Current(record, tracked[0], s);
    }

    /// <summary>The record ID of a request, from memory or with one read; null when there is no such request.</summary>
    private async Task<string?> RecordIdAsync(string reference, CancellationToken ct) =>
        _recordIds.TryGetValue(reference, out var id) ? id : (await ReadAsync(reference, ct).ConfigureAwait(false))?.Record.Id;

    /// <summary>
    /// The reference a record carries, remembered both ways. A row without one that this process has since numbered
    /// (see <see cref="AdoptAsync"/>) goes by that number; one never numbered (only ever seen in the cached copy, never
    /// handed to anyone to act on) by its record ID.
    /// </summary>
    private string ReferenceOf(AirtableRecord r)
    {
        if (r.Text(RF.Reference) is not { } reference) return _references.GetValueOrDefault(r.Id, r.Id);
        _recordIds[reference] = r.Id;
        _references[r.Id] = reference;
        return reference;
    }

    /// <summary>
    /// Rows a coordinator typed into Airtable, or that something other than the bot wrote, may have no reference; buttons,
    /// jobs and commands all name a request by its reference, so the first time a query lists such a row it is given the
    /// next number (ten rows a write). Numbering is one at a time in this process, so two queries that both see the row
    /// cannot give it two numbers.
    /// </summary>
    private async Task<IReadOnlyList<AirtableRecord>> AdoptAsync(IReadOnlyList<AirtableRecord> rows, LookupSnapshot s, CancellationToken ct)
    {
        if (rows.All(r => r.Text(RF.Reference) is not null)) return rows;
        await _adoptGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var updates = new List<AirtableRecordUpdate>();
            foreach (var row in rows.Where(r => r.Text(RF.Reference) is null && !_references.ContainsKey(r.Id)))
                updates.Add(new AirtableRecordUpdate(row.Id, new JsonObject { [RF.Reference] = RequestReference.Format(await NextReferenceAsync(ct).ConfigureAwait(false)) }));
            if (updates.Count == 0) return rows;
            var saved = await UpdateAsync(s.Layout.Requests, s, updates, ct).ConfigureAwait(false);
            foreach (var row in saved) LogAdopted(log, row.Id, ReferenceOf(row));
            lookups.RememberRequests(saved);
            var byId = saved.ToDictionary(r => r.Id, StringComparer.Ordinal);
            return rows.Select(r => byId.GetValueOrDefault(r.Id) ?? r).ToList();
        }
        finally
        {
            _adoptGate.Release();
        }
    }

    /// <summary>
    /// Follow-ups link to the record of the request they follow; when that record has not been seen by this process (it
    /// is older than the copy in memory), one read finds the references of all such records in <paramref name="requests"/>.
    /// </summary>
    private async Task<IReadOnlyList<TrackedRequest>> ResolveAsync(IReadOnlyList<TrackedRequest> requests, CancellationToken ct)
    {
        var unknown = requests.Select(t => t.Outcome.FollowUpOf).OfType<string>().Where(IsRecordId).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count == 0) return requests;
        foreach (var batch in unknown.Chunk(50))
        {
            var rows = await client.ListAsync(Tables.Requests, new AirtableQuery { Filter = AirtableFormula.RecordIdIn(batch), Fields = [RF.Reference] }, ct).ConfigureAwait(false);
            foreach (var row in rows) ReferenceOf(row);
        }
        return requests.Select(t => t.Outcome.FollowUpOf is { } of && _references.TryGetValue(of, out var reference)
            ? t with { Outcome = t.Outcome with { FollowUpOf = reference } }
            : t).ToList();
    }

    /// <summary>
    /// Every field of a request the lifecycle may change, in the store's own shapes (the layout puts them into the base's
    /// types when they are written), with Pybot's claim bookkeeping derived from the claim, so the coordinators' existing
    /// views keep working.
    /// </summary>
    private JsonObject RequestFields(TrackedRequest t, LookupSnapshot s)
    {
        var f = RF;
        var (r, u, o) = (t.Request, t.FollowUp, t.Outcome);
        var fields = new JsonObject
        {
            [f.Status] = StatusText(r.Status),
            [f.ClaimedBySlackId] = r.ClaimedBy,
            [f.ClaimedAt] = Iso(r.ClaimedAt),
            [f.ReleasedBySlackId] = r.ReleasedBy,
            [f.ReleasedAt] = Iso(r.ReleasedAt),
            [f.ResetCount] = r.ResetCount,
            [f.ChannelId] = r.ChannelId,
            [f.MessageTs] = r.MessageTs,
            [f.MentionedMentors] = string.Join(", ", r.MentionedMentors),
            [f.FirstClaimedAt] = Iso(o.FirstClaimedAt),
            [f.AssignedBySlackId] = o.AssignedBy,
            [f.ClosedBySlackId] = o.ClosedBy,
            [f.ClosedAt] = Iso(o.ClosedAt),
            [f.CloseReason] = o.CloseReason,
            [f.CompletedAt] = Iso(o.CompletedAt),
            [f.CompletedBySlackId] = o.CompletedBy,
            [f.Feedback] = o.Feedback is { } answer ? FollowUpNames.Feedback(answer) : null,
            [f.FeedbackBySlackId] = o.FeedbackBy,
            [f.FeedbackAt] = Iso(o.FeedbackAt),
            [f.FirstEscalatedAt] = Iso(o.FirstEscalatedAt),
            [f.BumpCount] = u.BumpCount,
            [f.LastBumpAt] = Iso(u.LastBumpAt),
            [f.CoordinatorsNotifiedAt] = Iso(u.CoordinatorsNotifiedAt),
            [f.EscalatedAt] = Iso(u.EscalatedAt),
            [f.MentorNudgedAt] = Iso(u.MentorNudgedAt),
            [f.StuckReportedAt] = Iso(u.StuckReportedAt),
            [f.NextActionAt] = Iso(u.NextActionAt),
            [f.PendingStep] = u.PendingStep is { } step ? FollowUpNames.Step(step) : null,
            [f.PendingToken] = u.PendingToken,
            [f.PendingAt] = Iso(u.PendingAt),
            [f.FollowUpVersion] = t.Version,
            [f.LastChange] = t.LastChange,
        };
        SessionFields(fields, t.Session);
        var claimed = r.Status == RequestStatus.Claimed ? r.ClaimedBy : null;
        SetOptional(fields, f.Claimed, claimed is not null);
        SetOptional(fields, f.ClaimedBy, claimed);
        SetOptional(fields, f.ClaimedOn, claimed is null ? null : Iso(r.ClaimedAt));
        SetOptional(fields, f.ResetBy, r.ReleasedBy);
        SetOptional(fields, f.ResetOn, Iso(r.ReleasedAt));
        return fields;
    }

    /// <summary>What happens after the claim, in the request's own fields, readable by coordinators in the base.</summary>
    private void SessionFields(JsonObject fields, RequestSession session)
    {
        var f = RF;
        fields[f.ConversationId] = session.ConversationId;
        fields[f.ConversationOpenedAt] = Iso(session.ConversationOpenedAt);
        fields[f.SessionAt] = Iso(session.SessionAt);
        fields[f.TimeFirstSetAt] = Iso(session.TimeFirstSetAt);
        fields[f.ReminderSentAt] = Iso(session.ReminderSentAt);
        fields[f.ContactAttempts] = session.ContactAttempts;
        fields[f.FirstContactAttemptAt] = Iso(session.FirstAttemptAt);
        fields[f.LastContactAttemptAt] = Iso(session.LastAttemptAt);
        fields[f.ContactLostAt] = Iso(session.ContactLostAt);
        fields[f.OnHoldUntil] = Iso(session.OnHoldUntil);
        fields[f.OnHoldBySlackId] = session.OnHoldBy;
        fields[f.ResumedAt] = Iso(session.ResumedAt);
        fields[f.SessionCovered] = session.Report?.Covered;
        fields[f.SessionGoals] = session.Report is { } report ? string.Join("\n", report.Goals) : null;
        fields[f.FollowUpWanted] = session.Report is { } wish ? FollowUpNames.Wish(wish.FollowUp) : null;
        fields[f.NotesForCoordinators] = session.Report?.ForCoordinators;
        fields[f.ReportedBySlackId] = session.ReportedBy;
        fields[f.ReportedAt] = Iso(session.ReportedAt);
        fields[f.Rating] = session.Rating;
        fields[f.RatingComment] = session.RatingComment;
        fields[f.RatedAt] = Iso(session.RatedAt);
        fields[f.PreferredMentorSlackId] = session.PreferredMentor;
        fields[f.OfferEndedAt] = Iso(session.OfferEndedAt);
        fields[f.CheckedInAt] = Iso(session.CheckedInAt);
        fields[f.CheckInAnswer] = session.CheckIn is { } answer ? FollowUpNames.CheckIn(answer) : null;
    }

    /// <summary>Only the fields whose value differs: a change never rewrites what it did not touch (or what people typed).</summary>
    private static JsonObject Changed(JsonObject before, JsonObject after)
    {
        var changed = new JsonObject();
        foreach (var (name, value) in after)
            if (!JsonNode.DeepEquals(before[name], value)) changed[name] = value?.DeepClone();
        return changed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request row {RecordId} had no reference; gave it {Reference}")]
    private static partial void LogAdopted(ILogger log, string recordId, string reference);

    /// <summary>The claim stands once the request is written; a failure to note it on the mentor only skews fairness.</summary>
    public async Task SetMentorLastClaimedAsync(string slackUserId, DateTimeOffset at, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        if (FindMentor(s, slackUserId) is not { } mentor) return;
        try
        {
            var saved = await UpdateAsync(s.Layout.Mentors, s, [new AirtableRecordUpdate(mentor.Id, new JsonObject { [MF.LastClaimedAt] = Iso(at) })], ct).ConfigureAwait(false);
            lookups.Remember(saved.Single());
        }
        catch (AirtableException e)
        {
            LogTouchFailed(log, e, slackUserId);
        }
    }
}
