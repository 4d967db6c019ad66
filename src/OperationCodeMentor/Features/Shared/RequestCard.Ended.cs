using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

public static partial class RequestCard
{
    /// <summary>
    /// A request that was cancelled by its mentee or closed by a coordinator (or an escalation contact): who ended it
    /// and, for a close, why; no buttons left to press.
    /// </summary>
    public static (string Text, JsonArray Blocks) Closed(MentorRequest r, string closedBy, string? reason) => closedBy == r.MenteeSlackId
        ? Ended(r, $":no_entry_sign: *{r.Reference} was cancelled by {Mrkdwn.User(closedBy)}*; no mentor is needed.",
            "Cancelled by the mentee: nobody needs to claim it.")
        : Ended(r, $":no_entry_sign: *{r.Reference} closed by {Mrkdwn.User(closedBy)}*" +
                   (string.IsNullOrWhiteSpace(reason) ? "" : $"\n*Reason:* {Mrkdwn.EscapeAndTruncate(reason, 1500)}"),
            $"Closed: nobody needs to claim it. A coordinator can reopen it with `/mentor-admin reopen {r.Reference}`.");

    /// <summary>A request its mentor ended after the mentee did not answer their attempts to reach them; no Claim button.</summary>
    public static (string Text, JsonArray Blocks) ContactLost(MentorRequest r, string mentor, int attempts) => Ended(r,
        $":telephone_receiver: *{r.Reference}: contact lost*\n{Mrkdwn.User(mentor)} tried to reach {Mrkdwn.User(r.MenteeSlackId)} {attempts} time{(attempts == 1 ? "" : "s")} without an answer.",
        $"Contact lost: nobody needs to claim it. The mentee was told how to ask again. A coordinator can reopen it with `/mentor-admin reopen {r.Reference}`.");

    /// <summary>A request whose session took place.</summary>
    public static (string Text, JsonArray Blocks) Completed(MentorRequest r, string completedBy) => Ended(r,
        $":tada: *{r.Reference}: session done* with {Mrkdwn.User(r.ClaimedBy ?? completedBy)}",
        $"Marked done by {Mrkdwn.User(completedBy)}.");

    private static (string Text, JsonArray Blocks) Ended(MentorRequest r, string headline, string note)
    {
        var blocks = new List<JsonObject> { BlockKit.Section(headline) };
        blocks.AddRange(Describe(r));
        blocks.Add(BlockKit.Context($"{r.Reference} · {note}"));
        var firstLine = headline.Split('\n')[0].Replace("*", "", StringComparison.Ordinal);
        return (Mrkdwn.Truncate(firstLine, 3000), BlockKit.Blocks(blocks));
    }
}
