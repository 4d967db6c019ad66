using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// What a coordinator can do to one request, the same buttons wherever it is shown to them: the <c>/mentor-admin</c>
/// queue, App Home, the coordinator notice, the escalation and the stuck-claim report. Each press goes to one handler.
/// </summary>
public static class CoordinatorButtons
{
    /// <summary>The users_select carries no value, so the request (and the mentor seen holding it, if any) travels in the block_id.</summary>
    public const string BlockPrefix = "admin_request:";

    /// <summary>
    /// Assign to…, then Ask for details (open) or Release (claimed), then Close, then Hold… (or, for a request on hold
    /// until <paramref name="heldUntil"/>, End hold).
    /// </summary>
    public static JsonObject For(MentorRequest r, DateTimeOffset? heldUntil = null)
    {
        var claimer = r.Status == RequestStatus.Claimed ? r.ClaimedBy : null;
        var assign = BlockKit.UsersSelect(RequestButtons.Assign, "Assign to…");
        assign["confirm"] = BlockKit.Confirm("Assign this mentor?", claimer is null
            ? $"They get {r.Reference} by DM, just as if they had claimed it, and {Mrkdwn.User(r.MenteeSlackId)} is told who it is."
            : $"{r.Reference} moves from {Mrkdwn.User(claimer)} to them: they get it by DM as for a claim, and everyone is told.", "Assign");
        var middle = claimer is null
            ? BlockKit.Button("Ask for details", RequestButtons.AskDetails, r.Reference)
            : RequestButtons.ReleaseButton(r);
        return BlockKit.Actions(BlockPrefix + r.Reference + (claimer is null ? "" : ":" + claimer),
            assign, middle, BlockKit.Button("Close", RequestButtons.Close, r.Reference, "danger"),
            heldUntil is null ? RequestButtons.HoldButton(r.Reference) : RequestButtons.EndHoldButton(r.Reference));
    }

    /// <summary>
    /// Reads the request from a block_id, and the mentor the coordinator saw holding it: an assignment moves a claim
    /// only from that mentor, never from one who claimed it since.
    /// </summary>
    public static bool TryRead(string? blockId, out string reference, out string? claimer)
    {
        reference = "";
        claimer = null;
        if (blockId is null || !blockId.StartsWith(BlockPrefix, StringComparison.Ordinal)) return false;
        var parts = blockId[BlockPrefix.Length..].Split(':', 2);
        reference = parts[0];
        claimer = parts.Length == 2 && parts[1].Length > 0 ? parts[1] : null;
        return reference.Length > 0;
    }
}
