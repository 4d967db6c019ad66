using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>"Session done", from the mentor's claim DM or a nudge: the request is completed and the mentee asked how it went.</summary>
public sealed class SessionDoneAction(IMentorshipStore store, RequestEnding ending, SlackApiClient slack, FollowUpAccess access, BackgroundWork work, TimeProvider clock)
    : RequestButton(store, slack, work)
{
    public const string Id = "session_done";

    public override string ActionId => Id;

    protected override async Task PressedAsync(MentorRequest request, string user, string? channel, CancellationToken ct)
    {
        if (request.Status != RequestStatus.Claimed || request.ClaimedBy is null)
        {
            await Slack.TellAsync(channel, user, request.Status == RequestStatus.Completed
                ? $"{request.Reference} is already marked done. Thank you!"
                : $"{request.Reference} isn't claimed right now, so there's no session to mark done.", ct).ConfigureAwait(false);
            return;
        }
        if (request.ClaimedBy != user && !access.IsCoordinator(user))
        {
            await access.RefuseAsync(channel, user, $"Only {Mrkdwn.User(request.ClaimedBy)}, who has {request.Reference}, or a mentor coordinator can mark its session done. Nothing was changed.", ct).ConfigureAwait(false);
            return;
        }

        var outcome = await Store.TryCompleteSessionAsync(request.Id, request.ClaimedBy, user, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
        {
            await Slack.TellAsync(channel, user, $"{request.Reference} changed while you were marking it; nothing was changed. {AssignAction.Taken(outcome.Request ?? request)}", ct).ConfigureAwait(false);
            return;
        }
        await ending.AnnounceCompletedAsync(outcome.Request!, user, ct).ConfigureAwait(false);
        await Slack.TellAsync(channel, user, $":tada: Marked {request.Reference} done. Thank you for mentoring! I've asked {Mrkdwn.User(request.MenteeSlackId)} how it went.", ct).ConfigureAwait(false);
    }
}
