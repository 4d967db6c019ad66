using System.Globalization;
using Microsoft.Data.Sqlite;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Sqlite;

/// <summary>The queries and coordinator actions behind /mentor-admin, App Home, the request limits and the stats.</summary>
public sealed partial class SqliteMentorshipStore
{
    private const string ActivityColumns = RequestColumns + ", first_claimed_at, assigned_by, closed_by, close_reason";

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
        cmd.CommandText = $"SELECT {ActivityColumns} FROM requests WHERE created_at >= $since ORDER BY created_at, id";
        cmd.Parameters.AddWithValue("$since", ToDb(since));
        var rows = new List<RequestActivity>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        const int extra = 17;
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(new RequestActivity(
                ReadRequest(r),
                ReadTime(r, extra),
                r.IsDBNull(extra + 1) ? null : r.GetString(extra + 1),
                r.IsDBNull(extra + 2) ? null : r.GetString(extra + 2),
                r.IsDBNull(extra + 3) ? null : r.GetString(extra + 3)));
        }
        // Escalations, sessions, feedback and re-pairs are not recorded by this store yet.
        return new ActivityHistory(rows, FollowUpFields.None);
    }

    public async Task<ClaimOutcome> TryAssignAsync(string requestId, string mentorSlackId, string assignedBy, DateTimeOffset now, CancellationToken ct = default)
    {
        // The assignment is a claim like any other, so it cannot overtake a mentor who clicked first.
        var outcome = await TryClaimAsync(requestId, mentorSlackId, now, ct).ConfigureAwait(false);
        if (outcome.Result != ClaimResult.Claimed) return outcome;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE requests SET assigned_by = $by WHERE id = $id AND status = 'claimed' AND claimed_by = $m";
        cmd.Parameters.AddWithValue("$by", assignedBy);
        cmd.Parameters.AddWithValue("$id", long.Parse(requestId, CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$m", mentorSlackId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return outcome;
    }

    public Task<StatusChange> TryCloseAsync(string requestId, string closedBy, string? reason, DateTimeOffset now, CancellationToken ct = default) =>
        ChangeStatusAsync(requestId, """
            UPDATE requests SET status = 'cancelled', closed_by = $by, closed_at = $now, close_reason = $reason
            WHERE id = $id AND status IN ('open', 'claimed')
            """, p =>
        {
            p.AddWithValue("$by", closedBy);
            p.AddWithValue("$now", ToDb(now));
            p.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
        }, ct);

    public Task<StatusChange> TryReopenAsync(string requestId, CancellationToken ct = default) =>
        ChangeStatusAsync(requestId, """
            UPDATE requests SET status = 'open', claimed_by = NULL, claimed_at = NULL,
                   closed_by = NULL, closed_at = NULL, close_reason = NULL
            WHERE id = $id AND status = 'cancelled'
            """, _ => { }, ct);

    private async Task<StatusChange> ChangeStatusAsync(string requestId, string sql, Action<SqliteParameterCollection> bind, CancellationToken ct)
    {
        if (!long.TryParse(requestId, NumberStyles.None, CultureInfo.InvariantCulture, out var key))
            return new StatusChange(StatusChangeResult.NotFound, null);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$id", key);
        bind(cmd.Parameters);
        var changed = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        var request = await GetRequestAsync(c, requestId, ct).ConfigureAwait(false);
        return request is null
            ? new StatusChange(StatusChangeResult.NotFound, null)
            : new StatusChange(changed ? StatusChangeResult.Changed : StatusChangeResult.NotAllowed, request);
    }

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
