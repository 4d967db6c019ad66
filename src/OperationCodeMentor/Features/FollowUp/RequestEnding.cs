using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>What everyone is told when a request ends: its channel card changes, and the people involved hear why.</summary>
public sealed class RequestEnding(SlackApiClient slack)
{
    /// <summary>A cancelled or closed request: the card says so; a coordinator's reason goes to the mentee, and a mentor who had it is freed.</summary>
    public async Task AnnounceClosedAsync(MentorRequest r, string closedBy, string reason, CancellationToken ct)
    {
        if (r.ChannelId is not null && r.MessageTs is not null)
        {
            var (text, blocks) = FollowUpBlocks.CancelledCard(r, closedBy, reason);
            await slack.UpdateMessageAsync(r.ChannelId, r.MessageTs, text, blocks, ct).ConfigureAwait(false);
        }
        if (closedBy != r.MenteeSlackId)
        {
            await slack.SendDmAsync(r.MenteeSlackId,
                $"Your mentor request *{r.Reference}* was closed by {Mrkdwn.User(closedBy)}, a mentor coordinator:\n>>> {Mrkdwn.EscapeAndTruncate(reason, 2500)}\n\n" +
                "If you still need help, type `/mentor` any time, or message them directly.", ct: ct).ConfigureAwait(false);
        }
        if (r.ClaimedBy is { } mentor && mentor != closedBy)
        {
            await slack.SendDmAsync(mentor, $"{r.Reference} from {Mrkdwn.User(r.MenteeSlackId)} was closed by {Mrkdwn.User(closedBy)}, so you don't need to follow up on it. Thank you!",
                ct: ct).ConfigureAwait(false);
        }
    }

    /// <summary>A session that took place: the card says so and the mentee is asked how it went.</summary>
    public async Task AnnounceCompletedAsync(MentorRequest r, string completedBy, CancellationToken ct)
    {
        if (r.ChannelId is not null && r.MessageTs is not null)
        {
            var (text, blocks) = FollowUpBlocks.CompletedCard(r, completedBy);
            await slack.UpdateMessageAsync(r.ChannelId, r.MessageTs, text, blocks, ct).ConfigureAwait(false);
        }
        var mentor = r.ClaimedBy ?? completedBy;
        await slack.SendDmAsync(r.MenteeSlackId, $"How did your session with {Mrkdwn.User(mentor)} go? ({r.Reference})",
            BlockKit.Blocks(
            [
                BlockKit.Section($":speech_balloon: *How did it go?* {Mrkdwn.User(mentor)} marked your session for *{r.Reference}* as done.\n" +
                    "If you'd like a follow-up with someone else, say so and we'll find you another mentor."),
                FollowUpBlocks.FeedbackActions(r),
            ]), ct).ConfigureAwait(false);
    }
}
