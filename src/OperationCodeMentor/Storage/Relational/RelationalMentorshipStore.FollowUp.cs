using System.Text.Json;
using System.Data;
using System.Data.Common;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Relational;

/// <summary>Reading requests with their follow-up state and outcome, and planning the sweep's next looks.</summary>
public abstract partial class RelationalMentorshipStore
{
    private protected const string FollowUpColumns =
        "follow_up_version, bump_count, last_bump_at, coordinators_notified_at, escalated_at, mentor_nudged_at, stuck_reported_at, " +
        "next_action_at, pending_step, pending_token, pending_at, completed_at, completed_by, closed_at, closed_by, close_reason, " +
        "follow_up_of, feedback, feedback_by, feedback_at, first_claimed_at, assigned_by, first_escalated_at, last_change, " +
        "conversation_id, conversation_opened_at, session_at, time_first_set_at, reminder_sent_at, contact_attempts, first_attempt_at, " +
        "last_attempt_at, contact_lost_at, on_hold_until, on_hold_by, resumed_at, report_covered, report_goals, report_follow_up, " +
        "report_for_coordinators, reported_by, reported_at, rating, rating_comment, rated_at, preferred_mentor, offer_ended_at, " +
        "checked_in_at, check_in_answer";

    private const int RequestColumnCount = 17;

    public async Task<IReadOnlyList<TrackedRequest>> GetDueFollowUpsAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // Served by the partial index on next_action_at: the cost follows the number of due requests, not the table.
        cmd.CommandText = $"SELECT {RequestColumns}, {FollowUpColumns} FROM requests WHERE next_action_at <= @now ORDER BY next_action_at LIMIT @limit";
        Add(cmd, "@now", ToDb(now));
        Add(cmd, "@limit", limit);
        return await ReadTrackedAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>The request <c>@id</c> with its follow-up state, as a change reads it.</summary>
    private protected const string RequestRead = $"SELECT {RequestColumns}, {FollowUpColumns} FROM requests WHERE id = @id";

    private static async Task<TrackedRequest?> GetTrackedAsync(DbConnection c, long key, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = RequestRead;
        Add(cmd, "@id", key);
        return (await ReadTrackedAsync(cmd, ct).ConfigureAwait(false)).FirstOrDefault();
    }

    private static async Task<List<TrackedRequest>> ReadTrackedAsync(DbCommand cmd, CancellationToken ct)
    {
        var list = new List<TrackedRequest>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadTracked(r));
        return list;
    }

    public virtual async Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default)
    {
        if (plans.Count == 0) return 0;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        // What RequestCommand.Plan decides, for many requests in one transaction: only at the version read, and a new version.
        cmd.CommandText = "UPDATE requests SET next_action_at = @at, follow_up_version = follow_up_version + 1 WHERE id = @id AND follow_up_version = @v";
        var at = AddTyped(cmd, "@at", DbType.Int64);
        var id = AddTyped(cmd, "@id", DbType.Int64);
        var v = AddTyped(cmd, "@v", DbType.Int64);
        var changed = 0;
        foreach (var p in plans)
        {
            if (!RequestReference.TryParse(p.Reference, out var key)) continue;
            at.Value = p.NextActionAt is { } t ? ToDb(t) : DBNull.Value;
            id.Value = key;
            v.Value = p.Version;
            changed += await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return changed;
    }

    // ---- mapping ----

    private protected static TrackedRequest ReadTracked(DbDataReader r)
    {
        var i = RequestColumnCount;
        var state = new FollowUpState(
            r.GetInt32(i + 1),
            ReadTime(r, i + 2),
            ReadTime(r, i + 3),
            ReadTime(r, i + 4),
            ReadTime(r, i + 5),
            ReadTime(r, i + 6),
            ReadTime(r, i + 7),
            r.IsDBNull(i + 8) ? null : ParseStep(r.GetString(i + 8)),
            r.IsDBNull(i + 9) ? null : r.GetString(i + 9),
            ReadTime(r, i + 10));
        var outcome = new RequestOutcome(
            ReadTime(r, i + 11),
            r.IsDBNull(i + 12) ? null : r.GetString(i + 12),
            ReadTime(r, i + 13),
            r.IsDBNull(i + 14) ? null : r.GetString(i + 14),
            r.IsDBNull(i + 15) ? null : r.GetString(i + 15),
            r.IsDBNull(i + 16) ? null : RequestReference.Format(r.GetInt64(i + 16)),
            r.IsDBNull(i + 17) ? null : ParseFeedback(r.GetString(i + 17)),
            r.IsDBNull(i + 18) ? null : r.GetString(i + 18),
            ReadTime(r, i + 19),
            ReadTime(r, i + 20),
            r.IsDBNull(i + 21) ? null : r.GetString(i + 21),
            ReadTime(r, i + 22));
        return new TrackedRequest(ReadRequest(r), state, outcome, r.GetInt64(i), r.IsDBNull(i + 23) ? null : r.GetString(i + 23))
        {
            Session = ReadSession(r, i + 24),
        };
    }

    private static RequestSession ReadSession(DbDataReader r, int i)
    {
        string? Text(int at) => r.IsDBNull(i + at) ? null : r.GetString(i + at);
        var report = Text(12) is { } covered
            ? new SessionReport(covered, ReadList(r, i + 13), Text(14) is { } wish ? FollowUpNames.ParseWish(wish) ?? FollowUpWish.None : FollowUpWish.None, Text(15))
            : null;
        return new RequestSession(
            Text(0), ReadTime(r, i + 1), ReadTime(r, i + 2), ReadTime(r, i + 3), ReadTime(r, i + 4),
            r.GetInt32(i + 5), ReadTime(r, i + 6), ReadTime(r, i + 7), ReadTime(r, i + 8),
            ReadTime(r, i + 9), Text(10), ReadTime(r, i + 11),
            report, Text(16), ReadTime(r, i + 17),
            r.IsDBNull(i + 18) ? null : r.GetInt32(i + 18), Text(19), ReadTime(r, i + 20),
            Text(21), ReadTime(r, i + 22))
        {
            CheckedInAt = ReadTime(r, i + 23),
            CheckIn = FollowUpNames.ParseCheckIn(Text(24)),
        };
    }

    private static void AddSession(DbCommand cmd, RequestSession s)
    {
        Add(cmd, "@conversation", s.ConversationId);
        AddTime(cmd, "@conversationAt", s.ConversationOpenedAt);
        AddTime(cmd, "@sessionAt", s.SessionAt);
        AddTime(cmd, "@timeSetAt", s.TimeFirstSetAt);
        AddTime(cmd, "@reminded", s.ReminderSentAt);
        Add(cmd, "@attempts", s.ContactAttempts);
        AddTime(cmd, "@firstAttempt", s.FirstAttemptAt);
        AddTime(cmd, "@lastAttempt", s.LastAttemptAt);
        AddTime(cmd, "@contactLost", s.ContactLostAt);
        AddTime(cmd, "@holdUntil", s.OnHoldUntil);
        Add(cmd, "@holdBy", s.OnHoldBy);
        AddTime(cmd, "@resumed", s.ResumedAt);
        Add(cmd, "@covered", s.Report?.Covered);
        Add(cmd, "@goals", s.Report is { } report ? JsonSerializer.Serialize(report.Goals) : null);
        Add(cmd, "@wish", s.Report is { } w ? FollowUpNames.Wish(w.FollowUp) : null);
        Add(cmd, "@forCoordinators", s.Report?.ForCoordinators);
        Add(cmd, "@reportedBy", s.ReportedBy);
        AddTime(cmd, "@reportedAt", s.ReportedAt);
        Add(cmd, "@rating", s.Rating);
        Add(cmd, "@ratingComment", s.RatingComment);
        AddTime(cmd, "@ratedAt", s.RatedAt);
        Add(cmd, "@preferred", s.PreferredMentor);
        AddTime(cmd, "@offerEnded", s.OfferEndedAt);
        AddTime(cmd, "@checkedIn", s.CheckedInAt);
        Add(cmd, "@checkInAnswer", s.CheckIn is { } answer ? FollowUpNames.CheckIn(answer) : null);
    }

    /// <summary>The assignments <see cref="AddSession"/> fills in.</summary>
    private const string SessionAssignments = """
        conversation_id = @conversation, conversation_opened_at = @conversationAt, session_at = @sessionAt, time_first_set_at = @timeSetAt,
        reminder_sent_at = @reminded, contact_attempts = @attempts, first_attempt_at = @firstAttempt, last_attempt_at = @lastAttempt,
        contact_lost_at = @contactLost, on_hold_until = @holdUntil, on_hold_by = @holdBy, resumed_at = @resumed,
        report_covered = @covered, report_goals = @goals, report_follow_up = @wish, report_for_coordinators = @forCoordinators,
        reported_by = @reportedBy, reported_at = @reportedAt, rating = @rating, rating_comment = @ratingComment, rated_at = @ratedAt,
        preferred_mentor = @preferred, offer_ended_at = @offerEnded, checked_in_at = @checkedIn, check_in_answer = @checkInAnswer
        """;

    internal static string StepName(FollowUpStep step) => FollowUpNames.Step(step);

    private static FollowUpStep ParseStep(string s) =>
        FollowUpNames.ParseStep(s) ?? throw new InvalidDataException($"Unknown follow-up step '{s}' in the database.");

    private static string FeedbackName(SessionFeedback f) => FollowUpNames.Feedback(f);

    private static SessionFeedback ParseFeedback(string s) =>
        FollowUpNames.ParseFeedback(s) ?? throw new InvalidDataException($"Unknown feedback '{s}' in the database.");
}
