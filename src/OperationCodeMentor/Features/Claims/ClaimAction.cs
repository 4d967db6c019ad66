using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Claims;

/// <summary>
/// A mentor pressed Claim: on the card, on a bump in its thread, or on their App Home. The press is acknowledged at once
/// and done as durable work in the request's lane; the store's conditional write picks exactly one winner however many
/// clicks arrive, and everyone else is told, privately, who got there first.
/// </summary>
public sealed class ClaimAction : IBlockActionHandler
{
    public const string Id = RequestButtons.Claim;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("A Claim click needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(ClaimJob.KindName, Press.KeyOf(ClaimJob.KindName, action), "action " + Id)));
    }
}

/// <summary>The claim itself: the lifecycle decides, then the card shows the claim and the mentor and the mentee are told.</summary>
public sealed class ClaimJob(PressKit kit, Pairing pairing, ILogger<ClaimJob> log) : PressJob(kit, log)
{
    public const string KindName = "claim";

    public override string Kind => KindName;

    protected override string? LoadOf(Press press) => press.User;

    protected override RequestCommand Command(Press press, MentorLoad? load) => new RequestCommand.Claim(load);

    /// <summary>The pair's conversation is opened before the claim is written, and recorded in the same write.</summary>
    protected override Task<Decision> BeforeWriteAsync(Decision change, Press press, Outbox outbox, CancellationToken ct) =>
        pairing.WithConversationAsync(outbox, change, ct);

    protected override Task AnnounceAsync(PressResult done, CancellationToken ct) =>
        pairing.AnnounceClaimAsync(done.Outbox, done.After, assignedBy: null, ct, done.Mentor, done.Read);

    protected override async Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        switch (why)
        {
            case Refusal.NotEnrolled:
                return "Only enrolled mentors can claim requests. Type `/mentor-volunteer` to sign up with your skills, then come back and claim it.";
            case Refusal.AtCapacity:
                var held = (await Kit.Store.GetMentorLoadAsync(press.User, ct).ConfigureAwait(false))?.OpenClaims ?? 0;
                return $"You already have {held} open mentee{(held == 1 ? "" : "s")}, your limit. Release one or raise your limit with `/mentor-volunteer` to claim this request.";
            case Refusal.OwnRequest:
                return $"You asked for {r.Reference} yourself, so it's for another mentor to take.";
            case Refusal.OfferedToAnother:
                return $"{r.Reference}'s mentee asked for {Mrkdwn.User(current.Session.PreferredMentor!)} by name, so it's offered to them first. " +
                       "If they can't take it, it comes to the mentors channel and you can claim it there. Thanks for offering!";
            case Refusal.AlreadyClaimed:
                return $"{r.Reference} was already claimed by {(r.ClaimedBy == press.User ? "you" : Mrkdwn.User(r.ClaimedBy!))}. Thanks for offering!";
            default:
                return $"{r.Reference} is {RequestStatusText.Word(r.Status)} and can't be claimed any more.";
        }
    }

    protected override string NotFound(Press press) =>
        $"I can't find {press.Reference} in the records yet. If it was posted in the last few minutes it is still being saved: please press Claim again shortly. " +
        "If it keeps saying this, ask a mentor coordinator.";
}
