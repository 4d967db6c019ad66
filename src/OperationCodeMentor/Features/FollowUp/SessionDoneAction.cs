using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>"Session done", from the mentor's claim DM or a nudge: the request is completed and the mentee asked how it went.</summary>
public sealed class SessionDoneAction : IBlockActionHandler
{
    public const string Id = RequestButtons.SessionDone;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("Session done needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(SessionDoneJob.KindName, Press.KeyOf(SessionDoneJob.KindName, action), "action " + Id)));
    }
}

public sealed class SessionDoneJob(PressKit kit, RequestEnding ending, ILogger<SessionDoneJob> log) : PressJob(kit, log)
{
    public const string KindName = "session-done";

    public override string Kind => KindName;

    protected override Task<RequestCommand> CommandAsync(Press press, CancellationToken ct) => Task.FromResult<RequestCommand>(new RequestCommand.CompleteSession());

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var r = done.Request;
        await ending.AnnounceCompletedAsync(done.Outbox, r, done.Press.User, ct).ConfigureAwait(false);
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":tada: Marked {r.Reference} done. Thank you for mentoring! I've asked {Mrkdwn.User(r.MenteeSlackId)} how it went.", ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why == Refusal.NotAllowed
            ? $"Only {Mrkdwn.User(r.ClaimedBy!)}, who has {r.Reference}, or a mentor coordinator can mark its session done. Nothing was changed."
            : r.Status == RequestStatus.Completed
                ? $"{r.Reference} is already marked done. Thank you!"
                : $"{r.Reference} isn't claimed right now, so there's no session to mark done.");
    }
}
