using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Postgres;

/// <summary>
/// The session reports and ratings: the mentee's last goals for their next mentor, and what coordinators read. A mentee
/// has few requests (the mentee index finds them); the coordinators' list reads the requests with a report or a rating,
/// which a program of this size scans in well under a millisecond.
/// </summary>
public sealed partial class PostgresMentorshipStore
{
    public async Task<TrackedRequest?> GetLatestReportedRequestAsync(string menteeSlackId, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT {RequestColumns}, {FollowUpColumns} FROM requests
            WHERE mentee_slack_id = @u AND report_covered IS NOT NULL
            ORDER BY reported_at DESC, id DESC LIMIT 1
            """;
        cmd.Parameters.AddWithValue("@u", menteeSlackId);
        return (await ReadTrackedAsync(cmd, ct).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<TrackedRequest>> GetReportedSessionsAsync(string? mentorSlackId, int limit, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT {RequestColumns}, {FollowUpColumns} FROM requests
            WHERE (report_covered IS NOT NULL OR rating IS NOT NULL) AND (@m::text IS NULL OR claimed_by = @m)
            ORDER BY GREATEST(COALESCE(reported_at, 0), COALESCE(rated_at, 0)) DESC, id DESC LIMIT @n
            """;
        cmd.Parameters.AddWithValue("@m", (object?)mentorSlackId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("@n", Math.Max(0, limit));
        return await ReadTrackedAsync(cmd, ct).ConfigureAwait(false);
    }
}
