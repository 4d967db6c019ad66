using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// "Session done", from the mentor's claim DM or a nudge: opens the session report (<see cref="SessionReportModal"/>) for
/// the claimer or a coordinator. The request is completed when the report is filed.
/// </summary>
public sealed class SessionDoneAction(SessionReportModal modal) : IBlockActionHandler
{
    public const string Id = RequestButtons.SessionDone;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct) => Task.FromResult(modal.Open(action));
}

/// <summary>
/// The filed report: a problem goes back into the modal, which stays open with what was typed; a valid report becomes
/// durable work keyed by the view (the same view submitted twice is one piece of work), in the request's lane.
/// </summary>
public sealed class SessionReportSubmission : IViewSubmissionHandler
{
    public string CallbackId => SessionReportModal.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var origin = ModalOrigin.Read(submission.PrivateMetadata) ?? throw new SlackPayloadException("The report's private_metadata is missing or not valid.");
        var (report, errors) = SessionReportModal.Read(submission.State);
        if (report is null) return Task.FromResult<Handled>(SlackAck.Errors(errors));
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        var press = origin.PressBy(submission.UserId) with { Report = report };
        return Task.FromResult(Handled.Later(press.Work(SessionReportJob.KindName, $"{SessionReportJob.KindName}:{viewId}", "view " + CallbackId)));
    }
}

/// <summary>
/// The report filed: the session is marked done with it (or, for a session already marked done, the report is added),
/// then, each once: the card, the mentee's "How did it go?" (with Rate this session), the goals to the mentee, and the
/// mentor's thanks. The mentee never hears what was covered or the notes for coordinators.
/// </summary>
public sealed class SessionReportJob(PressKit kit, RequestEnding ending, ILogger<SessionReportJob> log) : PressJob(kit, log)
{
    public const string KindName = "session-report";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.CompleteSession(press.Report);

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var r = done.Request;
        var justDone = done.Before.Request.Status != RequestStatus.Completed;
        if (justDone) await ending.AnnounceCompletedAsync(done.Outbox, r, done.Press.User, ct).ConfigureAwait(false);
        var goals = done.After.Session.Report?.Goals ?? [];
        if (goals.Count > 0)
        {
            var mentor = r.ClaimedBy ?? done.Press.User;
            await done.Outbox.DmAsync("goals", r.MenteeSlackId, $"Your goals from today's session with {Mrkdwn.User(mentor)} ({r.Reference})",
                BlockKit.Blocks(
                [
                    BlockKit.Section($":dart: *Your goals from today's session with {Mrkdwn.User(mentor)}* ({r.Reference}):\n{SessionReportText.GoalLines(goals)}"),
                    BlockKit.Context("Your next mentor will see these too, so your next session can start from where you got to."),
                ]), ct).ConfigureAwait(false);
        }
        var told = justDone ? $" I've asked {Mrkdwn.User(r.MenteeSlackId)} how it went" + (goals.Count > 0 ? " and sent them the goals you agreed." : ".")
            : goals.Count > 0 ? $" I've sent {Mrkdwn.User(r.MenteeSlackId)} the goals you agreed." : "";
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":tada: Thank you for mentoring! Your report on {r.Reference} is filed{(justDone ? " and the session marked done" : "")}; only the coordinators see it.{told}",
            ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(SessionReportModal.RefusalSentence(why, current));
}

/// <summary>
/// A "Session done" press recorded before Session done opened the report: on disk in a queue from an earlier version, it
/// still completes the session (without a report, which a coordinator can ask the mentor for).
/// </summary>
public sealed class SessionDoneJob(PressKit kit, RequestEnding ending, ILogger<SessionDoneJob> log) : PressJob(kit, log)
{
    public const string KindName = "session-done";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.CompleteSession();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var r = done.Request;
        await ending.AnnounceCompletedAsync(done.Outbox, r, done.Press.User, ct).ConfigureAwait(false);
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":tada: Marked {r.Reference} done. Thank you for mentoring! I've asked {Mrkdwn.User(r.MenteeSlackId)} how it went.", ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(current.Request.Status == RequestStatus.Completed ? $"{current.Reference} is already marked done. Thank you!" : SessionReportModal.RefusalSentence(why, current));
}
