using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Requests;

public static partial class RequestCard
{
    /// <summary>A request a coordinator closed: who closed it and why, and no buttons left to press.</summary>
    public static (string Text, JsonArray Blocks) Closed(MentorRequest r, string closedBy, string? reason)
    {
        var why = string.IsNullOrWhiteSpace(reason) ? "" : $"\n*Reason:* {Mrkdwn.EscapeAndTruncate(reason, 500)}";
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($":no_entry_sign: *{r.Reference} closed by {Mrkdwn.User(closedBy)}*{why}"),
        };
        blocks.AddRange(Describe(r));
        blocks.Add(BlockKit.Context($"{r.Reference} · Closed: nobody needs to claim it. A coordinator can reopen it with `/mentor-admin reopen {r.Reference}`."));
        return ($"{r.Reference} closed by {Mrkdwn.User(closedBy)}", BlockKit.Blocks(blocks));
    }
}
