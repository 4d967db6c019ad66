using System.Globalization;
using Microsoft.Data.Sqlite;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Sqlite;

/// <summary>
/// The follow-up ladder's state and the end of a request's life. Every write here is conditional (on the state
/// version, the pending step's token, or the status), so concurrent sweeps and clicks cannot both win.
/// Phase changes are handled by the trigger in <see cref="SqliteSchema"/>.
/// </summary>
public sealed partial class SqliteMentorshipStore
{
    private const string FollowUpColumns =
        "follow_up_version, bump_count, last_bump_at, coordinators_notified_at, escalated_at, mentor_nudged_at, stuck_reported_at, " +
        "next_action_at, pending_step, pending_token, pending_at, completed_at, completed_by, closed_at, closed_by, close_reason, " +
        "follow_up_of, feedback, feedback_by, feedback_at";

    private const int RequestColumnCount = 17;

    public async Task<IReadOnlyList<TrackedRequest>> GetDueFollowUpsAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // Served by the partial index on next_action_at: the cost follows the number of due requests, not the table.
        cmd.CommandText = $"SELECT {RequestColumns}, {FollowUpColumns} FROM requests WHERE next_action_at <= $now ORDER BY next_action_at LIMIT $limit";
        cmd.Parameters.AddWithValue("$now", ToDb(now));
        cmd.Parameters.AddWithValue("$limit", limit);
        var list = new List<TrackedRequest>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadTracked(r));
        return list;
    }

    public async Task<TrackedRequest?> GetTrackedRequestAsync(string requestId, CancellationToken ct = default)
    {
        if (!TryKey(requestId, out var key)) return null;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await GetTrackedAsync(c, key, ct).ConfigureAwait(false);
    }

    private static async Task<TrackedRequest?> GetTrackedAsync(SqliteConnection c, long key, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {RequestColumns}, {FollowUpColumns} FROM requests WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", key);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadTracked(r) : null;
    }

    public async Task<int> PlanNextActionsAsync(IReadOnlyList<PlannedAction> plans, CancellationToken ct = default)
    {
        if (plans.Count == 0) return 0;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE requests SET next_action_at = $at WHERE id = $id AND follow_up_version = $v";
        var at = cmd.Parameters.Add("$at", SqliteType.Integer);
        var id = cmd.Parameters.Add("$id", SqliteType.Integer);
        var v = cmd.Parameters.Add("$v", SqliteType.Integer);
        var changed = 0;
        foreach (var p in plans)
        {
            if (!TryKey(p.RequestId, out var key)) continue;
            at.Value = p.NextActionAt is { } t ? ToDb(t) : DBNull.Value;
            id.Value = key;
            v.Value = p.Version;
            changed += await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return changed;
    }

    public async Task<bool> TryBeginStepAsync(string requestId, long version, FollowUpStep step, string token, DateTimeOffset now, CancellationToken ct = default)
    {
        if (!TryKey(requestId, out var key)) return false;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            UPDATE requests SET pending_step = $step, pending_token = $token, pending_at = $now, follow_up_version = follow_up_version + 1
            WHERE id = $id AND follow_up_version = $v AND status IN ('open', 'claimed')
            """;
        cmd.Parameters.AddWithValue("$step", StepName(step));
        cmd.Parameters.AddWithValue("$token", token);
        cmd.Parameters.AddWithValue("$now", ToDb(now));
        cmd.Parameters.AddWithValue("$id", key);
        cmd.Parameters.AddWithValue("$v", version);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    public async Task<bool> TryCompleteStepAsync(string requestId, string token, FollowUpState after, CancellationToken ct = default)
    {
        if (!TryKey(requestId, out var key)) return false;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            UPDATE requests SET pending_step = NULL, pending_token = NULL, pending_at = NULL, follow_up_version = follow_up_version + 1,
                   bump_count = $bumps, last_bump_at = $lastBump, coordinators_notified_at = $notified, escalated_at = $escalated,
                   mentor_nudged_at = $nudged, stuck_reported_at = $stuck, next_action_at = $next
            WHERE id = $id AND pending_token = $token
            """;
        cmd.Parameters.AddWithValue("$bumps", after.BumpCount);
        AddTime(cmd, "$lastBump", after.LastBumpAt);
        AddTime(cmd, "$notified", after.CoordinatorsNotifiedAt);
        AddTime(cmd, "$escalated", after.EscalatedAt);
        AddTime(cmd, "$nudged", after.MentorNudgedAt);
        AddTime(cmd, "$stuck", after.StuckReportedAt);
        AddTime(cmd, "$next", after.NextActionAt);
        cmd.Parameters.AddWithValue("$id", key);
        cmd.Parameters.AddWithValue("$token", token);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    public async Task<bool> TryAbandonStepAsync(string requestId, string token, DateTimeOffset retryAt, CancellationToken ct = default)
    {
        if (!TryKey(requestId, out var key)) return false;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            UPDATE requests SET pending_step = NULL, pending_token = NULL, pending_at = NULL, follow_up_version = follow_up_version + 1,
                   next_action_at = $retry
            WHERE id = $id AND pending_token = $token
            """;
        cmd.Parameters.AddWithValue("$retry", ToDb(retryAt));
        cmd.Parameters.AddWithValue("$id", key);
        cmd.Parameters.AddWithValue("$token", token);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    public Task<Transition> TryCloseAsync(string requestId, string closedBy, string? reason, bool allowClaimed, DateTimeOffset now, CancellationToken ct = default) =>
        TransitionAsync(requestId, $"""
            UPDATE requests SET status = 'cancelled', closed_at = $now, closed_by = $by, close_reason = $reason
            WHERE id = $id AND (status = 'open'{(allowClaimed ? " OR status = 'claimed'" : "")})
            """, p =>
        {
            p.AddWithValue("$now", ToDb(now));
            p.AddWithValue("$by", closedBy);
            p.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
        }, expectedClaimer: null, ct: ct);

    public Task<Transition> TryCompleteSessionAsync(string requestId, string expectedClaimer, string completedBy, DateTimeOffset now, CancellationToken ct = default) =>
        TransitionAsync(requestId, """
            UPDATE requests SET status = 'completed', completed_at = $now, completed_by = $by
            WHERE id = $id AND status = 'claimed' AND claimed_by = $expected
            """, p =>
        {
            p.AddWithValue("$now", ToDb(now));
            p.AddWithValue("$by", completedBy);
            p.AddWithValue("$expected", expectedClaimer);
        }, expectedClaimer, ct: ct);

    /// <summary>The conditional UPDATE below, on a connection of its own.</summary>
    private async Task<Transition> TransitionAsync(string requestId, string sql, Action<SqliteParameterCollection> bind, string? expectedClaimer,
        CancellationToken ct)
    {
        if (!TryKey(requestId, out var key)) return new Transition(TransitionResult.NotFound, null);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await TransitionAsync(c, key, requestId, sql, bind, expectedClaimer, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one conditional UPDATE; if it changed the request, runs <paramref name="thenSql"/> with the same parameters
    /// in the same transaction. Reports what became of the request.
    /// </summary>
    private static async Task<Transition> TransitionAsync(SqliteConnection c, long key, string requestId, string sql, Action<SqliteParameterCollection> bind,
        string? expectedClaimer, CancellationToken ct, string? thenSql = null)
    {
        bool done;
        await using (var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            await using var update = c.CreateCommand();
            update.Transaction = tx;
            update.CommandText = sql;
            update.Parameters.AddWithValue("$id", key);
            bind(update.Parameters);
            done = await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            if (done && thenSql is not null)
            {
                update.CommandText = thenSql;
                await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        var request = await GetRequestAsync(c, requestId, ct).ConfigureAwait(false);
        if (request is null) return new Transition(TransitionResult.NotFound, null);
        if (done) return new Transition(TransitionResult.Done, request);
        var changed = expectedClaimer is not null && request.Status == RequestStatus.Claimed && request.ClaimedBy != expectedClaimer;
        return new Transition(changed ? TransitionResult.ClaimChanged : TransitionResult.WrongState, request);
    }

    public async Task<FeedbackOutcome> TryRecordFeedbackAsync(string requestId, SessionFeedback feedback, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        if (!TryKey(requestId, out var key)) return new FeedbackOutcome(TransitionResult.NotFound, null, null);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        long? followUpKey = null;
        bool done;
        await using (var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                UPDATE requests SET feedback = $f, feedback_by = $by, feedback_at = $now
                WHERE id = $id AND status = 'completed' AND feedback IS NULL
                """;
            cmd.Parameters.AddWithValue("$f", FeedbackName(feedback));
            cmd.Parameters.AddWithValue("$by", by);
            cmd.Parameters.AddWithValue("$now", ToDb(now));
            cmd.Parameters.AddWithValue("$id", key);
            done = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            if (done && feedback == SessionFeedback.AnotherMentor)
            {
                // Same write as the answer: the new request exists exactly when the answer was recorded.
                cmd.CommandText = """
                    INSERT INTO requests(mentee_slack_id, mentee_name, service, skills, details, affiliation, status, created_at, follow_up_of)
                    SELECT mentee_slack_id, mentee_name, service, skills, details, affiliation, 'open', $now, id FROM requests WHERE id = $id
                    RETURNING id
                    """;
                followUpKey = (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        var tracked = await GetTrackedAsync(c, key, ct).ConfigureAwait(false);
        if (tracked is null) return new FeedbackOutcome(TransitionResult.NotFound, null, null);
        var followUp = followUpKey is { } k ? await GetRequestAsync(c, k.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false) : null;
        return new FeedbackOutcome(done ? TransitionResult.Done : TransitionResult.WrongState, tracked, followUp);
    }

    // ---- mapping ----

    private static TrackedRequest ReadTracked(SqliteDataReader r)
    {
        var i = RequestColumnCount;
        var state = new FollowUpState(
            r.GetInt64(i),
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
            r.IsDBNull(i + 16) ? null : r.GetInt64(i + 16).ToString(CultureInfo.InvariantCulture),
            r.IsDBNull(i + 17) ? null : ParseFeedback(r.GetString(i + 17)),
            r.IsDBNull(i + 18) ? null : r.GetString(i + 18),
            ReadTime(r, i + 19));
        return new TrackedRequest(ReadRequest(r), state, outcome);
    }

    private static bool TryKey(string id, out long key) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out key);

    private static void AddTime(SqliteCommand cmd, string name, DateTimeOffset? t) =>
        cmd.Parameters.AddWithValue(name, t is { } v ? ToDb(v) : DBNull.Value);

    internal static string StepName(FollowUpStep step) => FollowUpNames.Step(step);

    private static FollowUpStep ParseStep(string s) =>
        FollowUpNames.ParseStep(s) ?? throw new InvalidDataException($"Unknown follow-up step '{s}' in the database.");

    private static string FeedbackName(SessionFeedback f) => FollowUpNames.Feedback(f);

    private static SessionFeedback ParseFeedback(string s) =>
        FollowUpNames.ParseFeedback(s) ?? throw new InvalidDataException($"Unknown feedback '{s}' in the database.");
}
