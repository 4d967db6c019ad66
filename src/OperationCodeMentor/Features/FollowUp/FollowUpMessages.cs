using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>What each follow-up step says, and to whom.</summary>
public sealed partial class FollowUpMessages(
    IMentorshipStore store,
    MentorsChannel channel,
    IOptionsMonitor<MentorshipOptions> mentorship,
    IOptionsMonitor<ScheduleOptions> schedule,
    Reliability.WorkQueue queue,
    ILogger<FollowUpMessages> log) : IFollowUpMessages
{
    /// <summary>Slack shows at most this many mentions usefully in one message.</summary>
    private const int MaxBumpMentions = 30;

    public async Task<IReadOnlyList<StepMessage>> BuildAsync(TrackedRequest tracked, FollowUpStep step, DateTimeOffset now, CancellationToken ct)
    {
        var r = tracked.Request;
        var waited = FollowUpLadder.Describe(now - r.CreatedAt);
        var coordinators = mentorship.CurrentValue.Coordinators;
        switch (step)
        {
            case FollowUpStep.Bump:
                return [await BumpAsync(tracked, waited, ct).ConfigureAwait(false)];

            case FollowUpStep.NotifyCoordinators:
                if (coordinators.Count == 0) LogNobody(log, r.Reference, "coordinator notice", "Mentorship:Coordinators");
                var notice = Staff(r, $":bell: *{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)} has waited {waited} and nobody has claimed it yet.",
                    "Assign a mentor, ask the mentee for more details, or close it.");
                return [.. coordinators.Select(c => StepMessage.Dm(c, $"{r.Reference} has waited {waited} for a mentor", notice)), MenteeReassurance(r)];

            case FollowUpStep.Escalate:
                var contacts = schedule.CurrentValue.EscalationContacts;
                if (contacts.Count == 0)
                {
                    LogNoEscalationContacts(log, r.Reference);
                    contacts = coordinators;
                    if (contacts.Count == 0) LogNobody(log, r.Reference, "escalation", "Mentorship:EscalationContacts or Mentorship:Coordinators");
                }
                var noticed = tracked.FollowUp.CoordinatorsNotifiedAt is { } at ? $" The coordinators were told {FollowUpLadder.Describe(now - at)} ago." : "";
                var escalation = Staff(r, $":rotating_light: *Escalation: {r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)} has waited {waited} without a mentor.{noticed}",
                    "Please help find someone: assign a mentor, ask the mentee for details, or close it.");
                return [.. contacts.Select(c => StepMessage.Dm(c, $"Escalation: {r.Reference} has waited {waited} without a mentor", escalation))];

            case FollowUpStep.NudgeMentor when r.ClaimedBy is { } mentor:
                var since = FollowUpLadder.Describe(now - (r.ClaimedAt ?? now));
                return [StepMessage.Dm(mentor, $"How is {r.Reference} going? You claimed it {since} ago.",
                [
                    BlockKit.Section($":wave: You claimed *{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)} {since} ago. Has the session happened?\n" +
                        "Press *Session done* once it has, or *Can't reach them* if they haven't answered you. If you can't take it after all, *Release* it so another mentor can."),
                    BlockKit.Actions("session_actions", RequestButtons.SessionDoneButton(r), RequestButtons.CantReachButton(r.Reference), RequestButtons.ReleaseButton(r)),
                ])];

            case FollowUpStep.ReportStuck when r.ClaimedBy is { } mentor:
                if (coordinators.Count == 0) LogNobody(log, r.Reference, "stuck claim report", "Mentorship:Coordinators");
                var stuck = Staff(r, $":warning: *{r.Reference}* was claimed by {Mrkdwn.User(mentor)} {FollowUpLadder.Describe(now - (r.ClaimedAt ?? now))} ago " +
                    "and no session has been marked done. The claim looks stuck.", "Check in with the mentor, release the request, or assign someone else.", claimed: true);
                return [.. coordinators.Select(c => StepMessage.Dm(c, $"{r.Reference}: the claim by {Mrkdwn.User(mentor)} looks stuck", stuck))];

            case FollowUpStep.RemindSession when r.ClaimedBy is not null && tracked.Session.SessionAt is { } sessionAt:
                // A bot that was down through the session has nothing useful to remind them of; the step is still recorded.
                if (sessionAt <= now) return [];
                var (text, blocks) = SessionTime.Reminder(r, sessionAt, now);
                return [.. SessionTime.Audience(r, tracked.Session).Select(to => to.Channel is { } conversation
                    ? new StepMessage(null, conversation, null, false, text, blocks)
                    : StepMessage.Dm(to.User!, text, blocks))];

            case FollowUpStep.Resume:
                return HoldEnded(tracked, coordinators);

            case FollowUpStep.EndOffer:
                // The hand-over is durable work of its own (the same as the mentor's "Not this time"): on disk before the
                // step is recorded done, and keyed by the request, so a resumed step hands it over once.
                await queue.EnqueueAsync(NamedMentorOffer.WaitRanOut(r.Reference)).ConfigureAwait(false);
                return [];

            default:
                return [];
        }
    }

    private async Task<StepMessage> BumpAsync(TrackedRequest tracked, string waited, CancellationToken ct)
    {
        var r = tracked.Request;
        var o = mentorship.CurrentValue;
        var bump = tracked.FollowUp.BumpCount + 1;
        // Each bump reaches further: more mentors, which brings in those who match only some of the skills.
        var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var exclude = await EarlierMentorAsync(tracked, ct).ConfigureAwait(false);
        var mentions = MentorMatcher.Match(r.Skills, loads, Math.Min(o.MaxMentions * bump, MaxBumpMentions), exclude)
            .Select(m => m.Mentor.SlackUserId).ToList();
        var ask = mentions.Count switch
        {
            0 => RequestCard.MentionLine(mentions, o.Coordinators),
            1 => $"{Mrkdwn.Users(mentions)}, could you take it?",
            _ => $"{Mrkdwn.Users(mentions)}, could one of you take it?",
        };
        var text = $":hourglass_flowing_sand: *{r.Reference}* is still waiting for a mentor, {waited}. {ask}";
        var blocks = new List<JsonObject> { BlockKit.Section(text) };
        var inThread = r.ChannelId is not null && r.MessageTs is not null;
        // A request whose first post never made it to the channel is shown in full, so this bump can stand alone.
        if (!inThread) blocks.AddRange(RequestCard.Describe(r));
        blocks.Add(BlockKit.Actions("request_actions", RequestButtons.ClaimButton(r)));
        blocks.Add(BlockKit.Context($"{r.Reference} · {Mrkdwn.EscapeAndTruncate(r.Service, 200)} · {Mrkdwn.EscapeAndTruncate(string.Join(", ", r.Skills), 500)} · bump {bump}"));
        var plain = $"{r.Reference} is still waiting for a mentor, {waited}. {(mentions.Count > 0 ? Mrkdwn.Users(mentions) : "")}".TrimEnd();
        return inThread
            ? new StepMessage(null, r.ChannelId, r.MessageTs, true, plain, blocks)
            : new StepMessage(null, await channel.GetIdAsync(ct).ConfigureAwait(false), null, false, plain, blocks);
    }

    /// <summary>For a request that follows up an earlier one, the mentor of that one, who is left out of the mentions.</summary>
    private async Task<IReadOnlySet<string>?> EarlierMentorAsync(TrackedRequest tracked, CancellationToken ct)
    {
        if (tracked.Outcome.FollowUpOf is not { } earlierReference) return null;
        var earlier = await store.GetRequestAsync(earlierReference, ct).ConfigureAwait(false);
        return earlier?.Request.ClaimedBy is { } m ? new HashSet<string>(StringComparer.Ordinal) { m } : null;
    }

    private static List<JsonObject> Staff(MentorRequest r, string headline, string hint, bool claimed = false)
    {
        var blocks = new List<JsonObject> { BlockKit.Section(headline) };
        blocks.AddRange(RequestCard.Describe(r));
        if (!claimed && r.MentionedMentors.Count > 0)
            blocks.Add(BlockKit.Context($"Mentioned when it was posted: {Mrkdwn.Users(r.MentionedMentors)}"));
        blocks.Add(BlockKit.Context(hint));
        blocks.Add(CoordinatorButtons.For(r));
        return blocks;
    }

    /// <summary>A hold ran out: the card loses its hold note, and the coordinator who held the request is told it is back.</summary>
    private static List<StepMessage> HoldEnded(TrackedRequest tracked, IReadOnlyList<string> coordinators)
    {
        var r = tracked.Request;
        var messages = new List<StepMessage>();
        if (r.ChannelId is { } channel && r.MessageTs is { } ts && RequestCard.Current(r, coordinators, note: null, tracked.Session) is { } card)
            messages.Add(StepMessage.Redraw(channel, ts, card.Text, card.Blocks.OfType<JsonObject>().Select(b => (JsonObject)b.DeepClone()).ToList()));
        if (tracked.Session.OnHoldBy is { } holder)
        {
            var state = r.Status == RequestStatus.Claimed && r.ClaimedBy is { } mentor ? $"It's still with {Mrkdwn.User(mentor)}" : "It's open again for mentors";
            messages.Add(StepMessage.Dm(holder, $"{r.Reference} is back from hold",
            [
                BlockKit.Section($":arrow_forward: *{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)} is back from the hold you put on it. " +
                    $"{state}, and its follow-ups start again from today."),
                .. RequestCard.Describe(r),
                CoordinatorButtons.For(r),
            ]));
        }
        return messages;
    }

    private static StepMessage MenteeReassurance(MentorRequest r) => StepMessage.Dm(r.MenteeSlackId,
        $"We received your mentor request {r.Reference} and we're still working on pairing you with a mentor.",
        [
            BlockKit.Section($":seedling: A quick update on your mentor request *{r.Reference}* ({Mrkdwn.Escape(r.Service)}): we received it and we're still working on " +
                "pairing you with a mentor who fits. A mentor coordinator is on it now. You don't need to do anything; I'll DM you as soon as a mentor takes it."),
            BlockKit.Actions("request_actions", RequestButtons.CancelButton(r.Reference)),
        ]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reference}: nobody to send the {Step} to; set {Key}")]
    private static partial void LogNobody(ILogger log, string reference, string step, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reference} needs escalating but Mentorship:EscalationContacts is empty; escalating to the coordinators instead")]
    private static partial void LogNoEscalationContacts(ILogger log, string reference);
}
