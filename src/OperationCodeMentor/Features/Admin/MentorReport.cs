using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// A mentor's profile, capacity, history, session reports and mean rating, for <c>/mentor-admin mentor @user</c>; and one
/// request's session report, for <c>/mentor-admin report R-1042</c>. Coordinators only: the command checks.
/// </summary>
public sealed class MentorReport(IMentorshipStore store)
{
    public const int HistoryLimit = 200;
    public const int ReportsShown = 5;

    /// <summary>The session report and rating of one request, or why there is none.</summary>
    public async Task<(string Text, JsonArray? Blocks)> SessionAsync(string reference, CancellationToken ct)
    {
        var t = await store.GetRequestAsync(reference, ct).ConfigureAwait(false);
        if (t is null) return ($"I can't find {reference}. Check the reference (they look like `R-1042`); `/mentor-admin open` lists the open requests.", null);
        if (t.Session.Report is null)
        {
            var r = t.Request;
            var where = r.Status switch
            {
                RequestStatus.Claimed => $"it's claimed by {Mrkdwn.User(r.ClaimedBy!)} and its session hasn't been marked done yet",
                RequestStatus.Completed => $"its session was marked done by {Mrkdwn.User(t.Outcome.CompletedBy ?? r.ClaimedBy ?? "")} without one",
                _ => $"it's {RequestStatusText.Word(r.Status)}",
            };
            var rating = t.Session.Rating is null ? "" : $" The mentee's rating: {SessionReportText.Rating(t.Session)}.";
            return ($"{t.Reference} has no session report: {where}.{rating}", null);
        }
        var text = SessionReportText.ForCoordinators(t);
        return ($"Session report for {t.Reference}", BlockKit.Blocks(
        [
            BlockKit.Section(text),
            BlockKit.Context(":lock: For coordinators only. The mentee was sent the goals and nothing else."),
        ]));
    }

    public async Task<(string Text, JsonArray? Blocks)> BuildAsync(string slackUserId, CancellationToken ct)
    {
        var load = await store.GetMentorLoadAsync(slackUserId, ct).ConfigureAwait(false);
        if (load is null)
            return ($"{Mrkdwn.User(slackUserId)} isn't enrolled as a mentor. They can sign up with `/mentor-volunteer`.", null);
        var history = store.GetMentorHistoryAsync(slackUserId, HistoryLimit, ct);
        var sessions = store.GetReportedSessionsAsync(slackUserId, HistoryLimit, ct);
        return Build(load, await history.ConfigureAwait(false), await sessions.ConfigureAwait(false));
    }

    /// <summary>Where the mentor stands with "still up for mentoring?".</summary>
    private static string Quiet(Mentor m)
    {
        var st = m.Standing;
        if (st.QuietAskedAt is not { } asked) return "never asked";
        if (st.PausedForInactivityAt is { } paused && paused >= asked)
            return $"asked {SlackDates.When(asked)}, no answer: paused {SlackDates.When(paused)}" + (m.Paused ? "" : " (since resumed)");
        return st.QuietAnsweredAt is { } answered && answered >= asked
            ? $"asked {SlackDates.When(asked)}, answered {SlackDates.When(answered)}"
            : $"asked {SlackDates.When(asked)}, waiting for an answer";
    }

    /// <param name="sessions">The mentor's requests with a report or a rating, latest first.</param>
    public static (string Text, JsonArray Blocks) Build(MentorLoad load, IReadOnlyList<MentorRequest> history, IReadOnlyList<TrackedRequest>? sessions = null)
    {
        var m = load.Mentor;
        var state = !m.Active ? "inactive" : m.Paused ? "paused (not @mentioned for new requests)" : "active";
        var capacity = $"holding {load.OpenClaims} of {m.MaxMentees} mentee{(m.MaxMentees == 1 ? "" : "s")}" + (load.HasCapacity ? "" : " (at capacity)");
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($"*{Mrkdwn.User(m.SlackUserId)}*{(m.Name is null ? "" : $" ({Mrkdwn.Escape(m.Name)})")} · {state} · {capacity}"),
            BlockKit.Fields(
                $"*Skills*\n{(m.Skills.Count == 0 ? "none listed" : Mrkdwn.EscapeAndTruncate(string.Join(", ", m.Skills), 1900))}",
                $"*Time zone*\n{(m.TimeZone is null ? "not given" : Mrkdwn.Escape(m.TimeZone))}",
                $"*Enrolled*\n{SlackDates.When(m.CreatedAt)}",
                $"*Last claimed*\n{(m.LastClaimedAt is { } at ? SlackDates.When(at) : "never")}"),
        };
        if (m.Bio is not null) blocks.Add(BlockKit.Section("*Bio*\n" + Mrkdwn.EscapeAndTruncate(m.Bio, 1500)));
        var st = m.Standing;
        blocks.Add(BlockKit.Fields(
            $"*Code of Conduct*\n{(st.CodeOfConductAccepted ? "accepted" : "not accepted")}",
            $"*Guidebook*\n{(st.GuidebookRead ? "read" : "not read")}",
            $"*Last check-in answer*\n{(st.CheckInAnsweredAt is { } answered ? SlackDates.When(answered) : "none yet")}",
            $"*Still up for mentoring?*\n{Quiet(m)}"));

        var lines = history.Select(r =>
            $"• *{r.Reference}* · {Mrkdwn.User(r.MenteeSlackId)} · {Mrkdwn.EscapeAndTruncate(r.Service, 100)} · " +
            $"{(r.ClaimedAt is { } c ? "claimed " + SlackDates.When(c) : "made " + SlackDates.When(r.CreatedAt))} · {RequestStatusText.Word(r.Status)}").ToList();
        blocks.Add(BlockKit.Section(history.Count == 0
            ? "*History:* no pairings yet."
            : $"*History:* {history.Count} pairing{(history.Count == 1 ? "" : "s")}, most recent first\n" + BlockKit.Lines(lines, 20)));
        blocks.Add(BlockKit.Context("History counts requests this mentor holds or held until they were completed or closed; a claim that was released isn't kept."));
        blocks.AddRange(Sessions(sessions ?? []));
        return ($"Mentor {Mrkdwn.User(m.SlackUserId)}: {state}, {capacity}", BlockKit.Blocks(blocks));
    }

    /// <summary>The mentor's mean rating and latest session reports: private to coordinators, like the reports themselves.</summary>
    private static IEnumerable<JsonObject> Sessions(IReadOnlyList<TrackedRequest> sessions)
    {
        var ratings = sessions.Select(t => t.Session.Rating).OfType<int>().ToList();
        var reports = sessions.Where(t => t.Session.Report is not null).ToList();
        yield return BlockKit.Section(ratings.Count == 0
            ? "*Mentees' ratings:* none yet."
            : $"*Mentees' ratings:* mean {StatsMessage.Stars(ratings.Average())} of 5 from {ratings.Count} rating{(ratings.Count == 1 ? "" : "s")}");
        yield return BlockKit.Section(reports.Count == 0
            ? "*Session reports:* none filed yet."
            : $"*Session reports:* {reports.Count} filed, the latest first\n" +
              BlockKit.Lines(sessions.Take(ReportsShown).Select(t => SessionReportText.Entry(t, showMentor: false)).ToList()));
        if (sessions.Count > 0) yield return BlockKit.Context("`/mentor-admin report R-1042` shows one report in full.");
    }
}
