using System.Globalization;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// "Rate this session", beside "It helped" in the mentee's "How did it go?": a 1–5 rating with an optional comment, once,
/// by the mentee (or a coordinator). Ratings are for the coordinators alone.
/// </summary>
public sealed class RateAction(ModalOpener opener) : IBlockActionHandler
{
    public const string Id = RequestButtons.Rate;
    public const string CallbackId = "session_rating";
    public const string StarsBlock = "stars";
    public const string CommentBlock = "comment";
    public const string ValueAction = "value";
    public const int MaxComment = 1000;

    private static readonly (string Text, string Value)[] Choices =
    [
        ("5 – Excellent", "5"), ("4 – Good", "4"), ("3 – OK", "3"), ("2 – Not great", "2"), ("1 – Poor", "1"),
    ];

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct) =>
        Task.FromResult(opener.Open(action, "Rate this session", new RequestCommand.Rate(5, null), RefusalSentence, Build));

    public static JsonObject Build(MentorRequest r, ModalOrigin origin) => BlockKit.Modal(CallbackId, "Rate your session",
    [
        BlockKit.Section($"How was your session with {Mrkdwn.User(r.ClaimedBy ?? "")} for *{r.Reference}*?"),
        BlockKit.Context(":lock: Only the mentor coordinators see your rating and comment; they use them to keep sessions helpful."),
        BlockKit.Input(StarsBlock, "Your rating", BlockKit.RadioButtons(ValueAction, Choices)),
        BlockKit.Input(CommentBlock, "Anything you'd like to add?",
            BlockKit.TextInput(ValueAction, "What went well, what could be better", multiline: true, maxLength: MaxComment), optional: true),
    ], submit: "Send rating", privateMetadata: origin.ToJson());

    public static string RefusalSentence(Refusal why, TrackedRequest current)
    {
        var r = current.Request;
        return why switch
        {
            Refusal.NotAllowed => $"Only {Mrkdwn.User(r.MenteeSlackId)}, who had the session, or a mentor coordinator can rate {r.Reference}. Nothing was changed.",
            Refusal.AlreadyRated => $"Thanks, {r.Reference} is already rated ({current.Session.Rating}/5). If something has changed, message a mentor coordinator.",
            _ => $"{r.Reference}'s session hasn't been marked done, so there's nothing to rate yet.",
        };
    }
}

/// <summary>The rating sent: checked in the modal, then durable work keyed by the view.</summary>
public sealed class RateSubmission : IViewSubmissionHandler
{
    public string CallbackId => RateAction.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var origin = ModalOrigin.Read(submission.PrivateMetadata) ?? throw new SlackPayloadException("The rating's private_metadata is missing or not valid.");
        var errors = new Dictionary<string, string>();
        var chosen = submission.State.Selected(RateAction.StarsBlock, RateAction.ValueAction);
        if (!int.TryParse(chosen, NumberStyles.None, CultureInfo.InvariantCulture, out var stars) || stars is < 1 or > 5)
            errors[RateAction.StarsBlock] = "Please choose a rating from 1 to 5.";
        var comment = submission.State.Text(RateAction.CommentBlock, RateAction.ValueAction)?.Trim();
        if (comment is { Length: > RateAction.MaxComment })
            errors[RateAction.CommentBlock] = $"Please keep your comment under {RateAction.MaxComment} characters (it's {comment.Length}).";
        if (errors.Count > 0) return Task.FromResult<Handled>(SlackAck.Errors(errors));
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        var press = origin.PressBy(submission.UserId) with { Stars = stars, Text = string.IsNullOrEmpty(comment) ? null : comment };
        return Task.FromResult(Handled.Later(press.Work(RateJob.KindName, $"{RateJob.KindName}:{viewId}", "view " + CallbackId)));
    }
}

public sealed class RateJob(PressKit kit, ILogger<RateJob> log) : PressJob(kit, log)
{
    public const string KindName = "rate";

    public override string Kind => KindName;

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.Rate(press.Stars ?? throw new InvalidOperationException("A rating press carries its stars."), press.Text);

    protected override Task AnnounceAsync(PressResult done, CancellationToken ct) =>
        Kit.ReplyAsync(done.Outbox, done.Press, "reply",
            $":star: Thank you for rating {done.Request.Reference} ({done.After.Session.Rating}/5)! Only the mentor coordinators see ratings and comments; " +
            "they help us keep every session useful.", ct);

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct) =>
        Task.FromResult(RateAction.RefusalSentence(why, current));
}
