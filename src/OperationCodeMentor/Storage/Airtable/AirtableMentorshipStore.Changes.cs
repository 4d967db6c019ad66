using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// How this store makes a conditional change without conditional writes: take the request's in-process lock, read the
/// record as Airtable has it now, decide from that, and write. Every writer of a request's status, claim or follow-up
/// state goes through here, so within the one running instance no two of them interleave.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    /// <summary>A request as read under its lock: the raw record, what it means, and the lookups it was read with.</summary>
    private sealed record Current(AirtableRecord Record, TrackedRequest Tracked, LookupSnapshot Lookups);

    /// <summary>What a change found (null: no such request) and what it wrote (null: its condition did not hold).</summary>
    private sealed record Change(TrackedRequest? Before, TrackedRequest? After, LookupSnapshot? Lookups)
    {
        public static readonly Change NotFound = new(null, null, null);
    }

    /// <summary>The request as Airtable has it now (never from a cache); null when there is no such request.</summary>
    private async Task<Current?> ReadAsync(string requestId, CancellationToken ct)
    {
        if (!IsRecordId(requestId)) return null;
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var record = await client.GetAsync(Tables.Requests, requestId, ct).ConfigureAwait(false);
        return record is null ? null : new Current(record, ToTracked(record, s), s);
    }

    /// <summary>
    /// Under the request's lock: read it, let <paramref name="decide"/> choose the fields to write (null when its
    /// condition does not hold), and write them.
    /// </summary>
    private Task<Change> ChangeAsync(string requestId, Func<Current, JsonObject?> decide, CancellationToken ct) =>
        ChangeAsync(requestId, (c, _) => Task.FromResult(decide(c)), ct);

    private async Task<Change> ChangeAsync(string requestId, Func<Current, CancellationToken, Task<JsonObject?>> decide, CancellationToken ct)
    {
        if (!IsRecordId(requestId)) return Change.NotFound;
        using var held = await _requestLocks.LockAsync(requestId, ct).ConfigureAwait(false);
        if (await ReadAsync(requestId, ct).ConfigureAwait(false) is not { } current) return Change.NotFound;
        if (await decide(current, ct).ConfigureAwait(false) is not { } fields) return new Change(current.Tracked, null, current.Lookups);
        var saved = (await client.UpdateAsync(Tables.Requests, [new AirtableRecordUpdate(requestId, fields)], ct: ct).ConfigureAwait(false)).Single();
        lookups.RememberRequests([saved]);
        return new Change(current.Tracked, ToTracked(saved, current.Lookups), current.Lookups);
    }

    /// <summary>
    /// Adds to <paramref name="fields"/> the move to <paramref name="status"/> and the start of that phase's follow-up
    /// ladder, as SQLite's phase trigger does: a new version, no pending step, due for planning at once (or never, once
    /// the request has ended), and the new phase's own steps forgotten.
    /// </summary>
    private JsonObject StartPhase(JsonObject fields, TrackedRequest before, RequestStatus status)
    {
        var f = RF;
        fields[f.Status] = StatusText(status);
        fields[f.FollowUpVersion] = before.FollowUp.Version + 1;
        fields[f.PendingStep] = null;
        fields[f.PendingToken] = null;
        fields[f.PendingAt] = null;
        fields[f.NextActionAt] = status is RequestStatus.Open or RequestStatus.Claimed ? Iso(DateTimeOffset.UnixEpoch) : null;
        if (status == RequestStatus.Open)
        {
            fields[f.BumpCount] = 0;
            fields[f.LastBumpAt] = null;
            fields[f.CoordinatorsNotifiedAt] = null;
            fields[f.EscalatedAt] = null;
        }
        if (status == RequestStatus.Claimed)
        {
            fields[f.MentorNudgedAt] = null;
            fields[f.StuckReportedAt] = null;
        }
        return fields;
    }

    /// <summary>
    /// A claim by a mentor (a click or a coordinator's assignment): open requests only, and only one caller wins.
    /// <paramref name="assignedBy"/> is the coordinator who paired it, null for a mentor's own claim. With
    /// <paramref name="expectedClaimer"/>, a coordinator may also move a claim, but only away from that mentor.
    /// </summary>
    private async Task<ClaimOutcome> ClaimAsync(string requestId, string mentorSlackId, string? assignedBy, DateTimeOffset now, CancellationToken ct,
        string? expectedClaimer = null)
    {
        var change = await ChangeAsync(requestId, c =>
        {
            var r = c.Tracked.Request;
            if (!(r.Status == RequestStatus.Open || (expectedClaimer is not null && r.Status == RequestStatus.Claimed && r.ClaimedBy == expectedClaimer)))
                return null;
            var fields = ClaimFields(c, mentorSlackId, now);
            fields[RF.AssignedBySlackId] = assignedBy;
            return StartPhase(fields, c.Tracked, RequestStatus.Claimed);
        }, ct).ConfigureAwait(false);
        if (change.Before is not { } before) return new ClaimOutcome(ClaimResult.NotFound, null);
        if (change.After is not { } after)
            return new ClaimOutcome(before.Request.Status == RequestStatus.Claimed ? ClaimResult.AlreadyClaimed : ClaimResult.NotOpen, before.Request);
        await TouchMentorAsync(change.Lookups!, mentorSlackId, now, ct).ConfigureAwait(false);
        return new ClaimOutcome(ClaimResult.Claimed, after.Request);
    }

    /// <summary>The request held by <paramref name="mentorSlackId"/> from <paramref name="now"/>, with Pybot's claim fields and the first claim kept.</summary>
    private JsonObject ClaimFields(Current c, string mentorSlackId, DateTimeOffset now)
    {
        var f = RF;
        var fields = new JsonObject
        {
            [f.ClaimedBySlackId] = mentorSlackId,
            [f.ClaimedAt] = Iso(now),
        };
        if (c.Record.Time(f.FirstClaimedAt) is null) fields[f.FirstClaimedAt] = Iso(now);
        SetOptional(fields, f.Claimed, true);
        SetOptional(fields, f.ClaimedBy, DisplayName(FindMentor(c.Lookups, mentorSlackId), mentorSlackId));
        SetOptional(fields, f.ClaimedOn, Iso(now));
        return fields;
    }

    /// <summary>Nobody holds the request any more (a release or a reopen); an assignment goes with the claim.</summary>
    private void Unclaim(JsonObject fields)
    {
        var f = RF;
        fields[f.ClaimedBySlackId] = null;
        fields[f.ClaimedAt] = null;
        fields[f.AssignedBySlackId] = null;
        SetOptional(fields, f.Claimed, false);
        SetOptional(fields, f.ClaimedBy, null);
        SetOptional(fields, f.ClaimedOn, null);
    }

    /// <summary>The claim stands once the request is written; a failure to note it on the mentor only skews fairness.</summary>
    private async Task TouchMentorAsync(LookupSnapshot s, string mentorSlackId, DateTimeOffset now, CancellationToken ct)
    {
        if (FindMentor(s, mentorSlackId) is not { } mentor) return;
        try
        {
            var saved = await client.UpdateAsync(Tables.Mentors, [new AirtableRecordUpdate(mentor.Id, new JsonObject { [MF.LastClaimedAt] = Iso(now) })], ct: ct).ConfigureAwait(false);
            lookups.Remember(saved.Single());
        }
        catch (AirtableException e)
        {
            LogTouchFailed(log, e, mentorSlackId);
        }
    }

    /// <summary>A change for a follow-up feature, read the way SQLite's conditional updates report it.</summary>
    private static Transition ToTransition(Change change, string? expectedClaimer)
    {
        if (change.Before is not { } before) return new Transition(TransitionResult.NotFound, null);
        if (change.After is { } after) return new Transition(TransitionResult.Done, after.Request);
        var r = before.Request;
        var moved = expectedClaimer is not null && r.Status == RequestStatus.Claimed && r.ClaimedBy != expectedClaimer;
        return new Transition(moved ? TransitionResult.ClaimChanged : TransitionResult.WrongState, r);
    }
}
