using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// A coordinator pairs a request with a mentor (from <c>/mentor-admin assign</c>, or Assign to… wherever a request is
/// shown to them): the mentor and the mentee get the same DMs as for a claim. It only takes an open request, so a
/// mentor who clicked first keeps it; from a stuck-claim report it moves the claim, but only from the mentor reported.
/// </summary>
public sealed class AssignJob(PressKit kit, Pairing pairing, ILogger<AssignJob> log) : PressJob(kit, log)
{
    public const string KindName = "assign";

    public override string Kind => KindName;

    protected override string? LoadOf(Press press) => press.Mentor;

    protected override RequestCommand Command(Press press, MentorLoad? load) => new RequestCommand.Assign(press.Mentor!, load, press.ExpectedClaimer);

    /// <summary>As for a claim, the pair's conversation is recorded with the assignment itself.</summary>
    protected override Task<Decision> BeforeWriteAsync(Decision change, Press press, Outbox outbox, CancellationToken ct) =>
        pairing.WithConversationAsync(outbox, change, ct);

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (r, coordinator, mentor) = (done.Request, done.Press.User, done.Request.ClaimedBy!);
        var news = await pairing.AnnounceClaimAsync(done.Outbox, done.After, coordinator, ct, done.Mentor, done.Read).ConfigureAwait(false);
        var previous = done.Before.Request.Status == RequestStatus.Claimed ? done.Before.Request.ClaimedBy : null;
        if (previous is not null)
        {
            await done.Outbox.DmAsync("previous", previous, $"{Mrkdwn.User(coordinator)} has passed {r.Reference} from {Mrkdwn.User(r.MenteeSlackId)} to {Mrkdwn.User(mentor)}, " +
                "so you don't need to follow up on it. Thank you for your time!", ct: ct).ConfigureAwait(false);
        }
        var notes = new List<string>();
        if (await Kit.Store.GetMentorLoadAsync(mentor, ct).ConfigureAwait(false) is { } load)
        {
            if (load.Mentor.Paused) notes.Add("they're paused, so check they're happy to take it");
            if (load.OpenClaims > load.Mentor.MaxMentees) notes.Add($"this puts them over their limit ({load.OpenClaims} of {load.Mentor.MaxMentees} mentees)");
        }
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":handshake: Paired {r.Reference} with {Mrkdwn.User(mentor)}. " +
            (news.ConversationId is not null
                ? "I've introduced them in a group DM, as for a claim"
                : $"I've DMed them both, as for a claim (Slack refused a group DM: `{Mrkdwn.Escape(news.GroupDmRefusal ?? "unknown")}`)") +
            (previous is null ? "." : $", and told {Mrkdwn.User(previous)} they can let it go.") +
            (notes.Count > 0 ? $" Note: {string.Join("; ", notes)}." : "") + (news.CardProblem is null ? "" : $" ({news.CardProblem})"), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var (r, mentor) = (current.Request, press.Mentor!);
        return Task.FromResult(why switch
        {
            Refusal.NotAllowed => AdminGuard.Refusal,
            Refusal.NotEnrolled => $"{Mrkdwn.User(mentor)} isn't enrolled as a mentor, so I can't pair them. Ask them to type `/mentor-volunteer` first, then assign {r.Reference} again.",
            Refusal.OwnRequest => $"{Mrkdwn.User(mentor)} asked for {r.Reference} themselves; choose another mentor.",
            Refusal.AlreadyTheirs => $"{r.Reference} is already with {Mrkdwn.User(mentor)}.",
            Refusal.AlreadyClaimed => $"{r.Reference} is claimed by {Mrkdwn.User(r.ClaimedBy!)}. To move it, press *Release* on its card in the mentors channel, then assign it.",
            _ => $"{r.Reference} is {RequestStatusText.Word(r.Status)}. Reopen it first with `/mentor-admin reopen {r.Reference}` if it still needs a mentor.",
        });
    }

    protected override string NotFound(Press press) => CoordinatorJobs.NotFound(press);
}

/// <summary>A coordinator closes a request that no longer needs a mentor: its card says who and why, and the people involved are told.</summary>
public sealed class CloseJob(PressKit kit, RequestEnding ending, ILogger<CloseJob> log) : PressJob(kit, log)
{
    public const string KindName = "close";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Close(press.Text);

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var reason = done.After.Outcome.CloseReason;
        var news = await ending.AnnounceClosedAsync(done.Outbox, done.Request, done.Press.User, reason, ct).ConfigureAwait(false);
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply", RequestEnding.ClosedSentence(done.Request, reason, news), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(why == Refusal.NotAllowed
            ? AdminGuard.Refusal
            : $"{current.Reference} is already {RequestStatusText.Word(current.Request.Status)}; nothing to close.");

    protected override string NotFound(Press press) => CoordinatorJobs.NotFound(press);
}

/// <summary>A coordinator puts a closed request back in the queue: its card gets its Claim button back and the matching mentors are mentioned again.</summary>
public sealed class ReopenJob(PressKit kit, CardPoster poster, ChannelCard card, ILogger<ReopenJob> log) : PressJob(kit, log)
{
    public const string KindName = "reopen";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Reopen();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (r, coordinator, outbox) = (done.Request, done.Press.User, done.Outbox);
        var mentioned = await poster.MentionsAsync(r, exclude: null, ct).ConfigureAwait(false);
        string? cardProblem = null;
        if (r.ChannelId is null || r.MessageTs is null)
        {
            // It never made it to the channel: post it now, as a new request would be.
            var post = await poster.PostAsync(outbox, r, mentioned, note: null, ct).ConfigureAwait(false);
            await Kit.Changes.ApplyAsync(r.Reference, Actor.Bot, new RequestCommand.RecordPost(post), changeKey: null, ct).ConfigureAwait(false);
        }
        else
        {
            var line = RequestCard.MentionLine(mentioned, Kit.People.Coordinators);
            cardProblem = await card.TryUpdateAsync(outbox, r, RequestCard.Open(r, line, $":leftwards_arrow_with_hook: Reopened by {Mrkdwn.User(coordinator)}."), ct).ConfigureAwait(false);
            if (cardProblem is null)
                await outbox.PostAsync("thread", r.ChannelId,
                    $":leftwards_arrow_with_hook: {r.Reference} was reopened by {Mrkdwn.User(coordinator)} and needs a mentor. {Mrkdwn.Users(mentioned)}".TrimEnd(),
                    threadTs: r.MessageTs, ct: ct).ConfigureAwait(false);
        }
        await outbox.DmAsync("mentee", r.MenteeSlackId,
            $"Good news: your mentor request {r.Reference} ({Mrkdwn.Escape(r.Service)}) is open again, so our mentors can claim it. I'll tell you who picks it up.",
            ct: ct).ConfigureAwait(false);
        var who = mentioned.Count == 0 ? "No available mentor lists its skills, so the coordinators were mentioned." : $"I mentioned {mentioned.Count} matching mentor{(mentioned.Count == 1 ? "" : "s")}.";
        await Kit.ReplyAsync(outbox, done.Press, "reply",
            $":leftwards_arrow_with_hook: Reopened {r.Reference}; it's back in the queue. {who} I've told {Mrkdwn.User(r.MenteeSlackId)}." + (cardProblem is null ? "" : $" ({cardProblem})"),
            ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why == Refusal.NotAllowed ? AdminGuard.Refusal : r.Status switch
        {
            RequestStatus.Open => $"{r.Reference} is already open.",
            RequestStatus.Claimed => $"{r.Reference} is claimed by {Mrkdwn.User(r.ClaimedBy!)}, not closed; there's nothing to reopen.",
            _ => $"{r.Reference} is {RequestStatusText.Word(r.Status)}. For a follow-up session the mentee can send a new `/mentor` request.",
        });
    }

    protected override string NotFound(Press press) => CoordinatorJobs.NotFound(press);
}

/// <summary>
/// A coordinator's question about a request goes to its mentee by DM, signed, so they can answer the coordinator
/// directly (seed: reach out to mentees whose requests lack the detail needed to pair them). Nothing about the request changes.
/// </summary>
public sealed class AskDetailsJob(PressKit kit) : IJobHandler
{
    public const string KindName = "ask-details";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var press = job.Payload<Press>();
        var progress = job.Progress(new PressProgress());
        var outbox = kit.Outbox(job, progress);
        var tracked = await kit.Store.GetRequestAsync(press.Reference, ct).ConfigureAwait(false);
        if (tracked is null)
        {
            await kit.ReplyAsync(outbox, press, "gone", CoordinatorJobs.NotFound(press), ct).ConfigureAwait(false);
            return;
        }
        var r = tracked.Request;
        await outbox.DmAsync("question", r.MenteeSlackId,
            $":speech_balloon: {Mrkdwn.User(press.User)}, from the mentorship team, has a question about your mentor request *{r.Reference}*:\n" +
            $"{Mrkdwn.Quote(press.Text ?? "", CoordinatorModal.MaxText + 500)}\n\n" +
            $"Please reply to {Mrkdwn.User(press.User)} in a direct message; the more we know, the faster we can pair you with the right mentor.",
            ct: ct).ConfigureAwait(false);
        await kit.ReplyAsync(outbox, press, "reply",
            $"Sent your question about {r.Reference} to {Mrkdwn.User(r.MenteeSlackId)}; they've been asked to reply to you directly.", ct).ConfigureAwait(false);
        await kit.RedrawHomeAsync(press, ct).ConfigureAwait(false);
    }
}

internal static class CoordinatorJobs
{
    public static string NotFound(Press press) => $"I can't find {press.Reference}. `/mentor-admin open` lists the open requests.";
}
