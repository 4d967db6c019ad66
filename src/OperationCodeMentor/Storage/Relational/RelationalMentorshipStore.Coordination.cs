using System.Data.Common;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Relational;

/// <summary>The queries behind /mentor-admin, App Home, the request limits and the stats.</summary>
public abstract partial class RelationalMentorshipStore
{
    /// <summary>
    /// Which of the requests are the mentee's (<paramref name="mentee"/>, an SQL expression) made at or after
    /// <paramref name="since"/>, or still open: what the request limits count.
    /// </summary>
    private protected static string MenteeRequestsSince(string mentee, string since) =>
        $"requests.mentee_slack_id = {mentee} AND (requests.created_at >= {since} OR requests.status = 'open')";

    /// <summary>The order a mentee's requests are listed in: newest first.</summary>
    private protected const string NewestFirst = "requests.created_at DESC, requests.id DESC";

    public Task<IReadOnlyList<MentorRequest>> GetOpenRequestsAsync(CancellationToken ct = default) =>
        QueryRequestsAsync($"SELECT {RequestColumns} FROM requests WHERE status = 'open' ORDER BY created_at, id", _ => { }, ct);

    public virtual Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default) =>
        QueryRequestsAsync($"""
            SELECT {RequestColumns} FROM requests
            WHERE {MenteeRequestsSince("@u", "@since")}
            ORDER BY {NewestFirst}
            """, cmd =>
        {
            Add(cmd, "@u", menteeSlackId);
            Add(cmd, "@since", ToDb(since));
        }, ct);

    public Task<IReadOnlyList<MentorRequest>> GetMentorHistoryAsync(string mentorSlackId, int limit, CancellationToken ct = default) =>
        QueryRequestsAsync($"SELECT {RequestColumns} {MentorHistoryQuery}", cmd => BindMentorHistory(cmd, mentorSlackId, limit), ct);

    public async Task<IReadOnlyList<TrackedRequest>> GetMentorHistoryTrackedAsync(string mentorSlackId, int limit, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {RequestColumns}, {FollowUpColumns} {MentorHistoryQuery}";
        BindMentorHistory(cmd, mentorSlackId, limit);
        return await ReadTrackedAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>What both forms of a mentor's history select from, in their order; <see cref="BindMentorHistory"/> fills it in.</summary>
    private const string MentorHistoryQuery = """
        FROM requests WHERE claimed_by = @m
        ORDER BY COALESCE(claimed_at, first_claimed_at, created_at) DESC, id DESC LIMIT @n
        """;

    private static void BindMentorHistory(DbCommand cmd, string mentorSlackId, int limit)
    {
        Add(cmd, "@m", mentorSlackId);
        Add(cmd, "@n", Math.Max(0, limit));
    }

    public async Task<IReadOnlyList<TrackedRequest>> GetActivityAsync(DateTimeOffset since, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {RequestColumns}, {FollowUpColumns} FROM requests WHERE created_at >= @since ORDER BY created_at, id";
        Add(cmd, "@since", ToDb(since));
        return await ReadTrackedAsync(cmd, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TrackedRequest>> GetHeldRequestsAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {RequestColumns}, {FollowUpColumns} FROM requests " +
            "WHERE on_hold_until IS NOT NULL AND status IN ('open', 'claimed') ORDER BY on_hold_until, id";
        return await ReadTrackedAsync(cmd, ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<MentorRequest>> QueryRequestsAsync(string sql, Action<DbCommand> bind, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        bind(cmd);
        var list = new List<MentorRequest>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadRequest(r));
        return list;
    }
}
