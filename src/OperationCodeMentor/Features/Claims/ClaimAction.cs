using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Claims;

/// <summary>
/// A mentor pressed Claim. The store's conditional update picks exactly one winner however many clicks
/// arrive; everyone else is told, privately, who got there first.
/// </summary>
public sealed class ClaimAction(IMentorshipStore store, Pairing pairing, SlackApiClient slack, BackgroundWork work, TimeProvider clock)
    : IBlockActionHandler
{
    public string ActionId => RequestCard.ClaimActionId;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var requestId = action.Value;
        var user = action.Interaction.UserId;
        var channel = action.Interaction.ChannelId;
        if (string.IsNullOrEmpty(requestId)) throw new SlackPayloadException("A Claim click needs the request in 'value'.");
        work.Run("claim request", stop => PressFailure.RunAsync(slack, channel, user, () => ClaimAsync(requestId, user, channel, stop), stop));
        return Task.FromResult(SlackAck.Empty);
    }

    /// <summary>The claim itself, shared with the Claim buttons on App Home; a null channel tells the clicker by DM.</summary>
    public async Task ClaimAsync(string requestId, string user, string? channel, CancellationToken ct)
    {
        var me = await store.GetMentorLoadAsync(user, ct).ConfigureAwait(false);
        if (me is null)
        {
            await slack.TellAsync(channel, user, "Only enrolled mentors can claim requests. Type `/mentor-volunteer` to sign up with your skills, then come back and claim it.", ct).ConfigureAwait(false);
            return;
        }
        if (!me.HasCapacity)
        {
            await slack.TellAsync(channel, user, $"You already have {me.OpenClaims} open mentee{(me.OpenClaims == 1 ? "" : "s")}, your limit. Release one or raise your limit with `/mentor-volunteer` to claim this request.", ct).ConfigureAwait(false);
            return;
        }

        // A card posted just before its request was stored names the request by reference.
        if (requestId.StartsWith("R-", StringComparison.Ordinal) && RequestReference.TryParse(requestId, out var number))
        {
            if (await store.FindRequestIdByNumberAsync(number, ct).ConfigureAwait(false) is not { } stored)
            {
                await slack.TellAsync(channel, user, $"I can't find {requestId} in the records yet. If it was posted in the last few minutes it is still being saved: please press Claim again shortly. If it keeps saying this, ask a mentor coordinator.", ct).ConfigureAwait(false);
                return;
            }
            requestId = stored;
        }

        var outcome = await store.TryClaimAsync(requestId, user, clock.GetUtcNow(), ct).ConfigureAwait(false);
        switch (outcome.Result)
        {
            case ClaimResult.Claimed:
                await pairing.AnnounceClaimAsync(outcome.Request!, assignedBy: null, ct).ConfigureAwait(false);
                break;
            case ClaimResult.AlreadyClaimed:
                var by = outcome.Request!.ClaimedBy == user ? "you" : Mrkdwn.User(outcome.Request.ClaimedBy!);
                await slack.TellAsync(channel, user, $"{outcome.Request.Reference} was already claimed by {by}. Thanks for offering!", ct).ConfigureAwait(false);
                break;
            case ClaimResult.NotOpen:
                await slack.TellAsync(channel, user, $"{outcome.Request!.Reference} is {RequestStatusText.Word(outcome.Request.Status)} and can't be claimed any more.", ct).ConfigureAwait(false);
                break;
            default:
                await slack.TellAsync(channel, user, $"{RequestStatusText.Gone} Ask a mentor coordinator if you think this is wrong.", ct).ConfigureAwait(false);
                break;
        }
    }
}
