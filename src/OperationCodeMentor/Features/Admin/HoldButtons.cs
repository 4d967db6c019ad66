using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>"Hold…" beside a request (App Home, the queue, the follow-up DMs): a small modal asks until which day.</summary>
public sealed class HoldAction(CoordinatorModal modal, IOptionsMonitor<CoordinationOptions> program, TimeProvider clock) : IBlockActionHandler
{
    public const string Id = RequestButtons.Hold;
    public const string CallbackId = "admin_hold_modal";
    public const string DateBlock = "until";
    public const string DateAction = "date";
    public const string ReasonBlock = "reason";
    public const string ReasonAction = "value";
    public const int MaxReason = 500;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct) => Task.FromResult(modal.OpenView(action, "open hold modal", (r, meta) =>
    {
        var zone = program.CurrentValue.Zone;
        var weekOut = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime).AddDays(7);
        return BlockKit.Modal(CallbackId, $"Hold {r.Reference}",
        [
            BlockKit.Section($"Put *{r.Reference}* ({Mrkdwn.EscapeAndTruncate(r.Service, 200)}) from {Mrkdwn.User(r.MenteeSlackId)} on hold? " +
                "Until the day you pick, nobody is reminded about it: no bumps, notices, escalations, nudges or stuck-claim reports. " +
                $"It comes back by itself at {HoldDate.ResumeHour:D2}:00 ({program.CurrentValue.TimeZone}) that day, and you're told."),
            BlockKit.Input(DateBlock, "On hold until", BlockKit.DatePicker(DateAction, "Pick a day", weekOut)),
            BlockKit.Input(ReasonBlock, "Why (shown on its card)", BlockKit.TextInput(ReasonAction, "For example: the mentee is travelling until then.", maxLength: MaxReason), optional: true),
        ], submit: "Put on hold", privateMetadata: meta);
    }));
}

/// <summary>The Hold… modal sent: a day that has passed (or is over a year away) is refused in the modal; otherwise the hold is durable work.</summary>
public sealed class HoldSubmission(People people, IOptionsMonitor<CoordinationOptions> program, TimeProvider clock) : IViewSubmissionHandler
{
    public string CallbackId => HoldAction.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var meta = CoordinatorModal.ReadMetadata(submission.PrivateMetadata) ?? throw new SlackPayloadException("The modal's private_metadata is missing or not valid.");
        if (!people.IsStaff(submission.UserId)) return Task.FromResult<Handled>(Error(AdminGuard.Refusal));
        var typed = submission.State.Date(HoldAction.DateBlock, HoldAction.DateAction);
        if (!HoldDate.TryParse(typed, program.CurrentValue.Zone, clock.GetUtcNow(), out var until, out var error))
            return Task.FromResult<Handled>(Error(typed is null ? "Pick the day the hold ends." : error.Replace("`", "", StringComparison.Ordinal)));
        var reason = submission.State.Text(HoldAction.ReasonBlock, HoldAction.ReasonAction)?.Trim();
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        var press = new Press(meta.Reference, submission.UserId, null, meta.ResponseUrl, meta.FromHome)
        {
            Until = until,
            Text = string.IsNullOrEmpty(reason) ? null : reason,
        };
        return Task.FromResult(Handled.Later(press.Work(HoldJob.KindName, $"{HoldJob.KindName}:{viewId}", "view " + CallbackId)));
    }

    private static SlackAck Error(string message) => SlackAck.Errors(new Dictionary<string, string> { [HoldAction.DateBlock] = message });
}

/// <summary>"End hold" beside a request on hold: its follow-ups start again from now, as with <c>/mentor-admin resume</c>.</summary>
public sealed class EndHoldAction(AdminGuard guard) : IBlockActionHandler
{
    public const string Id = RequestButtons.EndHold;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("End hold needs the request in 'value'.");
        var origin = AdminOrigin.Of(action.Interaction);
        return Task.FromResult(guard.ForStaff(origin, () => origin.Press(reference).Work(ResumeJob.KindName, Press.KeyOf(ResumeJob.KindName, action), "action " + Id)));
    }
}
