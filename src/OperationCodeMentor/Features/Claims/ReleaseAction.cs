using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Claims;

/// <summary>Release: the claimer (or a coordinator) gives a request back; it is open again and the mentee is told.</summary>
public sealed class ReleaseAction : IBlockActionHandler
{
    public const string Id = RequestButtons.Release;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("A Release click needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(ReleaseJob.KindName, Press.KeyOf(ReleaseJob.KindName, action), "action " + Id)));
    }
}

/// <summary>The release itself: the card is open again with the matching mentors mentioned (not the one who let it go).</summary>
public sealed class ReleaseJob(PressKit kit, Pairing pairing, CardPoster poster, ILogger<ReleaseJob> log) : PressJob(kit, log)
{
    public const string KindName = "release";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Release();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var previous = done.Before.Request.ClaimedBy!;
        var mention = await poster.MentionsAsync(done.Request, new HashSet<string>(StringComparer.Ordinal) { previous }, ct).ConfigureAwait(false);
        await pairing.AnnounceReleaseAsync(done.Outbox, done.Request, previous, done.Press.User, mention, ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why == Refusal.NotAllowed
            ? $"Only {Mrkdwn.User(r.ClaimedBy!)}, who claimed {r.Reference}, or a mentor coordinator can release it."
            : $"{r.Reference} isn't claimed right now, so there's nothing to release.");
    }
}
