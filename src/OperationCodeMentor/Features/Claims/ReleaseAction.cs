using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Claims;

/// <summary>Release: the claimer (or a coordinator) gives a request back; it is open again and the mentee is told.</summary>
public sealed class ReleaseAction(
    IMentorshipStore store,
    Pairing pairing,
    SlackApiClient slack,
    BackgroundWork work,
    IOptionsMonitor<MentorshipOptions> options,
    TimeProvider clock) : IBlockActionHandler
{
    public string ActionId => RequestCard.ReleaseActionId;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var requestId = action.Value;
        var user = action.Interaction.UserId;
        var channel = action.Interaction.ChannelId;
        if (string.IsNullOrEmpty(requestId)) throw new SlackPayloadException("A Release click needs the request in 'value'.");
        work.Run("release request", stop => ReleaseAsync(requestId, user, channel, stop));
        return Task.FromResult(SlackAck.Empty);
    }

    private async Task ReleaseAsync(string requestId, string user, string? channel, CancellationToken ct)
    {
        var request = await store.GetRequestAsync(requestId, ct).ConfigureAwait(false);
        if (request is null)
        {
            await slack.TellAsync(channel, user, RequestStatusText.Gone, ct).ConfigureAwait(false);
            return;
        }
        if (request.Status != RequestStatus.Claimed || request.ClaimedBy is null)
        {
            await slack.TellAsync(channel, user, $"{request.Reference} isn't claimed right now, so there's nothing to release.", ct).ConfigureAwait(false);
            return;
        }
        var o = options.CurrentValue;
        if (request.ClaimedBy != user && !o.IsCoordinator(user))
        {
            await slack.TellAsync(channel, user, $"Only {Mrkdwn.User(request.ClaimedBy)}, who claimed {request.Reference}, or a mentor coordinator can release it.", ct).ConfigureAwait(false);
            return;
        }

        var outcome = await store.TryReleaseAsync(requestId, request.ClaimedBy, user, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != ReleaseResult.Released)
        {
            await slack.TellAsync(channel, user, $"{request.Reference} changed hands while you were releasing it; nothing was changed.", ct).ConfigureAwait(false);
            return;
        }

        // Mention the matching mentors again, except the one who just let it go.
        var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var mention = MentorMatcher.Match(outcome.Request!.Skills, loads, o.MaxMentions, new HashSet<string> { request.ClaimedBy })
            .Select(m => m.Mentor.SlackUserId).ToList();
        await pairing.AnnounceReleaseAsync(outcome.Request, request.ClaimedBy, user, mention, ct).ConfigureAwait(false);
    }
}
