using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The session reports and ratings: the mentee's last goals for their next mentor, and what coordinators read. Each is
/// one filtered list; Airtable cannot order by "the later of two dates", so the few rows are ordered here.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    public async Task<TrackedRequest?> GetLatestReportedRequestAsync(string menteeSlackId, CancellationToken ct = default)
    {
        var f = RF;
        var rows = await QueryAsync(AirtableFormula.And(
            AirtableFormula.FieldEquals(f.MenteeSlackId, menteeSlackId),
            AirtableFormula.IsNotBlank(f.SessionCovered)), ct).ConfigureAwait(false);
        var latest = rows.Select(c => c.Tracked)
            .OrderByDescending(t => t.Session.ReportedAt ?? DateTimeOffset.MinValue).ThenByDescending(t => ReferenceNumber(t.Request))
            .FirstOrDefault();
        return latest is null ? null : (await ResolveAsync([latest], ct).ConfigureAwait(false))[0];
    }

    public async Task<IReadOnlyList<TrackedRequest>> GetReportedSessionsAsync(string? mentorSlackId, int limit, CancellationToken ct = default)
    {
        var f = RF;
        var reportedOrRated = AirtableFormula.Or(AirtableFormula.IsNotBlank(f.SessionCovered), AirtableFormula.IsNotBlank(f.Rating));
        var filter = mentorSlackId is null ? reportedOrRated : AirtableFormula.And(AirtableFormula.FieldEquals(f.ClaimedBySlackId, mentorSlackId), reportedOrRated);
        var rows = await QueryAsync(filter, ct).ConfigureAwait(false);
        var ordered = rows.Select(c => c.Tracked)
            .OrderByDescending(t => Latest(t.Session.ReportedAt, t.Session.RatedAt)).ThenByDescending(t => ReferenceNumber(t.Request))
            .Take(Math.Max(0, limit))
            .ToList();
        return await ResolveAsync(ordered, ct).ConfigureAwait(false);

        static DateTimeOffset Latest(DateTimeOffset? a, DateTimeOffset? b) =>
            (a ?? DateTimeOffset.MinValue) > (b ?? DateTimeOffset.MinValue) ? a!.Value : b ?? DateTimeOffset.MinValue;
    }
}
