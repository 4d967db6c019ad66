using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Relational;

/// <summary>
/// The session reports and ratings: the mentee's last goals for their next mentor, and what coordinators read. A mentee
/// has few requests (the mentee index finds them); the coordinators' list reads the requests with a report or a rating,
/// which a program of this size scans in well under a millisecond.
/// </summary>
public abstract partial class RelationalMentorshipStore
{
    public async Task<TrackedRequest?> GetLatestReportedRequestAsync(string menteeSlackId, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = LatestReported("@u");
        Add(cmd, "@u", menteeSlackId);
        return (await ReadTrackedAsync(cmd, ct).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>The query for the mentee's request with the latest session report; <paramref name="mentee"/> is an SQL expression.</summary>
    private protected static string LatestReported(string mentee) => $"""
        SELECT {RequestColumns}, {FollowUpColumns} FROM requests
        WHERE mentee_slack_id = {mentee} AND report_covered IS NOT NULL
        ORDER BY reported_at DESC, id DESC LIMIT 1
        """;

    public async Task<IReadOnlyList<TrackedRequest>> GetReportedSessionsAsync(string? mentorSlackId, int limit, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // The cast tells PostgreSQL the type of a NULL parameter; SQLite keeps NULL as NULL.
        cmd.CommandText = $"""
            SELECT {RequestColumns}, {FollowUpColumns} FROM requests
            WHERE (report_covered IS NOT NULL OR rating IS NOT NULL) AND (CAST(@m AS TEXT) IS NULL OR claimed_by = @m)
            ORDER BY {Greatest("COALESCE(reported_at, 0)", "COALESCE(rated_at, 0)")} DESC, id DESC LIMIT @n
            """;
        Add(cmd, "@m", mentorSlackId);
        Add(cmd, "@n", Math.Max(0, limit));
        return await ReadTrackedAsync(cmd, ct).ConfigureAwait(false);
    }
}
