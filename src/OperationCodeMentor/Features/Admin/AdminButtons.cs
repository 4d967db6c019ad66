using System.Globalization;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// "Assign to…" beside a request, wherever a coordinator sees it: the chosen mentor gets it exactly as with
/// <c>/mentor-admin assign</c>. From a stuck-claim report it moves the claim, but only from the mentor it reported.
/// </summary>
public sealed class AssignAction(AdminGuard guard) : IBlockActionHandler
{
    public const string Id = RequestButtons.Assign;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        if (!CoordinatorButtons.TryRead(action.BlockId, out var reference, out var claimer))
            throw new SlackPayloadException("An Assign choice needs the request in 'block_id'.");
        var mentor = Interaction.Str(action.Raw, "selected_user") ?? throw new SlackPayloadException("An Assign choice needs 'selected_user'.");
        var origin = AdminOrigin.Of(action.Interaction);
        return Task.FromResult(guard.ForStaff(origin, () => (origin.Press(reference) with { Mentor = mentor, ExpectedClaimer = claimer })
            .Work(AssignJob.KindName, Press.KeyOf(AssignJob.KindName, action), "action " + Id)));
    }
}

/// <summary>"Close" beside a request: asks for the reason the mentee will read, then closes it the same way as <c>/mentor-admin close</c>.</summary>
public sealed class CloseAction(CoordinatorModal modal) : IBlockActionHandler
{
    public const string Id = RequestButtons.Close;
    public const string CallbackId = "admin_close_modal";
    public const int MinReason = 3;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct) => Task.FromResult(modal.Open(action, "open close modal", r => new CoordinatorModal.Form(
        CallbackId, $"Close {r.Reference}",
        $"Close *{r.Reference}* ({Mrkdwn.EscapeAndTruncate(r.Service, 200)}) from {Mrkdwn.User(r.MenteeSlackId)}? Nobody will be able to claim it and " +
        "its follow-ups stop. The mentee is told, with your reason" +
        (r.Status == RequestStatus.Claimed && r.ClaimedBy is { } m ? $", and so is {Mrkdwn.User(m)}, who claimed it." : "."),
        "Reason (the mentee sees it)", "For example: a duplicate of R-1041, sorted out in #help, or no mentor for this skill right now; please ask again next month.",
        "Close request", MinReason)));
}

public sealed class CloseSubmission(CoordinatorModal modal) : IViewSubmissionHandler
{
    public string CallbackId => CloseAction.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct) =>
        Task.FromResult(modal.Submit(submission, CloseAction.MinReason, CloseJob.KindName));
}

/// <summary>"Ask for details": a coordinator writes a question, and the mentee gets it by DM.</summary>
public sealed class AskDetailsAction(CoordinatorModal modal) : IBlockActionHandler
{
    public const string Id = RequestButtons.AskDetails;
    public const string CallbackId = "admin_ask_details_modal";
    public const int MinQuestion = 5;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct) => Task.FromResult(modal.Open(action, "open ask-details modal", r => new CoordinatorModal.Form(
        CallbackId, "Ask for details",
        $"Your question goes to {Mrkdwn.User(r.MenteeSlackId)} by DM from the bot, with your name on it, so they can reply to you directly.",
        "Your question", "What would help a mentor say yes? For example: which project, what you've tried, what a good session looks like.",
        "Send question", MinQuestion)));
}

public sealed class AskDetailsSubmission(CoordinatorModal modal) : IViewSubmissionHandler
{
    public string CallbackId => AskDetailsAction.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct) =>
        Task.FromResult(modal.Submit(submission, AskDetailsAction.MinQuestion, AskDetailsJob.KindName));
}

/// <summary>The older/newer buttons under the queue: replace the list with the page asked for.</summary>
public sealed class QueuePageAction(AdminGuard guard, AdminReports reports, SlackApiClient slack) : IBlockActionHandler
{
    public const string Id = RequestButtons.QueuePage;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var page = int.TryParse(action.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : 1;
        var origin = AdminOrigin.Of(action.Interaction);
        return Task.FromResult(guard.Run("page the queue", origin, async stop =>
        {
            var (text, blocks) = await reports.QueueAsync(page, stop).ConfigureAwait(false);
            if (origin.ResponseUrl is null) return text;
            var message = SlackAck.Ephemeral(text).Body!;
            message["replace_original"] = true;
            message["blocks"] = blocks;
            await slack.RespondAsync(origin.ResponseUrl, message, stop).ConfigureAwait(false);
            return null;
        }));
    }
}
