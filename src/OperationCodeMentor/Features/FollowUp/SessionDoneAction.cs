using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>"Session done", from the mentor's claim DM or a nudge: the request is completed and the mentee asked how it went.</summary>
public sealed class SessionDoneAction(IMentorshipStore store, RequestEnding ending, SlackApiClient slack, FollowUpAccess access, BackgroundWork work, TimeProvider clock)
    : IBlockActionHandler
{
    public const string Id = "session_done";

    public string ActionId => Id;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var requestId = action.Value;
        var user = action.Interaction.UserId;
        var channel = action.Interaction.ChannelId;
        if (string.IsNullOrEmpty(requestId)) throw new SlackPayloadException("A Session done click needs the request in 'value'.");
        work.Run("mark session done", stop => CompleteAsync(requestId, user, channel, stop));
        return Task.FromResult(SlackAck.Empty);
    }

    private async Task CompleteAsync(string requestId, string user, string? channel, CancellationToken ct)
    {
        var request = await store.GetRequestAsync(requestId, ct).ConfigureAwait(false);
        if (request is null)
        {
            await slack.TellAsync(channel, user, "I couldn't find that request any more.", ct).ConfigureAwait(false);
            return;
        }
        if (request.Status != RequestStatus.Claimed || request.ClaimedBy is null)
        {
            await slack.TellAsync(channel, user, request.Status == RequestStatus.Completed
                ? $"{request.Reference} is already marked done. Thank you!"
                : $"{request.Reference} isn't claimed right now, so there's no session to mark done.", ct).ConfigureAwait(false);
            return;
        }
        if (request.ClaimedBy != user && !access.IsCoordinator(user))
        {
            await access.RefuseAsync(channel, user, $"Only {Mrkdwn.User(request.ClaimedBy)}, who has {request.Reference}, or a mentor coordinator can mark its session done. Nothing was changed.", ct).ConfigureAwait(false);
            return;
        }

        var outcome = await store.TryCompleteSessionAsync(requestId, request.ClaimedBy, user, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
        {
            await slack.TellAsync(channel, user, $"{request.Reference} changed while you were marking it; nothing was changed. {AssignAction.Taken(outcome.Request ?? request)}", ct).ConfigureAwait(false);
            return;
        }
        await ending.AnnounceCompletedAsync(outcome.Request!, user, ct).ConfigureAwait(false);
        await slack.TellAsync(channel, user, $":tada: Marked {request.Reference} done. Thank you for mentoring! I've asked {Mrkdwn.User(request.MenteeSlackId)} how it went.", ct).ConfigureAwait(false);
    }
}
