using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Sessions;

/// <summary>
/// "We've set a time", in the pair's group DM (or their DMs, or a reminder): opens the date and time pickers straight
/// after the acknowledgement, since the trigger expires in 3 seconds. Nothing changes until the modal is submitted.
/// </summary>
public sealed class SetTimeAction(SetTimeModal modal) : IBlockActionHandler
{
    public const string Id = RequestButtons.SetTime;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("We've set a time needs the request in 'value'.");
        var trigger = action.Interaction.TriggerId ?? throw new SlackPayloadException("We've set a time needs 'trigger_id'.");
        var press = Press.Of(action, reference);
        return Task.FromResult(Handled.Later("open the session time form", work => modal.OpenAsync(press, trigger, work)));
    }
}

/// <summary>
/// The modal's submission: a date and a time that don't make a moment, or a moment already past, are answered inside
/// the modal (nothing is lost); a good one becomes durable work that records it.
/// </summary>
public sealed class SetTimeSubmission(SetTimeModal modal, TimeProvider clock) : IViewSubmissionHandler
{
    public string CallbackId => SetTimeModal.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var meta = SetTimeModal.ReadMetadata(submission.PrivateMetadata) ?? throw new SlackPayloadException("The session time modal's private_metadata is missing or not valid.");
        var zone = modal.ZoneOf(meta);
        var state = submission.State;
        var (at, dateProblem, timeProblem) = zone.Read(
            state.Field(SetTimeModal.DateBlock, SetTimeModal.DateAction, "selected_date"),
            state.Field(SetTimeModal.TimeBlock, SetTimeModal.TimeAction, "selected_time"));
        var errors = new Dictionary<string, string>();
        if (dateProblem is not null) errors[SetTimeModal.DateBlock] = dateProblem;
        if (timeProblem is not null) errors[SetTimeModal.TimeBlock] = timeProblem;
        if (at is { } chosen && chosen <= clock.GetUtcNow())
            errors[SetTimeModal.TimeBlock] = $"{SlackDates.Plain(chosen, zone.Zone)} has already passed. Pick a time later than now ({SlackDates.Plain(clock.GetUtcNow(), zone.Zone)}).";
        if (errors.Count > 0) return Task.FromResult<Handled>(SlackAck.Errors(errors));

        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        var press = new Press(meta.Reference, submission.UserId, meta.FromHome ? null : meta.Channel, null, meta.FromHome) { At = at };
        return Task.FromResult(Handled.Later(press.Work(SetTimeJob.KindName, $"{SetTimeJob.KindName}:{viewId}", "view " + CallbackId)));
    }
}

/// <summary>
/// Records the time (a new one replaces the old and re-arms the reminder), then tells the pair in their conversation (or
/// each by DM), shows the time on the channel card, and tells a coordinator who set it for them.
/// </summary>
public sealed class SetTimeJob(PressKit kit, ChannelCard card, IOptionsMonitor<ScheduleOptions> schedule, ILogger<SetTimeJob> log) : PressJob(kit, log)
{
    public const string KindName = "session-time";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.SetTime(press.At ?? throw new InvalidOperationException("A session time press carries its time."));

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (r, session, outbox, setBy) = (done.Request, done.After.Session, done.Outbox, done.Press.User);
        var at = session.SessionAt!.Value;
        var (text, blocks) = SessionTime.Confirmation(r, at, setBy, changed: done.Before.Session.SessionAt is not null, schedule.CurrentValue.RemindBefore);
        foreach (var (channel, user) in SessionTime.Audience(r, session))
        {
            if (channel is not null) await outbox.PostAsync("confirm", channel, text, blocks, ct: ct).ConfigureAwait(false);
            else await outbox.DmAsync("confirm-" + user, user!, text, blocks, ct).ConfigureAwait(false);
        }
        var cardProblem = await card.TryUpdateAsync(outbox, r, RequestCard.Claimed(r, session), ct).ConfigureAwait(false);
        if (setBy != r.ClaimedBy && setBy != r.MenteeSlackId)
            await Kit.ReplyAsync(outbox, done.Press, "reply",
                $":calendar: Set the session for {r.Reference} to {SlackDates.When(at)}; I've told {Mrkdwn.User(r.ClaimedBy!)} and {Mrkdwn.User(r.MenteeSlackId)}." +
                (cardProblem is null ? "" : $" ({cardProblem})"), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why switch
        {
            Refusal.TimeInPast => $"By the time I could save it, {SlackDates.When(press.At!.Value)} had already passed, so the time for {r.Reference} wasn't changed. Press *We've set a time* again and pick a later one.",
            Refusal.NotAllowed => $"Only {Mrkdwn.User(r.ClaimedBy!)}, {Mrkdwn.User(r.MenteeSlackId)} or a mentor coordinator can set the time for {r.Reference}. Nothing was changed.",
            _ => $"{r.Reference} is {RequestStatusText.Word(r.Status)} now, so the session time wasn't saved.",
        });
    }
}
