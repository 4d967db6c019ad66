using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>A mentor's profile, capacity and history, for <c>/mentor-admin mentor @user</c>.</summary>
public sealed class MentorReport(IMentorshipStore store)
{
    public const int HistoryLimit = 200;

    public async Task<(string Text, JsonArray? Blocks)> BuildAsync(string slackUserId, CancellationToken ct)
    {
        var load = await store.GetMentorLoadAsync(slackUserId, ct).ConfigureAwait(false);
        if (load is null)
            return ($"{Mrkdwn.User(slackUserId)} isn't enrolled as a mentor. They can sign up with `/mentor-volunteer`.", null);
        var history = await store.GetMentorHistoryAsync(slackUserId, HistoryLimit, ct).ConfigureAwait(false);
        return Build(load, history);
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

    public static (string Text, JsonArray Blocks) Build(MentorLoad load, IReadOnlyList<MentorRequest> history)
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
        return ($"Mentor {Mrkdwn.User(m.SlackUserId)}: {state}, {capacity}", BlockKit.Blocks(blocks));
    }
}
