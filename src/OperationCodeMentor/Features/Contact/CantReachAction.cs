using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Contact;

/// <summary>
/// "Can't reach them", on the mentor's claim DM and in the pair's conversation: the mentor tried and heard nothing back.
/// Only the mentor holding the request (or a coordinator, for them) may press it; anyone else is answered privately.
/// </summary>
public sealed class CantReachAction : IBlockActionHandler
{
    public const string Id = RequestButtons.CantReach;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("Can't reach them needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(CantReachJob.KindName, Press.KeyOf(CantReachJob.KindName, action), "action " + Id)));
    }
}

/// <summary>
/// Records the attempt, nudges the mentee kindly (in the pair's conversation, or by DM when there is none), and tells the
/// mentor how many attempts they have made and when <b>No response</b> becomes possible, offering it once it is.
/// </summary>
public sealed class CantReachJob(PressKit kit, ContactWords words, ILogger<CantReachJob> log) : PressJob(kit, log)
{
    public const string KindName = "cant-reach";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.RecordContactAttempt();

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var (t, r) = (done.After, done.Request);
        var mentor = r.ClaimedBy!;
        var s = t.Session;
        var nudge = $":wave: Hi {Mrkdwn.User(r.MenteeSlackId)}! {Mrkdwn.User(mentor)}, your mentor for *{r.Reference}* ({Mrkdwn.EscapeAndTruncate(r.Service, 200)}), " +
            "has been trying to reach you to set up your session. When you have a moment, please reply to them here with a few times that suit you. " +
            "If you no longer need the session, that's fine too: just let them know.";
        if (s.ConversationId is { } conversation)
            await done.Outbox.PostAsync("nudge", conversation, nudge, ct: ct).ConfigureAwait(false);
        else
            await done.Outbox.DmAsync("nudge", r.MenteeSlackId, nudge.Replace("reply to them here", $"send {Mrkdwn.User(mentor)} a direct message", StringComparison.Ordinal), ct: ct)
                .ConfigureAwait(false);

        var at = s.LastAttemptAt ?? Kit.Clock.GetUtcNow();
        var counted = $":memo: Noted: attempt {s.ContactAttempts} to reach {Mrkdwn.User(r.MenteeSlackId)} on *{r.Reference}*. I've nudged them {ContactWords.NudgedWhere(t)}.";
        if (words.StillNeeded(s, at) is { } needed)
        {
            await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
                $"{counted}\nThe guideline is {words.RuleText}: press *Can't reach them* each time you try. " +
                $"If they still haven't answered, you can close the request as *No response* {needed}.", ct).ConfigureAwait(false);
            return;
        }
        var text = $"{counted}\nThat's {words.RuleText}. If they still haven't answered, press *No response* to close the request as contact lost; " +
            "I'll tell them kindly how to ask again.";
        await Kit.ReplyAsync(done.Outbox, done.Press, "reply", text, ct, BlockKit.Blocks(
        [
            BlockKit.Section(text),
            BlockKit.Actions("contact_actions", NoResponseButton(r.Reference)),
        ])).ConfigureAwait(false);
    }

    /// <summary>No response, with a confirmation, since it ends the request.</summary>
    public static JsonObject NoResponseButton(string reference)
    {
        var button = RequestButtons.NoResponseButton(reference);
        button["confirm"] = BlockKit.Confirm("Close as no response?", $"{reference} ends as \"contact lost\" and the mentee is told kindly how to ask again.", "Close it", "Not yet");
        return button;
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(why == Refusal.NotAllowed ? ContactWords.NotTheMentor(current, press) : ContactWords.NotClaimed(current));
}
