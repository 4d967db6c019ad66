using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// The goals from a mentee's last reported session, shown to the mentor of their next request so the session can start
/// with a catch-up. Only the goals: what was covered and the notes for coordinators stay private.
/// </summary>
public sealed partial class PreviousGoals(IMentorshipStore store, ILogger<PreviousGoals> log)
{
    /// <summary>
    /// A block for the mentor's claim announcement of <paramref name="r"/>; null when the mentee has no earlier report
    /// with goals. A store that can't answer leaves the goals out rather than holding up the pairing.
    /// </summary>
    public async Task<JsonObject?> BlockAsync(MentorRequest r, CancellationToken ct)
    {
        TrackedRequest? last;
        try
        {
            last = await store.GetLatestReportedRequestAsync(r.MenteeSlackId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLookupFailed(log, e, r.Reference);
            return null;
        }
        return Block(r, last);
    }

    /// <summary>The same from <paramref name="last"/>, the mentee's last reported request as read already (null: none).</summary>
    public static JsonObject? Block(MentorRequest r, TrackedRequest? last)
    {
        if (last is null || last.Reference == r.Reference || last.Session.Report is not { Goals.Count: > 0 } report) return null;
        var mentor = last.Request.ClaimedBy ?? last.Session.ReportedBy;
        var with = mentor is null ? "" : $" with {Mrkdwn.User(mentor)}";
        var when = last.Session.ReportedAt is { } at ? $", {SlackDates.When(at)}" : "";
        return BlockKit.Section($":dart: *Goals from {Mrkdwn.User(r.MenteeSlackId)}'s last session{with}* ({last.Reference}{when}):\n" +
            SessionReportText.GoalLines(report.Goals) + "\nA good way to start: ask how these went.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look up the goals of the mentee's last session for {Reference}; the claim is announced without them")]
    private static partial void LogLookupFailed(ILogger log, Exception e, string reference);
}
