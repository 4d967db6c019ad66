using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>"Close": a coordinator ends a request that won't be paired, with a reason the mentee is told.</summary>
public sealed class CloseAction(StaffModal modal) : IBlockActionHandler
{
    public const string Id = "followup_close";
    public const string CallbackId = "followup_close_modal";
    public const int MinReason = 3;

    public string ActionId => Id;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct) => modal.OpenAsync(action, r => new StaffModal.Form(
        CallbackId, $"Close {r.Reference}",
        $"Closing takes {r.Reference} off every follow-up and out of the mentors channel. {Mrkdwn.User(r.MenteeSlackId)} is told, with your reason.",
        "Reason (the mentee sees it)", "For example: we couldn't find a mentor for this skill right now; please ask again next month.",
        "Close request", MinReason));
}

public sealed class CloseSubmission(StaffModal modal, IMentorshipStore store, RequestEnding ending, SlackApiClient slack, BackgroundWork work, TimeProvider clock)
    : IViewSubmissionHandler
{
    public string CallbackId => CloseAction.CallbackId;

    public async Task<SlackAck> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var (request, reason, errors) = await modal.ReadAsync(submission, CloseAction.MinReason, ct).ConfigureAwait(false);
        if (errors is not null) return errors;
        var coordinator = submission.UserId;
        work.Run("close request", stop => CloseAsync(request!, coordinator, reason, stop));
        return SlackAck.Empty;
    }

    private async Task CloseAsync(MentorRequest r, string coordinator, string reason, CancellationToken ct)
    {
        var outcome = await store.TryCloseAsync(r.Id, coordinator, reason, allowClaimed: true, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
        {
            await slack.SendDmAsync(coordinator, $"Nothing changed: {AssignAction.Taken(outcome.Request ?? r)}", ct: ct).ConfigureAwait(false);
            return;
        }
        await ending.AnnounceClosedAsync(outcome.Request!, coordinator, reason, ct).ConfigureAwait(false);
        await slack.SendDmAsync(coordinator, $"Closed {r.Reference}. {Mrkdwn.User(r.MenteeSlackId)} has been told why.", ct: ct).ConfigureAwait(false);
    }
}
