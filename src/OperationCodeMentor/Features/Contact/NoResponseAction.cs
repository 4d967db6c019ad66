using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Contact;

/// <summary>"No response": after enough attempts over long enough, the mentor ends the request as "contact lost".</summary>
public sealed class NoResponseAction : IBlockActionHandler
{
    public const string Id = RequestButtons.NoResponse;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("No response needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(NoResponseJob.KindName, Press.KeyOf(NoResponseJob.KindName, action), "action " + Id)));
    }
}

/// <summary>
/// Ends the request as contact lost: its card says so (no Claim button), the mentee is told kindly how to ask again, and
/// the mentor is thanked. Pressed too early, it says how many attempts are still missing and from when it is possible.
/// </summary>
public sealed class NoResponseJob(PressKit kit, ContactWords words, ChannelCard card, ILogger<NoResponseJob> log) : PressJob(kit, log)
{
    public const string KindName = "no-response";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.GiveUpContact(words.Rules);

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (t, r) = (done.After, done.Request);
        var mentor = r.ClaimedBy ?? done.Before.Request.ClaimedBy!;
        var cardProblem = await card.TryUpdateAsync(done.Outbox, r, RequestCard.ContactLost(r, mentor, t.Session.ContactAttempts), ct).ConfigureAwait(false);
        await done.Outbox.DmAsync("mentee", r.MenteeSlackId,
            $":seedling: Hi {Mrkdwn.User(r.MenteeSlackId)}, about your mentor request *{r.Reference}* ({Mrkdwn.EscapeAndTruncate(r.Service, 200)}): " +
            $"{Mrkdwn.User(mentor)} tried to reach you a few times and didn't hear back, so we've closed this request for now. " +
            "No worries, life gets busy! Whenever you're ready, type `/mentor` to send a new request and we'll pair you with a mentor again.",
            ct: ct).ConfigureAwait(false);
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":pray: Thank you for trying, {Mrkdwn.User(done.Press.User)}. I've closed {r.Reference} as contact lost and told {Mrkdwn.User(r.MenteeSlackId)} " +
            "how to ask again; it no longer counts among your mentees." + (cardProblem is null ? "" : $" ({cardProblem})"), ct).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) => Task.FromResult(why switch
    {
        Refusal.NotAllowed => ContactWords.NotTheMentor(current, press),
        Refusal.TooFewAttempts =>
            $"Not yet: you've recorded {current.Session.ContactAttempts} attempt{(current.Session.ContactAttempts == 1 ? "" : "s")} to reach " +
            $"{Mrkdwn.User(current.Request.MenteeSlackId)} on {current.Reference}, and the guideline is {words.RuleText}. " +
            $"You can close it as *No response* {words.StillNeeded(current.Session, Kit.Clock.GetUtcNow()) ?? "now, so press it again"}. " +
            "Until then, press *Can't reach them* each time you try. Nothing was changed.",
        _ => ContactWords.NotClaimed(current),
    });
}
