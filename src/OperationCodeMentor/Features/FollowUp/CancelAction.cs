using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>"Cancel my request", from the mentee's confirmation DM: an open request leaves every follow-up and the channel is told.</summary>
public sealed class CancelAction(IMentorshipStore store, RequestEnding ending, SlackApiClient slack, FollowUpAccess access, BackgroundWork work, TimeProvider clock)
    : RequestButton(store, slack, work)
{
    public const string Id = "cancel_request";

    public override string ActionId => Id;

    protected override async Task PressedAsync(MentorRequest request, string user, string? channel, CancellationToken ct)
    {
        var isMentee = request.MenteeSlackId == user;
        if (!isMentee && !access.IsCoordinator(user))
        {
            await access.RefuseAsync(channel, user, $"Only {Mrkdwn.User(request.MenteeSlackId)}, who asked for {request.Reference}, or a mentor coordinator can cancel it. Nothing was changed.", ct).ConfigureAwait(false);
            return;
        }
        var reason = isMentee ? "Cancelled by the mentee." : "Cancelled by a mentor coordinator.";
        var outcome = await Store.TryCloseAsync(request.Id, user, reason, allowClaimed: false, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
        {
            var now = outcome.Request ?? request;
            await Slack.TellAsync(channel, user, now.Status == RequestStatus.Claimed
                ? $"{now.Reference} has already been claimed by {Mrkdwn.User(now.ClaimedBy!)}. If you no longer need the session, please let them know in a DM."
                : $"Nothing to cancel: {AssignAction.Taken(now)}", ct).ConfigureAwait(false);
            return;
        }
        await ending.AnnounceClosedAsync(outcome.Request!, user, reason, ct).ConfigureAwait(false);
        await Slack.TellAsync(channel, user, isMentee
            ? $"Cancelled {request.Reference}; mentors won't be asked about it any more. If you need help later, type `/mentor` any time."
            : $"Cancelled {request.Reference}. {Mrkdwn.User(request.MenteeSlackId)} has been told.", ct).ConfigureAwait(false);
    }
}
