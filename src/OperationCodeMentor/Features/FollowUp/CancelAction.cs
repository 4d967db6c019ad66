using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// "Cancel my request", from the mentee's confirmation DM: an open request leaves every follow-up and the channel is
/// told. A coordinator pressing it closes the request, as <c>/mentor-admin close</c> does.
/// </summary>
public sealed class CancelAction : IBlockActionHandler
{
    public const string Id = RequestButtons.Cancel;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("Cancel needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(CancelJob.KindName, Press.KeyOf(CancelJob.KindName, action), "action " + Id)));
    }
}

public sealed class CancelJob(PressKit kit, RequestEnding ending, ILogger<CancelJob> log) : PressJob(kit, log)
{
    public const string KindName = "cancel";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Cancel();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var r = done.Request;
        var by = done.Press.User;
        var reason = done.After.Outcome.CloseReason;
        var news = await ending.AnnounceClosedAsync(done.Outbox, r, by, reason, ct).ConfigureAwait(false);
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply", by == r.MenteeSlackId
            ? $"Cancelled {r.Reference}; mentors won't be asked about it any more. If you need help later, type `/mentor` any time."
            : RequestEnding.ClosedSentence(r, reason, news), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why switch
        {
            Refusal.NotAllowed => $"Only {Mrkdwn.User(r.MenteeSlackId)}, who asked for {r.Reference}, or a mentor coordinator can cancel it. Nothing was changed.",
            _ when press.User != r.MenteeSlackId => $"{r.Reference} is already {RequestStatusText.Word(r.Status)}; nothing to close.",
            _ when r.Status == RequestStatus.Claimed =>
                $"{r.Reference} has already been claimed by {Mrkdwn.User(r.ClaimedBy!)}. If you no longer need the session, please let them know in a DM.",
            _ => $"Nothing to cancel: {RequestStatusText.Sentence(r)}",
        });
    }
}
