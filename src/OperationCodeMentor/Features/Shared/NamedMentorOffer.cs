using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// A request for a mentor the mentee named goes to that mentor first, by DM with <b>Claim</b> and <b>Not this time</b>.
/// The intake sends the offer; the mentor's Claim is the usual claim; "Not this time" and the follow-up sweep (once
/// <c>Mentorship:NamedMentorWait</c> has passed) both hand the request to the mentors channel through
/// <see cref="OfferEndJob"/>.
/// </summary>
public static class NamedMentorOffer
{
    /// <summary>The DM offering the request to the named mentor.</summary>
    public static (string Text, JsonArray Blocks) Message(MentorRequest r, string mentor, TimeSpan wait)
    {
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($":raised_hand: {Mrkdwn.User(r.MenteeSlackId)} asked for you by name: would you take mentorship request *{r.Reference}*?", "offer-" + r.Reference),
        };
        blocks.AddRange(RequestCard.Describe(r));
        blocks.Add(BlockKit.Actions("offer_actions", RequestButtons.ClaimButton(r), RequestButtons.NotThisTimeButton(r.Reference)));
        blocks.Add(BlockKit.Context($"Nobody else sees it yet. If you pass, or haven't claimed it within {FollowUpLadder.Describe(wait)}, " +
            "it goes to the mentors channel as usual, and the mentee is told."));
        return ($"{Mrkdwn.User(r.MenteeSlackId)} asked for you by name: would you take {r.Reference}?", BlockKit.Blocks(blocks));
    }

    /// <summary>The hand-over to the channel once the wait has run out: one per request, however often the sweep asks.</summary>
    public static DurableWork WaitRanOut(string reference) =>
        new Press(reference, Actor.Bot.UserId).Work(OfferEndJob.KindName, "offer-wait:" + reference, "follow-up " + nameof(FollowUpStep.EndOffer));
}

/// <summary>
/// The offer to the named mentor ends (they passed, or the wait ran out): the lifecycle records it and starts the open
/// ladder, then the card is posted to the mentors channel as usual (without the mentor who passed), the mentee is told,
/// and so is the mentor, each once.
/// </summary>
public sealed class OfferEndJob(PressKit kit, CardPoster poster, IOptionsMonitor<ScheduleOptions> schedule, ILogger<OfferEndJob> log) : PressJob(kit, log)
{
    public const string KindName = "end-offer";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.EndOffer();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var r = done.Request;
        var named = done.After.Session.PreferredMentor!;
        var declined = done.Press.User == named;
        var passed = new HashSet<string>(StringComparer.Ordinal) { named };
        var mentioned = await poster.MentionsAsync(r, passed, ct).ConfigureAwait(false);
        var post = await poster.PostAsync(done.Outbox, r, mentioned,
            declined ? ":arrow_right: The mentee asked for a particular mentor first, who can't take it this time."
                     : ":arrow_right: The mentee asked for a particular mentor first, who hasn't been able to take it.", ct).ConfigureAwait(false);
        await Kit.Changes.ApplyAsync(r.Reference, Actor.Bot, new RequestCommand.RecordPost(post), changeKey: null, ct).ConfigureAwait(false);

        var why = declined
            ? $"{Mrkdwn.User(named)} can't take *{r.Reference}* this time"
            : $"{Mrkdwn.User(named)} hasn't been able to take *{r.Reference}* within {FollowUpLadder.Describe(schedule.CurrentValue.NamedMentorWait)}";
        await done.Outbox.DmAsync("mentee", r.MenteeSlackId,
            $":arrow_right: An update on your mentor request: {why}, so I've shared it with all our mentors who have those skills. " +
            "I'll DM you as soon as one of them claims it.", ct: ct).ConfigureAwait(false);
        if (declined)
            await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
                $"Thanks for letting us know. {r.Reference} has gone to the mentors channel, and {Mrkdwn.User(r.MenteeSlackId)} has been told.", ct).ConfigureAwait(false);
        else
            await done.Outbox.DmAsync("mentor", named,
                $"{r.Reference} from {Mrkdwn.User(r.MenteeSlackId)} wasn't claimed in time, so it has gone to the mentors channel. You can still claim it there if you're free.",
                ct: ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why switch
        {
            Refusal.NotAllowed => $"{r.Reference} was offered to {Mrkdwn.User(current.Session.PreferredMentor ?? "")}; only they or a mentor coordinator can pass it on. Nothing was changed.",
            Refusal.AlreadyClaimed => $"{r.Reference} is already claimed by {(r.ClaimedBy == press.User ? "you" : Mrkdwn.User(r.ClaimedBy!))}, so there's nothing to pass on.",
            Refusal.NotOffered => $"{r.Reference} has already gone to the mentors channel. Thanks!",
            _ => $"{r.Reference} is {RequestStatusText.Word(r.Status)}, so there's nothing to pass on.",
        });
    }
}
