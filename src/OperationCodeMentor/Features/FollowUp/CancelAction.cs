using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// "Cancel my request", from the mentee's confirmation DM: an open request leaves every follow-up and the channel is
/// told. A coordinator pressing it closes the request exactly as <c>/mentor-admin close</c> does.
/// </summary>
public sealed class CancelAction(IMentorshipStore store, RequestEnding ending, RequestAdmin admin, SlackApiClient slack, AdminGuard guard, BackgroundWork work, TimeProvider clock)
    : RequestButton(store, slack, work)
{
    public const string Id = "cancel_request";
    public const string MenteeReason = "Cancelled by the mentee.";

    public override string ActionId => Id;

    protected override async Task PressedAsync(MentorRequest request, string user, string? channel, CancellationToken ct)
    {
        if (request.MenteeSlackId != user)
        {
            await Slack.TellAsync(channel, user, guard.IsCoordinator(user)
                ? await admin.CloseAsync(user, request, "Cancelled by a mentor coordinator.", ct).ConfigureAwait(false)
                : $"Only {Mrkdwn.User(request.MenteeSlackId)}, who asked for {request.Reference}, or a mentor coordinator can cancel it. Nothing was changed.", ct).ConfigureAwait(false);
            return;
        }
        var outcome = await Store.TryCloseAsync(request.Id, user, MenteeReason, allowClaimed: false, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
        {
            var now = outcome.Request ?? request;
            await Slack.TellAsync(channel, user, now.Status == RequestStatus.Claimed
                ? $"{now.Reference} has already been claimed by {Mrkdwn.User(now.ClaimedBy!)}. If you no longer need the session, please let them know in a DM."
                : $"Nothing to cancel: {RequestStatusText.Sentence(now)}", ct).ConfigureAwait(false);
            return;
        }
        await ending.AnnounceClosedAsync(outcome.Request!, user, MenteeReason, ct).ConfigureAwait(false);
        await Slack.TellAsync(channel, user, $"Cancelled {request.Reference}; mentors won't be asked about it any more. If you need help later, type `/mentor` any time.", ct).ConfigureAwait(false);
    }
}
