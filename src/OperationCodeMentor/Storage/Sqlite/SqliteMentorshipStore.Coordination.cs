using System.Globalization;
using Microsoft.Data.Sqlite;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Sqlite;

/// <summary>The queries and coordinator actions behind /mentor-admin, App Home, the request limits and the stats.</summary>
public sealed partial class SqliteMentorshipStore
{
    // The follow-up facts ride along: the first escalation, the session, the mentee's answer, and how many
    // requests were opened again from this one because the mentee asked for another mentor.
    private const string ActivityColumns = RequestColumns +
        ", first_claimed_at, assigned_by, closed_by, close_reason, first_escalated_at, completed_at, feedback" +
        ", (SELECT COUNT(*) FROM requests later WHERE later.follow_up_of = r.id)";

    private const FollowUpFields ActivityTracked =
        FollowUpFields.Escalation | FollowUpFields.SessionDone | FollowUpFields.Feedback | FollowUpFields.RePairs;

    public async Task<MentorRequest?> FindRequestByNumberAsync(long number, CancellationToken ct = default)
    {
        // In this store the reference number is the row id.
        if (number <= 0) return null;
        return await GetRequestAsync(number.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<MentorRequest>> GetOpenRequestsAsync(CancellationToken ct = default) =>
        QueryRequestsAsync($"SELECT {RequestColumns} FROM requests WHERE status = 'open' ORDER BY created_at, id", _ => { }, ct);

    public Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default) =>
        QueryRequestsAsync($"""
            SELECT {RequestColumns} FROM requests
            WHERE mentee_slack_id = $u AND (created_at >= $since OR status = 'open')
            ORDER BY created_at DESC, id DESC
            """, p =>
        {
            p.AddWithValue("$u", menteeSlackId);
            p.AddWithValue("$since", ToDb(since));
        }, ct);

    public Task<IReadOnlyList<MentorRequest>> GetMentorHistoryAsync(string mentorSlackId, int limit, CancellationToken ct = default) =>
        QueryRequestsAsync($"""
            SELECT {RequestColumns} FROM requests WHERE claimed_by = $m
            ORDER BY COALESCE(claimed_at, first_claimed_at, created_at) DESC, id DESC LIMIT $n
            """, p =>
        {
            p.AddWithValue("$m", mentorSlackId);
            p.AddWithValue("$n", Math.Max(0, limit));
        }, ct);

    public async Task<ActivityHistory> GetActivityAsync(DateTimeOffset since, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {ActivityColumns} FROM requests r WHERE created_at >= $since ORDER BY created_at, id";
        cmd.Parameters.AddWithValue("$since", ToDb(since));
        var rows = new List<RequestActivity>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        const int extra = RequestColumnCount;
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(new RequestActivity(
                ReadRequest(r),
                ReadTime(r, extra),
                r.IsDBNull(extra + 1) ? null : r.GetString(extra + 1),
                r.IsDBNull(extra + 2) ? null : r.GetString(extra + 2),
                r.IsDBNull(extra + 3) ? null : r.GetString(extra + 3),
                EscalatedAt: ReadTime(r, extra + 4),
                SessionDoneAt: ReadTime(r, extra + 5),
                Helped: r.IsDBNull(extra + 6) ? null : ParseFeedback(r.GetString(extra + 6)) == SessionFeedback.Helped,
                RePairs: r.GetInt32(extra + 7)));
        }
        return new ActivityHistory(rows, ActivityTracked);
    }

    public async Task<ClaimOutcome> TryAssignAsync(string requestId, string mentorSlackId, string assignedBy, string? expectedClaimer,
        DateTimeOffset now, CancellationToken ct = default)
    {
        if (!TryKey(requestId, out var key)) return new ClaimOutcome(ClaimResult.NotFound, null);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await ClaimAsync(c, key, requestId, mentorSlackId, assignedBy, expectedClaimer, now, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A mentor's own claim (<paramref name="assignedBy"/> null) or a coordinator's assignment: one conditional UPDATE,
    /// so an assignment cannot overtake a mentor who clicked first, nor take a claim from anyone but the mentor the
    /// coordinator saw holding it. The follow-up trigger starts the claimed ladder afresh.
    /// </summary>
    private static async Task<ClaimOutcome> ClaimAsync(SqliteConnection c, long key, string requestId, string mentorSlackId, string? assignedBy,
        string? expectedClaimer, DateTimeOffset now, CancellationToken ct)
    {
        var moved = await TransitionAsync(c, key, requestId, """
            UPDATE requests SET status = 'claimed', claimed_by = $m, claimed_at = $now, assigned_by = $by
            WHERE id = $id AND (status = 'open' OR (status = 'claimed' AND $expected IS NOT NULL AND claimed_by = $expected))
            """, p =>
        {
            p.AddWithValue("$m", mentorSlackId);
            p.AddWithValue("$now", ToDb(now));
            p.AddWithValue("$by", (object?)assignedBy ?? DBNull.Value);
            p.AddWithValue("$expected", (object?)expectedClaimer ?? DBNull.Value);
        }, expectedClaimer, ct, thenSql: "UPDATE mentors SET last_claimed_at = $now WHERE slack_user_id = $m").ConfigureAwait(false);
        return moved.Result switch
        {
            TransitionResult.Done => new ClaimOutcome(ClaimResult.Claimed, moved.Request),
            TransitionResult.NotFound => new ClaimOutcome(ClaimResult.NotFound, null),
            _ => new ClaimOutcome(moved.Request!.Status == RequestStatus.Claimed ? ClaimResult.AlreadyClaimed : ClaimResult.NotOpen, moved.Request),
        };
    }

    public Task<Transition> TryReopenAsync(string requestId, CancellationToken ct = default) =>
        TransitionAsync(requestId, """
            UPDATE requests SET status = 'open', claimed_by = NULL, claimed_at = NULL,
                   closed_by = NULL, closed_at = NULL, close_reason = NULL
            WHERE id = $id AND status = 'cancelled'
            """, _ => { }, expectedClaimer: null, ct);

    private async Task<IReadOnlyList<MentorRequest>> QueryRequestsAsync(string sql, Action<SqliteParameterCollection> bind, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        bind(cmd.Parameters);
        var list = new List<MentorRequest>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadRequest(r));
        return list;
    }
}
