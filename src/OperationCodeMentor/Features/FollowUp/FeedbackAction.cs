using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// The mentee's answer to "How did it go?". "It helped" is stored for the statistics; "I'd like another mentor" also
/// brings the request in again as a new one linked to the first, posted without the earlier mentor, and the coordinators
/// are told (seed step 11).
/// </summary>
public abstract class FeedbackAction(SessionFeedback answer) : IBlockActionHandler
{
    public abstract string ActionId { get; }

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("An answer needs the request in 'value'.");
        var press = Press.Of(action, reference) with { Text = answer.ToString() };
        return Task.FromResult(Handled.Later(press.Work(FeedbackJob.KindName, Press.KeyOf(FeedbackJob.KindName, action), "action " + ActionId)));
    }
}

public sealed class HelpedAction() : FeedbackAction(SessionFeedback.Helped)
{
    public const string Id = RequestButtons.FeedbackHelped;

    public override string ActionId => Id;
}

public sealed class AnotherMentorAction() : FeedbackAction(SessionFeedback.AnotherMentor)
{
    public const string Id = RequestButtons.FeedbackAnotherMentor;

    public override string ActionId => Id;
}

public sealed class FeedbackJob(PressKit kit, ILogger<FeedbackJob> log) : PressJob(kit, log)
{
    public const string KindName = "feedback";

    public override string Kind => KindName;

    private static SessionFeedback Answer(Press press) => Enum.Parse<SessionFeedback>(press.Text!);

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Answer(Answer(press));

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        if (Answer(done.Press) == SessionFeedback.Helped)
        {
            await Kit.ReplyAsync(done.Outbox, done.Press, "reply",
                ":raised_hands: Wonderful, thank you for telling us! Good luck with what's next, and type `/mentor` whenever you'd like another session.", ct).ConfigureAwait(false);
            return;
        }
        // The new request comes in like any other, numbered in turn; its key is the request it follows, so answering
        // twice (or this work running again) brings in one. The intake tells the mentee its number and the coordinators.
        var r = done.Request;
        await done.Job.EnqueueAsync(Shared.RequestIntake.RePair(new IntakeRequest(r.MenteeSlackId, r.MenteeName, r.Service, r.Skills, r.Details, r.Affiliation,
            done.After.Outcome.FeedbackAt ?? r.CreatedAt)
        {
            FollowUpOf = r.Reference,
            EarlierMentor = r.ClaimedBy,
            AnswerChannel = done.Press.FromHome ? null : done.Press.Channel,
        }, "action " + RequestButtons.FeedbackAnotherMentor)).ConfigureAwait(false);
    }

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        return Task.FromResult(why switch
        {
            Refusal.NotAllowed => $"Only {Mrkdwn.User(r.MenteeSlackId)}, who had the session, or a mentor coordinator can answer for {r.Reference}. Nothing was changed.",
            Refusal.AlreadyAnswered =>
                $"Thanks, we already have your answer for {r.Reference} ({(current.Outcome.Feedback == SessionFeedback.Helped ? "it helped" : "you asked for another mentor")}). " +
                "If something has changed, message a mentor coordinator.",
            _ => $"{r.Reference}'s session hasn't been marked done, so there's nothing to answer yet.",
        });
    }
}
