using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// A coordinator picked a mentor under "Assign to…". An open request is claimed on the mentor's behalf; a claimed
/// one moves from its mentor to the new one. Either way the same DMs go out as for a claim.
/// </summary>
public sealed class AssignAction(IMentorshipStore store, Pairing pairing, SlackApiClient slack, FollowUpAccess access, BackgroundWork work, TimeProvider clock)
    : IBlockActionHandler
{
    public const string Id = "followup_assign";

    public string ActionId => Id;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var blockId = action.BlockId ?? "";
        if (!blockId.StartsWith(FollowUpBlocks.StaffBlockPrefix, StringComparison.Ordinal))
            throw new SlackPayloadException("An Assign selection needs the request in its block_id.");
        var requestId = blockId[FollowUpBlocks.StaffBlockPrefix.Length..];
        var user = action.Interaction.UserId;
        var channel = action.Interaction.ChannelId;
        var mentor = action.Value;
        work.Run("assign request", stop => AssignAsync(requestId, mentor, user, channel, stop));
        return Task.FromResult(SlackAck.Empty);
    }

    private async Task AssignAsync(string requestId, string? mentor, string user, string? channel, CancellationToken ct)
    {
        if (!access.IsStaff(user))
        {
            await access.RefuseAsync(channel, user, FollowUpAccess.StaffOnly, ct).ConfigureAwait(false);
            return;
        }
        if (string.IsNullOrEmpty(mentor))
        {
            await slack.TellAsync(channel, user, "Pick the mentor to assign in the list first.", ct).ConfigureAwait(false);
            return;
        }
        var request = await store.GetRequestAsync(requestId, ct).ConfigureAwait(false);
        if (request is null)
        {
            await slack.TellAsync(channel, user, "I couldn't find that request any more.", ct).ConfigureAwait(false);
            return;
        }
        if (await store.GetMentorAsync(mentor, ct).ConfigureAwait(false) is null)
        {
            await slack.TellAsync(channel, user, $"{Mrkdwn.User(mentor)} isn't enrolled as a mentor, so I can't assign {request.Reference} to them. " +
                "Ask them to run `/mentor-volunteer` first, then pick them again.", ct).ConfigureAwait(false);
            return;
        }

        var now = clock.GetUtcNow();
        switch (request.Status)
        {
            case RequestStatus.Open:
                var claim = await store.TryClaimAsync(requestId, mentor, now, ct).ConfigureAwait(false);
                if (claim.Result == ClaimResult.Claimed)
                {
                    await pairing.AnnounceClaimAsync(claim.Request!, assignedBy: user, ct).ConfigureAwait(false);
                    await slack.TellAsync(channel, user, $"Done: {Mrkdwn.User(mentor)} now has {request.Reference}. They and {Mrkdwn.User(request.MenteeSlackId)} have both been told.", ct).ConfigureAwait(false);
                }
                else
                {
                    await slack.TellAsync(channel, user, Taken(claim.Request ?? request), ct).ConfigureAwait(false);
                }
                break;

            case RequestStatus.Claimed when request.ClaimedBy == mentor:
                await slack.TellAsync(channel, user, $"{request.Reference} is already with {Mrkdwn.User(mentor)}; nothing changed.", ct).ConfigureAwait(false);
                break;

            case RequestStatus.Claimed:
                var previous = request.ClaimedBy!;
                var moved = await store.TryReassignAsync(requestId, previous, mentor, now, ct).ConfigureAwait(false);
                if (moved.Result != TransitionResult.Done)
                {
                    await slack.TellAsync(channel, user, $"{request.Reference} changed while you were assigning it; nothing was changed. {Taken(moved.Request ?? request)}", ct).ConfigureAwait(false);
                    return;
                }
                await pairing.AnnounceClaimAsync(moved.Request!, assignedBy: user, ct).ConfigureAwait(false);
                await slack.SendDmAsync(previous, $"{Mrkdwn.User(user)} has passed {request.Reference} from {Mrkdwn.User(request.MenteeSlackId)} to {Mrkdwn.User(mentor)}, " +
                    "so you don't need to follow up on it. Thank you for your time!", ct: ct).ConfigureAwait(false);
                await slack.TellAsync(channel, user, $"Done: {request.Reference} moved from {Mrkdwn.User(previous)} to {Mrkdwn.User(mentor)}; everyone has been told.", ct).ConfigureAwait(false);
                break;

            default:
                await slack.TellAsync(channel, user, Taken(request), ct).ConfigureAwait(false);
                break;
        }
    }

    internal static string Taken(MentorRequest r) => r.Status switch
    {
        RequestStatus.Claimed => $"{r.Reference} is already claimed by {Mrkdwn.User(r.ClaimedBy!)}.",
        RequestStatus.Completed => $"{r.Reference}'s session is already done.",
        RequestStatus.Cancelled => $"{r.Reference} has been cancelled.",
        _ => $"{r.Reference} is still open.",
    };
}
