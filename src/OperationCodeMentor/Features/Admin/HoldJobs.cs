using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// A coordinator puts a request on hold until a day (<c>/mentor-admin hold</c>, or Hold… on App Home): it leaves every
/// follow-up ladder until then, its card says so, and a mentor who holds it is told they won't be reminded meanwhile.
/// The sweep brings it back by itself when the day comes.
/// </summary>
public sealed class HoldJob(PressKit kit, ChannelCard card, ILogger<HoldJob> log) : PressJob(kit, log)
{
    public const string KindName = "hold";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Hold(press.Until ?? throw new InvalidOperationException("A hold needs its end."));

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (r, coordinator, until) = (done.Request, done.Press.User, done.After.Session.OnHoldUntil!.Value);
        var note = RequestCard.HoldNote(until, coordinator, done.Press.Text);
        var cardProblem = RequestCard.Current(r, Kit.People.Coordinators, note, done.After.Session) is { } drawn
            ? await card.TryUpdateAsync(done.Outbox, r, drawn, ct).ConfigureAwait(false)
            : null;
        if (r.Status == RequestStatus.Claimed && r.ClaimedBy is { } mentor && mentor != coordinator)
        {
            await done.Outbox.DmAsync("mentor", mentor,
                $":double_vertical_bar: {Mrkdwn.User(coordinator)} put *{r.Reference}* (with {Mrkdwn.User(r.MenteeSlackId)}) on hold until {SlackDates.When(until)}. " +
                "You won't get reminders about it until then; it's still yours.", ct: ct).ConfigureAwait(false);
        }
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":double_vertical_bar: {r.Reference} is on hold until {SlackDates.When(until)}: no bumps, notices, escalations, nudges or stuck-claim reports until then. " +
            $"It comes back by itself on that day and I'll tell you; `/mentor-admin resume {r.Reference}` ends the hold sooner." +
            (cardProblem is null ? "" : $" ({cardProblem})"), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(why switch
        {
            Refusal.NotAllowed => AdminGuard.Refusal,
            Refusal.TimeInPast => $"That day has already passed, so {current.Reference} was not put on hold. Choose a later day.",
            _ => $"{current.Reference} is {RequestStatusText.Word(current.Request.Status)}; only an open or claimed request can be put on hold.",
        });

    protected override string NotFound(Press press) => CoordinatorJobs.NotFound(press);
}

/// <summary>
/// A coordinator ends a hold early (<c>/mentor-admin resume</c>, or End hold on App Home): the request's follow-ups start
/// again from now, its card loses the hold note, and the coordinator who held it is told if it was someone else.
/// </summary>
public sealed class ResumeJob(PressKit kit, ChannelCard card, ILogger<ResumeJob> log) : PressJob(kit, log)
{
    public const string KindName = "resume-hold";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Resume();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (r, coordinator) = (done.Request, done.Press.User);
        var cardProblem = RequestCard.Current(r, Kit.People.Coordinators, note: null, done.After.Session) is { } drawn
            ? await card.TryUpdateAsync(done.Outbox, r, drawn, ct).ConfigureAwait(false)
            : null;
        if (done.Before.Session.OnHoldBy is { } holder && holder != coordinator)
        {
            await done.Outbox.DmAsync("holder", holder,
                $":arrow_forward: {Mrkdwn.User(coordinator)} ended the hold you put on *{r.Reference}*; its follow-ups start again from now.", ct: ct).ConfigureAwait(false);
        }
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":arrow_forward: {r.Reference} is off hold; its follow-ups start again from now." + (cardProblem is null ? "" : $" ({cardProblem})"), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(why == Refusal.NotAllowed ? AdminGuard.Refusal : $"{current.Reference} isn't on hold, so there's nothing to end.");

    protected override string NotFound(Press press) => CoordinatorJobs.NotFound(press);
}
