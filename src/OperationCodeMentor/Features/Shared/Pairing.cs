using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// What everyone is told when a mentor takes or gives up a request. A claim and a coordinator's assignment send the same
/// messages, so both go through here; each message goes out once, through the work's <see cref="Outbox"/>.
/// </summary>
public sealed partial class Pairing(ChannelCard card, PreviousGoals previousGoals, ILogger<Pairing> log)
{
    /// <summary>
    /// Shows the request as claimed in the channel and DMs the mentor and the mentee. A card Slack won't update does not
    /// stop the DMs (the pairing is already saved); the answer is <see cref="ChannelCard.TryUpdateAsync"/>'s.
    /// </summary>
    public async Task<string?> AnnounceClaimAsync(Outbox outbox, MentorRequest r, string? assignedBy, CancellationToken ct)
    {
        LogPaired(log, r.ClaimedBy!, r.MenteeSlackId, assignedBy ?? r.ClaimedBy!);
        var cardProblem = await card.TryUpdateAsync(outbox, r, RequestCard.Claimed(r), ct).ConfigureAwait(false);

        var mentor = r.ClaimedBy!;
        var how = assignedBy is null ? "You claimed" : $"{Mrkdwn.User(assignedBy)} paired you with";
        var mentorBlocks = new List<JsonObject>
        {
            BlockKit.Section($":handshake: {how} mentorship request *{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)}."),
        };
        mentorBlocks.AddRange(RequestCard.Describe(r));
        if (await previousGoals.BlockAsync(r, ct).ConfigureAwait(false) is { } goals) mentorBlocks.Add(goals);
        mentorBlocks.Add(BlockKit.Section($"*Next step:* send {Mrkdwn.User(r.MenteeSlackId)} a DM today to set up a 30-minute session (a Slack chat, a call, or screen sharing for pair programming)."));
        mentorBlocks.Add(BlockKit.Actions("session_actions", RequestButtons.SessionDoneButton(r)));
        await outbox.DmAsync("mentor", mentor, $"{how} {r.Reference}: reach out to {Mrkdwn.User(r.MenteeSlackId)} to set up a 30-minute session.",
            BlockKit.Blocks(mentorBlocks), ct).ConfigureAwait(false);

        await outbox.DmAsync("mentee", r.MenteeSlackId,
            $":tada: Good news: {Mrkdwn.User(mentor)} is your mentor for request {r.Reference} ({Mrkdwn.Escape(r.Service)}). " +
            "They will message you here in Slack to set up a 30-minute session; you're welcome to message them first.",
            ct: ct).ConfigureAwait(false);
        return cardProblem;
    }

    /// <summary>Shows the request as open again, notes it in the thread, and tells the mentee.</summary>
    public async Task AnnounceReleaseAsync(Outbox outbox, MentorRequest r, string previousMentor, string releasedBy, IReadOnlyList<string> mention, CancellationToken ct)
    {
        LogReleased(log, previousMentor, releasedBy);
        var who = releasedBy == previousMentor ? Mrkdwn.User(previousMentor) : $"{Mrkdwn.User(releasedBy)} (for {Mrkdwn.User(previousMentor)})";
        var line = mention.Count > 0 ? $"Matching mentors: {Mrkdwn.Users(mention)}" : "Open again: claim it if you can help.";
        // A card that can't be updated (deleted, channel archived) has no thread to note it in, but the mentee is still told.
        if (await card.TryUpdateAsync(outbox, r, RequestCard.Open(r, line, $":arrows_counterclockwise: Released by {who}; open again."), ct).ConfigureAwait(false) is null
            && r.ChannelId is not null && r.MessageTs is not null)
        {
            await outbox.PostAsync("thread", r.ChannelId,
                $":arrows_counterclockwise: {r.Reference} was released by {who} and needs a mentor again. {(mention.Count > 0 ? Mrkdwn.Users(mention) : "")}".TrimEnd(),
                threadTs: r.MessageTs, ct: ct).ConfigureAwait(false);
        }
        await outbox.DmAsync("mentee", r.MenteeSlackId,
            $"An update on your request {r.Reference}: {Mrkdwn.User(previousMentor)} can no longer take it, so it's back with our mentors and we're finding you someone else. You don't need to do anything; we'll tell you who picks it up.",
            ct: ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Paired mentor {MentorId} with mentee {MenteeId} (by {PairedBy})")]
    private static partial void LogPaired(ILogger log, string mentorId, string menteeId, string pairedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released by {ReleasedBy} from mentor {MentorId}; open again")]
    private static partial void LogReleased(ILogger log, string mentorId, string releasedBy);
}
