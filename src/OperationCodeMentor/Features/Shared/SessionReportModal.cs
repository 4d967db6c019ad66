using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// Where a modal about a request was opened from, carried in its <c>private_metadata</c> so the answer after the
/// submission goes back there (privately in that conversation, through an ephemeral list's response URL, or by DM from
/// the Home tab).
/// </summary>
public sealed record ModalOrigin(string Reference, string? Channel, string? ResponseUrl, bool FromHome)
{
    public static ModalOrigin Of(BlockAction action, string reference)
    {
        var press = Press.Of(action, reference);
        return new(reference, press.Channel, press.ResponseUrl, press.FromHome);
    }

    /// <summary>The submission as a press by <paramref name="user"/>, answered where the modal was opened.</summary>
    public Press PressBy(string user) => new(Reference, user, Channel, ResponseUrl, FromHome);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static ModalOrigin? Read(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<ModalOrigin>(json) is { Reference.Length: > 0 } o ? o : null; }
        catch (JsonException) { return null; }
    }
}

/// <summary>An answer only the person who clicked sees, sent where they clicked, outside any durable work.</summary>
public static class PrivateReply
{
    /// <summary>
    /// Through the response URL of an ephemeral message (a <c>/mentor-admin</c> answer), privately in the conversation
    /// of any other message, and by DM from the Home tab.
    /// </summary>
    public static async Task SendAsync(SlackApiClient slack, string user, string? channel, string? responseUrl, bool fromHome, string text, CancellationToken ct)
    {
        if (responseUrl is not null && !fromHome)
        {
            var message = SlackAck.Ephemeral(text).Body!;
            message["replace_original"] = false;
            await slack.RespondAsync(responseUrl, message, ct).ConfigureAwait(false);
        }
        else
        {
            await slack.TellAsync(fromHome ? null : channel, user, text, ct).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Opens a modal about a request from a button whose value is its reference, straight after the acknowledgement (the
/// trigger expires in 3 seconds), once the lifecycle has said, without writing anything, that this person may do what the
/// modal asks; anyone else is told why instead, where they pressed. The submission is checked again by its durable work.
/// </summary>
public sealed partial class ModalOpener(IMentorshipStore store, People people, SlackApiClient slack, TimeProvider clock, ILogger<ModalOpener> log)
{
    /// <param name="button">The button's label, for the answers ("press *Session done* again").</param>
    /// <param name="probe">A command standing for what the submission will ask, to learn whether it would be refused.</param>
    public Handled Open(BlockAction action, string button, RequestCommand probe, Func<Refusal, TrackedRequest, string> refused,
        Func<MentorRequest, ModalOrigin, JsonObject> view)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException($"{button} needs the request in 'value'.");
        var trigger = action.Interaction.TriggerId ?? throw new SlackPayloadException($"{button} needs 'trigger_id' to open its form.");
        var origin = ModalOrigin.Of(action, reference);
        var user = action.Interaction.UserId;
        return Handled.Later("open " + button, async ct =>
        {
            string? answer;
            try
            {
                answer = await TryOpenAsync(trigger, origin, user, button, probe, refused, view, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogOpenFailed(log, e, button, reference);
                answer = $"Sorry, I couldn't open the form for {reference} because of a problem on our side. Nothing was changed; please press *{button}* again in a minute.";
            }
            if (answer is not null) await TellAsync(origin, user, answer, ct).ConfigureAwait(false);
        });
    }

    private async Task<string?> TryOpenAsync(string trigger, ModalOrigin origin, string user, string button, RequestCommand probe,
        Func<Refusal, TrackedRequest, string> refused, Func<MentorRequest, ModalOrigin, JsonObject> view, CancellationToken ct)
    {
        var tracked = await store.GetRequestAsync(origin.Reference, ct).ConfigureAwait(false);
        if (tracked is null) return RequestStatusText.Gone;
        if (RequestLifecycle.Decide(tracked, people.Actor(user), probe, clock.GetUtcNow()).Refused is { } why) return refused(why, tracked);
        try
        {
            await slack.OpenViewAsync(trigger, view(tracked.Request, origin with { Reference = tracked.Reference }), ct).ConfigureAwait(false);
            return null;
        }
        catch (SlackApiException e)
        {
            return $"Sorry, I couldn't open the form just now (Slack said `{e.Error}`). Nothing was changed; please press *{button}* again.";
        }
    }

    private Task TellAsync(ModalOrigin origin, string user, string text, CancellationToken ct) =>
        PrivateReply.SendAsync(slack, user, origin.Channel, origin.ResponseUrl, origin.FromHome, text, ct);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not open the {Button} form for {Reference}")]
    private static partial void LogOpenFailed(ILogger log, Exception e, string button, string reference);
}

/// <summary>
/// The mentor's session report: the modal "Session done" opens (from the claim DM, a nudge, the weekly check-in: any
/// button carrying the request's reference, through <see cref="Open"/>), and reading what was submitted. What the
/// submission becomes is the FollowUp feature's.
/// </summary>
public sealed partial class SessionReportModal(ModalOpener opener)
{
    public const string CallbackId = "session_report";
    public const string CoveredBlock = "covered";
    public const string GoalsBlock = "goals";
    public const string FollowUpBlock = "follow_up";
    public const string ForCoordinatorsBlock = "for_coordinators";
    public const string ValueAction = "value";

    public const int MinCovered = 3;
    public const int MaxCovered = 2000;
    public const int MaxGoalsText = 1000;
    public const int MaxGoal = 300;
    public const int MaxForCoordinators = 2000;

    /// <summary>The follow-up choices as the radio buttons carry them.</summary>
    public static readonly IReadOnlyList<(string Text, FollowUpWish Wish)> Wishes =
    [
        ("No follow-up needed", FollowUpWish.None),
        ("Another session with me", FollowUpWish.SameMentor),
        ("A session with another mentor", FollowUpWish.AnotherMentor),
    ];

    private static readonly RequestCommand Probe = new RequestCommand.CompleteSession(new SessionReport("probe", [], FollowUpWish.None, null));

    /// <summary>Opens the report for the claimer or a coordinator; anyone else, or a request with no session to report, is answered.</summary>
    public Handled Open(BlockAction action) => opener.Open(action, "Session done", Probe, RefusalSentence, Build);

    /// <summary>Why someone can't report on a request (or mark its session done), the same when opening and when submitting.</summary>
    public static string RefusalSentence(Refusal why, TrackedRequest current)
    {
        var r = current.Request;
        return why switch
        {
            Refusal.NotAllowed => $"Only {Mrkdwn.User(r.ClaimedBy ?? current.Outcome.CompletedBy ?? "")}, who has {r.Reference}, or a mentor coordinator can mark its session done and report on it. Nothing was changed.",
            Refusal.AlreadyReported => $"{r.Reference}'s session report was already filed" +
                (current.Session.ReportedBy is { } by ? $" by {Mrkdwn.User(by)}" : "") +
                (current.Session.ReportedAt is { } at ? $" {SlackDates.When(at)}" : "") +
                ". Thank you! If something needs adding, message a mentor coordinator.",
            _ when r.Status == RequestStatus.Cancelled => $"{r.Reference} was closed, so there's no session to report on.",
            _ => $"{r.Reference} isn't claimed right now, so there's no session to mark done.",
        };
    }

    public static JsonObject Build(MentorRequest r, ModalOrigin origin) => BlockKit.Modal(CallbackId, "Session report",
    [
        BlockKit.Section($"Thanks for mentoring {Mrkdwn.User(r.MenteeSlackId)}! A few lines about *{r.Reference}* " +
            $"({Mrkdwn.EscapeAndTruncate(r.Service, 200)}) help the coordinators and the mentee's next mentor."),
        BlockKit.Context(":lock: Only mentor coordinators see this report. The mentee sees the goals alone: I'll DM them, and their next mentor will see them too."),
        BlockKit.Input(CoveredBlock, "What did you cover?",
            BlockKit.TextInput(ValueAction, "A résumé review, a mock interview, debugging their project…", multiline: true, minLength: MinCovered, maxLength: MaxCovered)),
        BlockKit.Input(GoalsBlock, "Goals you agreed on (up to 3, one per line)",
            BlockKit.TextInput(ValueAction, "Rewrite the summary\nApply to five roles", multiline: true, maxLength: MaxGoalsText),
            optional: true, hint: "The mentee gets these by DM, and whoever takes their next request sees them."),
        BlockKit.Input(FollowUpBlock, "Would they like a follow-up?",
            BlockKit.RadioButtons(ValueAction, Wishes.Select(w => (w.Text, Wish(w.Wish))), Wish(FollowUpWish.None))),
        BlockKit.Input(ForCoordinatorsBlock, "Anything the coordinators should know?",
            BlockKit.TextInput(ValueAction, "Private to the coordinators", multiline: true, maxLength: MaxForCoordinators), optional: true),
    ], submit: "File report", privateMetadata: origin.ToJson());

    /// <summary>The value a follow-up wish has in the modal: the name the stores keep it under.</summary>
    public static string Wish(FollowUpWish wish) => FollowUpNames.Wish(wish);

    /// <summary>
    /// Reads a submission: the report, or the errors to show in the modal (nothing is lost: the modal stays open with
    /// what was typed). Empty goal lines are ignored, and a leading bullet or number is dropped.
    /// </summary>
    public static (SessionReport? Report, IReadOnlyDictionary<string, string> Errors) Read(ViewState state)
    {
        var errors = new Dictionary<string, string>();
        var covered = (state.Text(CoveredBlock, ValueAction) ?? "").Trim();
        if (covered.Length < MinCovered) errors[CoveredBlock] = "Please say in a few words what the session covered.";
        else if (covered.Length > MaxCovered) errors[CoveredBlock] = $"Please keep this under {MaxCovered} characters (it's {covered.Length}).";

        var goals = Goals(state.Text(GoalsBlock, ValueAction));
        if (goals.Count > SessionReport.MaxGoals)
            errors[GoalsBlock] = $"Please keep to at most {SessionReport.MaxGoals} goals, one per line (there are {goals.Count}).";
        else if (goals.FirstOrDefault(g => g.Length > MaxGoal) is { } tooLong)
            errors[GoalsBlock] = $"Please keep each goal under {MaxGoal} characters; \"{Mrkdwn.Truncate(tooLong, 40)}\" is {tooLong.Length}.";

        var chosen = state.Selected(FollowUpBlock, ValueAction) ?? Wish(FollowUpWish.None);
        var wish = FollowUpNames.ParseWish(chosen);
        if (wish is null) errors[FollowUpBlock] = "Please choose one of the options.";

        var note = state.Text(ForCoordinatorsBlock, ValueAction)?.Trim();
        if (note is { Length: > MaxForCoordinators }) errors[ForCoordinatorsBlock] = $"Please keep this under {MaxForCoordinators} characters (it's {note.Length}).";

        return errors.Count > 0
            ? (null, errors)
            : (new SessionReport(covered, goals, wish!.Value, string.IsNullOrEmpty(note) ? null : note), errors);
    }

    private static List<string> Goals(string? text) =>
        (text ?? "").Split('\n').Select(line => BulletPrefix().Replace(line.Trim(), "").Trim()).Where(g => g.Length > 0).ToList();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:[-*•·]|\d{1,2}[.)])\s*")]
    private static partial System.Text.RegularExpressions.Regex BulletPrefix();
}
