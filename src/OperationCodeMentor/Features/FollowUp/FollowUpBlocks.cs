using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>The buttons of the follow-up messages, and the cards of requests that have ended.</summary>
public static class FollowUpBlocks
{
    /// <summary>The users_select carries no value of its own, so the request travels in its block's ID.</summary>
    public const string StaffBlockPrefix = "followup_staff:";

    /// <summary>Assign to… (and, for a claim that looks stuck, Release), Ask for details, Close: what a coordinator can do.</summary>
    public static JsonObject StaffActions(MentorRequest r, bool claimed)
    {
        var assign = BlockKit.UsersSelect(AssignAction.Id, "Assign to…");
        assign["confirm"] = Confirm("Assign this mentor?",
            $"They get {r.Reference} by DM, just as if they had claimed it, and {Mrkdwn.User(r.MenteeSlackId)} is told who it is.", "Assign");
        var elements = new List<JsonObject> { assign };
        if (claimed) elements.Add(BlockKit.Button("Release", RequestCard.ReleaseActionId, r.Id));
        else elements.Add(BlockKit.Button("Ask for details", AskDetailsAction.Id, r.Id));
        elements.Add(BlockKit.Button("Close", CloseAction.Id, r.Id, "danger"));
        return BlockKit.Actions(StaffBlockPrefix + r.Id, [.. elements]);
    }

    public static JsonObject SessionDoneButton(MentorRequest r) =>
        BlockKit.Button("Session done", SessionDoneAction.Id, r.Id, "primary");

    public static JsonObject CancelButton(MentorRequest r)
    {
        var button = BlockKit.Button("Cancel my request", CancelAction.Id, r.Id);
        button["confirm"] = Confirm("Cancel this request?", $"Mentors will no longer see {r.Reference}. You can ask again any time with /mentor.", "Cancel it", "Keep it");
        return button;
    }

    public static JsonObject FeedbackActions(MentorRequest r) => BlockKit.Actions("feedback_actions",
        BlockKit.Button("It helped", FeedbackAction.HelpedActionId, r.Id, "primary"),
        BlockKit.Button("I'd like another mentor", FeedbackAction.AnotherMentorActionId, r.Id));

    private static JsonObject Confirm(string title, string text, string confirm, string deny = "Cancel") => new()
    {
        ["title"] = BlockKit.PlainText(title, 100),
        ["text"] = BlockKit.MrkdwnText(text, 300),
        ["confirm"] = BlockKit.PlainText(confirm, 30),
        ["deny"] = BlockKit.PlainText(deny, 30),
    };

    /// <summary>The channel card of a request whose session took place.</summary>
    public static (string Text, JsonArray Blocks) CompletedCard(MentorRequest r, string completedBy) => Ended(r,
        $":tada: *{r.Reference}: session done* with {Mrkdwn.User(r.ClaimedBy ?? completedBy)}",
        $"Marked done by {Mrkdwn.User(completedBy)}.");

    /// <summary>The channel card of a request that was cancelled by its mentee or closed by a coordinator.</summary>
    public static (string Text, JsonArray Blocks) CancelledCard(MentorRequest r, string closedBy, string reason) => closedBy == r.MenteeSlackId
        ? Ended(r, $":no_entry_sign: *{r.Reference} was cancelled by {Mrkdwn.User(closedBy)}*; no mentor is needed.", "No need to claim it.")
        : Ended(r, $":lock: *{r.Reference} was closed by {Mrkdwn.User(closedBy)}*", "Reason: " + Mrkdwn.EscapeAndTruncate(reason, 1500));

    private static (string Text, JsonArray Blocks) Ended(MentorRequest r, string headline, string note)
    {
        var blocks = new List<JsonObject> { BlockKit.Section(headline) };
        blocks.AddRange(RequestCard.Describe(r));
        blocks.Add(BlockKit.Context($"{r.Reference} · {note}"));
        return (Mrkdwn.Truncate(headline.Replace("*", "", StringComparison.Ordinal), 3000), BlockKit.Blocks(blocks));
    }
}
