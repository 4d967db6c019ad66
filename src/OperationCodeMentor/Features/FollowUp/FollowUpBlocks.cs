using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>The mentor's and the mentee's buttons on the follow-up messages. A coordinator's are <see cref="Admin.CoordinatorButtons"/>.</summary>
public static class FollowUpBlocks
{
    public static JsonObject SessionDoneButton(MentorRequest r) =>
        BlockKit.Button("Session done", SessionDoneAction.Id, r.Id, "primary");

    public static JsonObject CancelButton(MentorRequest r)
    {
        var button = BlockKit.Button("Cancel my request", CancelAction.Id, r.Id);
        button["confirm"] = BlockKit.Confirm("Cancel this request?", $"Mentors will no longer see {r.Reference}. You can ask again any time with /mentor.", "Cancel it", "Keep it");
        return button;
    }

    public static JsonObject FeedbackActions(MentorRequest r) => BlockKit.Actions("feedback_actions",
        BlockKit.Button("It helped", FeedbackAction.HelpedActionId, r.Id, "primary"),
        BlockKit.Button("I'd like another mentor", FeedbackAction.AnotherMentorActionId, r.Id));
}
