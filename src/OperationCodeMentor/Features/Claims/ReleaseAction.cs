using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.FollowUp;
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
    TimeProvider clock) : RequestButton(store, slack, work)
{
    public override string ActionId => RequestCard.ReleaseActionId;

    protected override async Task PressedAsync(MentorRequest request, string user, string? channel, CancellationToken ct)
    {
        if (request.Status != RequestStatus.Claimed || request.ClaimedBy is null)
        {
            await Slack.TellAsync(channel, user, $"{request.Reference} isn't claimed right now, so there's nothing to release.", ct).ConfigureAwait(false);
            return;
        }
        var o = options.CurrentValue;
        if (request.ClaimedBy != user && !o.IsCoordinator(user))
        {
            await Slack.TellAsync(channel, user, $"Only {Mrkdwn.User(request.ClaimedBy)}, who claimed {request.Reference}, or a mentor coordinator can release it.", ct).ConfigureAwait(false);
            return;
        }

        var outcome = await Store.TryReleaseAsync(request.Id, request.ClaimedBy, user, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != ReleaseResult.Released)
        {
            await Slack.TellAsync(channel, user, $"{request.Reference} changed hands while you were releasing it; nothing was changed.", ct).ConfigureAwait(false);
            return;
        }

        // Mention the matching mentors again, except the one who just let it go.
        var loads = await Store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var mention = MentorMatcher.Match(outcome.Request!.Skills, loads, o.MaxMentions, new HashSet<string> { request.ClaimedBy })
            .Select(m => m.Mentor.SlackUserId).ToList();
        await pairing.AnnounceReleaseAsync(outcome.Request, request.ClaimedBy, user, mention, ct).ConfigureAwait(false);
    }
}
