using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>What came of announcing a pairing: a card Slack would not redraw, and where the pair were introduced.</summary>
/// <param name="CardProblem">See <see cref="ChannelCard.TryUpdateAsync"/>.</param>
/// <param name="ConversationId">The pair's group DM; null when Slack refused it and each was told by DM.</param>
/// <param name="GroupDmRefusal">Slack's reason for refusing the group DM.</param>
public sealed record PairingNews(string? CardProblem, string? ConversationId, string? GroupDmRefusal);

/// <summary>
/// What everyone is told when a mentor takes or gives up a request. A claim and a coordinator's assignment send the same
/// messages, so both go through here; each Slack call happens once, through the work's <see cref="Outbox"/>.
/// </summary>
public sealed partial class Pairing(ChannelCard card, IMentorshipStore store, RequestChanges changes, SlackApiClient slack,
    IOptionsMonitor<ScheduleOptions> schedule, PreviousGoals previousGoals, ILogger<Pairing> log)
{
    /// <summary>
    /// Shows the request as claimed in the channel, opens a group DM with the mentor and the mentee and introduces them
    /// there (recording the conversation with the request), and DMs the mentor a pointer to it. When Slack refuses the
    /// group DM, each of them gets a DM instead, and the mentor hears why. A card Slack won't update does not stop the
    /// rest (the pairing is already saved).
    /// </summary>
    /// <param name="paired">The request as the pairing left it.</param>
    /// <param name="profile">The mentor as read with the request when it was paired; read again when not given.</param>
    /// <param name="read">What was read with the request when it was paired: the mentee's last reported session, when it was.</param>
    public async Task<PairingNews> AnnounceClaimAsync(Outbox outbox, TrackedRequest paired, string? assignedBy, CancellationToken ct, Mentor? profile = null,
        PairingRead? read = null)
    {
        var r = paired.Request;
        var mentor = r.ClaimedBy!;
        LogPaired(log, mentor, r.MenteeSlackId, assignedBy ?? mentor);
        var cardProblem = await card.TryUpdateAsync(outbox, r, RequestCard.Claimed(r), ct).ConfigureAwait(false);

        // Opened, and recorded with the pairing itself, before the pairing was written (WithConversationAsync), unless
        // Slack was not answering then.
        var group = await OpenConversationAsync(outbox, mentor, r.MenteeSlackId, ct).ConfigureAwait(false);
        // Recorded before the introduction goes out, so "We've set a time" pressed on it finds the conversation; only while
        // this mentor still holds the request, so a late replay cannot hand this pair's conversation to the next one.
        // Decided on the request as the pairing left it: read again only if something changed it since.
        await outbox.ChangeOnceAsync("conversation", () => changes.ApplyAsync(paired, Actor.Bot,
            new RequestCommand.RecordConversation(group.ChannelId, mentor), changeKey: null, ct), ct).ConfigureAwait(false);
        var goals = read is { LastReportRead: true } ? PreviousGoals.Block(r, read.LastReport) : await previousGoals.BlockAsync(r, ct).ConfigureAwait(false);

        var how = assignedBy is null ? "You claimed" : $"{Mrkdwn.User(assignedBy)} paired you with";
        if (group.ChannelId is { } conversation)
        {
            if (profile?.SlackUserId != mentor) profile = await store.GetMentorAsync(mentor, ct).ConfigureAwait(false);
            var intro = Introduction(r, profile, assignedBy);
            var introTs = await outbox.PostAsync("intro", conversation, intro.Text, intro.Blocks, ct: ct).ConfigureAwait(false);
            // Slack links can't hold a mention, so the mentee is named beside the link.
            var where = await LinkAsync(conversation, introTs, "a group DM", ct).ConfigureAwait(false) + $" with {Mrkdwn.User(r.MenteeSlackId)}";
            var pointer = new List<JsonObject>
            {
                BlockKit.Section($":handshake: {how} mentorship request *{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)}.\n" +
                    $"I've introduced you in {where}, with their request. Say hello there today and agree on a time for a 30-minute session."),
            };
            // The goals of the mentee's last session are for the mentor to pick up, so they come here rather than to the pair.
            if (goals is not null) pointer.Add(goals);
            pointer.Add(BlockKit.Actions("session_actions", RequestButtons.SessionDoneButton(r), RequestButtons.CantReachButton(r.Reference)));
            await outbox.DmAsync("mentor", mentor, $"{how} {r.Reference}: I've introduced you to {Mrkdwn.User(r.MenteeSlackId)} in a group DM.",
                BlockKit.Blocks(pointer), ct).ConfigureAwait(false);
            return new PairingNews(cardProblem, conversation, null);
        }

        LogGroupDmRefused(log, r.Reference, group.Refusal ?? "unknown");
        var mentorBlocks = new List<JsonObject>
        {
            BlockKit.Section($":handshake: {how} mentorship request *{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)}."),
        };
        mentorBlocks.AddRange(RequestCard.Describe(r));
        if (goals is not null) mentorBlocks.Add(goals);
        mentorBlocks.Add(BlockKit.Section($"*Next step:* send {Mrkdwn.User(r.MenteeSlackId)} a DM today to set up a 30-minute session (a Slack chat, a call, or screen sharing for pair programming). " +
            "Once you've agreed on a time, press *We've set a time*. If they don't answer, press *Can't reach them* each time you try: I'll nudge them for you."));
        mentorBlocks.Add(BlockKit.Context($":information_source: I couldn't open a group DM for you both (Slack said `{Mrkdwn.Escape(group.Refusal ?? "unknown")}`), so I've messaged you each separately."));
        mentorBlocks.Add(BlockKit.Actions("session_actions", RequestButtons.SessionDoneButton(r), RequestButtons.SetTimeButton(r.Reference), RequestButtons.CantReachButton(r.Reference)));
        await outbox.DmAsync("mentor", mentor, $"{how} {r.Reference}: reach out to {Mrkdwn.User(r.MenteeSlackId)} to set up a 30-minute session.",
            BlockKit.Blocks(mentorBlocks), ct).ConfigureAwait(false);

        await outbox.DmAsync("mentee", r.MenteeSlackId,
            $":tada: Good news: {Mrkdwn.User(mentor)} is your mentor for request {r.Reference} ({Mrkdwn.Escape(r.Service)}).",
            BlockKit.Blocks(
            [
                BlockKit.Section($":tada: Good news: {Mrkdwn.User(mentor)} is your mentor for request *{r.Reference}* ({Mrkdwn.Escape(r.Service)}). " +
                    "They will message you here in Slack to set up a 30-minute session; you're welcome to message them first. " +
                    "Once you've agreed on a time, press *We've set a time* and I'll remind you both before it."),
                BlockKit.Actions("session_time_actions", RequestButtons.SetTimeButton(r.Reference)),
            ]), ct).ConfigureAwait(false);
        return new PairingNews(cardProblem, null, group.Refusal);
    }

    /// <summary>
    /// Before a pairing is written: opens the pair's group DM and folds recording it into the pairing's own write, so the
    /// pairing and the conversation are one write, with the intents of the messages announcing it. Opening a conversation
    /// shows nobody anything until something is posted in it, so one opened for a pairing that then loses a race is
    /// harmless. When Slack does not answer, the pairing is written alone and the announcement opens the conversation.
    /// </summary>
    public async Task<Decision> WithConversationAsync(Outbox outbox, Decision pairing, CancellationToken ct)
    {
        if (pairing.NewClaimer is not { } mentor) return pairing;
        GroupDm group;
        try
        {
            group = await OpenConversationAsync(outbox, mentor, pairing.Result.Request.MenteeSlackId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogConversationLater(log, pairing.Result.Reference, e.Message);
            return pairing;
        }
        var both = changes.Then(pairing, Actor.Bot, new RequestCommand.RecordConversation(group.ChannelId, mentor));
        if (!ReferenceEquals(both, pairing)) outbox.Changed("conversation");
        return both;
    }

    /// <summary>
    /// The pair's group DM, opened once (Slack's answer is kept in the work's progress), with the messages that follow it
    /// intended, so their intents reach disk with the next write: the pairing's, or the conversation's.
    /// </summary>
    private static async Task<GroupDm> OpenConversationAsync(Outbox outbox, string mentor, string mentee, CancellationToken ct)
    {
        var group = await outbox.OpenGroupDmAsync("group-dm", [mentor, mentee], ct).ConfigureAwait(false);
        if (group.ChannelId is not null) outbox.Intend("intro");
        else outbox.Intend("mentee");
        outbox.Intend("mentor");
        return group;
    }

    /// <summary>The introduction in the pair's group DM: who the mentor is, what was asked, what happens next, and its buttons.</summary>
    private (string Text, JsonArray Blocks) Introduction(MentorRequest r, Mentor? profile, string? assignedBy)
    {
        var (mentor, mentee) = (Mrkdwn.User(r.ClaimedBy!), Mrkdwn.User(r.MenteeSlackId));
        var by = assignedBy is null ? "" : $" (paired by {Mrkdwn.User(assignedBy)})";
        var bio = string.IsNullOrWhiteSpace(profile?.Bio) ? "_No bio yet._" : Mrkdwn.Quote(profile.Bio, 1500);
        var zone = string.IsNullOrWhiteSpace(profile?.TimeZone) ? "not given" : Mrkdwn.Escape(profile.TimeZone);
        var remind = FollowUpLadder.Describe(schedule.CurrentValue.RemindBefore);
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($":wave: {mentee}, meet {mentor}, your mentor for *{r.Reference}*{by}. {mentor}, meet {mentee}. This conversation is for the two of you."),
            BlockKit.Section($"*About {mentor}*\n{bio}\n*Time zone:* {zone}"),
        };
        blocks.AddRange(RequestCard.Describe(r));
        blocks.Add(BlockKit.Section("*What happens next*\n" +
            "• Agree here on a time for a 30-minute session: a Slack chat, a call, or screen sharing for pair programming.\n" +
            $"• Once you have, either of you presses *We've set a time*: I'll show it to you both and remind you here {remind} before.\n" +
            $"• {mentor}: if you can't reach {mentee}, press *Can't reach them* and I'll nudge them."));
        blocks.Add(BlockKit.Actions("session_actions", RequestButtons.SetTimeButton(r.Reference), RequestButtons.CantReachButton(r.Reference)));
        blocks.Add(BlockKit.Context($"{r.Reference} · Only {mentor} can use *Can't reach them*."));
        return ($"{mentee}, meet {mentor}, your mentor for {r.Reference}.", BlockKit.Blocks(blocks));
    }

    /// <summary>A link to the introduction when Slack gives one (a read, so safe to repeat); otherwise the words alone.</summary>
    private async Task<string> LinkAsync(string channel, string ts, string words, CancellationToken ct)
    {
        try
        {
            var answer = await slack.CallFormAsync("chat.getPermalink", new Dictionary<string, string> { ["channel"] = channel, ["message_ts"] = ts }, ct).ConfigureAwait(false);
            return answer["permalink"]?.ToString() is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out _) ? $"<{url}|{words}>" : words;
        }
        catch (SlackApiException e) when (e.IsRefusal)
        {
            return words;
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack refused a group DM for {Reference} ({Error}); the mentor and the mentee were each told by DM instead. Group DMs need the mpim:write scope (slack-manifest.yml) and a workspace that allows them")]
    private static partial void LogGroupDmRefused(ILogger log, string reference, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open the pair's conversation before recording {Reference}'s pairing ({Error}); the pairing is recorded now and the conversation follows")]
    private static partial void LogConversationLater(ILogger log, string reference, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released by {ReleasedBy} from mentor {MentorId}; open again")]
    private static partial void LogReleased(ILogger log, string mentorId, string releasedBy);
}
