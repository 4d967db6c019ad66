using System.Text.Json;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.CheckIn;

/// <summary>"On track" on a check-in: noted on the request (the stuck-claim report counts from now) and shown in the DM.</summary>
public sealed class OnTrackAction : IBlockActionHandler
{
    public const string Id = CheckInMessage.OnTrack;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("On track needs the request in 'value'.");
        var press = Press.Of(action, reference) with { MessageTs = action.Interaction.MessageTs };
        return Task.FromResult(Handled.Later(press.Work(OnTrackJob.KindName, Press.KeyOf(OnTrackJob.KindName, action), "action " + Id)));
    }
}

/// <summary>"Need help" on a check-in: a one-line modal asks what would help; the request and where to redraw travel in its metadata.</summary>
public sealed partial class NeedHelpAction(IMentorshipStore store, SlackApiClient slack, ILogger<NeedHelpAction> log) : IBlockActionHandler
{
    public const string Id = CheckInMessage.NeedHelp;
    public const string CallbackId = "checkin_need_help_modal";
    public const string LineBlock = "line";
    public const string ValueAction = "value";
    public const int MinLine = 3;
    public const int MaxLine = 500;

    public sealed record Metadata(string Reference, string? Channel, string? MessageTs);

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("Need help needs the request in 'value'.");
        var trigger = action.Interaction.TriggerId ?? throw new SlackPayloadException("Need help needs 'trigger_id'.");
        var i = action.Interaction;
        // The trigger expires in 3 seconds: the modal opens straight after the acknowledgement.
        return Task.FromResult(Handled.Later("open need-help modal", async stop =>
        {
            var request = (await store.GetRequestAsync(reference, stop).ConfigureAwait(false))?.Request;
            try
            {
                if (request is null)
                {
                    await slack.TellAsync(i.ChannelId, i.UserId, RequestStatusText.Gone, stop).ConfigureAwait(false);
                    return;
                }
                var meta = JsonSerializer.Serialize(new Metadata(request.Reference, i.ChannelId, i.MessageTs));
                await slack.OpenViewAsync(trigger, Modal(request, meta), stop).ConfigureAwait(false);
            }
            catch (SlackApiException e)
            {
                LogOpenFailed(log, reference, e.Error);
                await slack.TellAsync(i.ChannelId, i.UserId,
                    $"Sorry, I couldn't open the form just now (Slack said `{e.Error}`). Please press *Need help* again, or message a mentor coordinator.", stop).ConfigureAwait(false);
            }
        }));
    }

    private static System.Text.Json.Nodes.JsonObject Modal(MentorRequest r, string metadata) => BlockKit.Modal(CallbackId, "Ask for help",
    [
        BlockKit.Section($"What would help with *{r.Reference}* ({Mrkdwn.EscapeAndTruncate(r.Service, 200)}) with {Mrkdwn.User(r.MenteeSlackId)}? " +
            "The mentor coordinators get your note by DM and will be in touch. The mentee doesn't see it."),
        BlockKit.Input(LineBlock, "What would help?",
            BlockKit.TextInput(ValueAction, "For example: they haven't replied in a week, or they need someone who knows Kubernetes.", minLength: MinLine, maxLength: MaxLine)),
    ], submit: "Send to coordinators", privateMetadata: metadata);

    public static Metadata? ReadMetadata(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<Metadata>(json) is { Reference.Length: > 0 } m ? m : null; }
        catch (JsonException) { return null; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open the need-help modal for {Reference}: {Error}")]
    private static partial void LogOpenFailed(ILogger log, string reference, string error);
}

/// <summary>The need-help line was sent: too short stays in the modal; otherwise it is durable work, which closes the modal.</summary>
public sealed class NeedHelpSubmission : IViewSubmissionHandler
{
    public string CallbackId => NeedHelpAction.CallbackId;

    public Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var meta = NeedHelpAction.ReadMetadata(submission.PrivateMetadata) ?? throw new SlackPayloadException("The modal's private_metadata is missing or not valid.");
        var line = (submission.State.Text(NeedHelpAction.LineBlock, NeedHelpAction.ValueAction) ?? "").Trim();
        if (line.Length < NeedHelpAction.MinLine || line.Length > NeedHelpAction.MaxLine)
            return Task.FromResult<Handled>(SlackAck.Errors(new Dictionary<string, string>
            {
                [NeedHelpAction.LineBlock] = $"Please write between {NeedHelpAction.MinLine} and {NeedHelpAction.MaxLine} characters about what would help.",
            }));
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        var press = new Press(meta.Reference, submission.UserId, meta.Channel) { Text = line, MessageTs = meta.MessageTs };
        return Task.FromResult(Handled.Later(press.Work(NeedHelpJob.KindName, $"{NeedHelpJob.KindName}:{viewId}", "view " + CallbackId)));
    }
}

/// <summary>
/// A check-in answer: the lifecycle notes it on the request (only the mentor holding it may answer), the mentor is noted as
/// having answered, and the check-in DM is redrawn to show it.
/// </summary>
public abstract class CheckInAnswerJob(PressKit kit, ILogger log) : PressJob(kit, log)
{
    protected abstract CheckInAnswer Answer { get; }

    protected override RequestCommand Command(Press press, MentorLoad? load) =>
        new RequestCommand.CheckIn(Answer);

    protected override async Task AnnounceAsync(PressResult done, CancellationToken ct)
    {
        var press = done.Press;
        var at = done.After.Session.CheckedInAt ?? Kit.Clock.GetUtcNow();
        var mentor = await Kit.Store.MarkMentorAsync(press.User, MentorMark.CheckInAnswered, at, ct).ConfigureAwait(false);
        await AnswerAsync(done, ct).ConfigureAwait(false);
        if (press.Channel is { } channel && press.MessageTs is { } ts)
        {
            var sentAt = mentor?.Standing.CheckInSentAt;
            var requests = await CheckInMessage.RequestsAsync(Kit.Store, press.User, sentAt, ct).ConfigureAwait(false);
            var (text, blocks) = CheckInMessage.Build(requests, sentAt);
            await done.Outbox.UpdateAsync("redraw", channel, ts, text, blocks, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What else the answer brings (a note to the coordinators).</summary>
    protected abstract Task AnswerAsync(PressResult done, CancellationToken ct);

    protected override Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct)
    {
        var r = current.Request;
        var sentence = why == Refusal.NotAllowed && r.ClaimedBy is { } holder
            ? $"{r.Reference} is with {Mrkdwn.User(holder)} now, so their check-in answers for it."
            : r.Status == RequestStatus.Completed
                ? $"{r.Reference}'s session is already marked done. Thank you!"
                : $"{r.Reference} isn't with you any more, so there's nothing to check in about.";
        return Task.FromResult(press.Text is { } note
            ? sentence + $" If you still need help, message a mentor coordinator; your note was: \"{Mrkdwn.EscapeAndTruncate(note, 600)}\""
            : sentence);
    }
}

public sealed class OnTrackJob(PressKit kit, ILogger<OnTrackJob> log) : CheckInAnswerJob(kit, log)
{
    public const string KindName = "check-in-on-track";

    public override string Kind => KindName;

    protected override CheckInAnswer Answer => CheckInAnswer.OnTrack;

    protected override Task AnswerAsync(PressResult done, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>"Need help": each coordinator gets the mentor's line with the request, and the mentor is thanked.</summary>
public sealed class NeedHelpJob(PressKit kit, ILogger<NeedHelpJob> log) : CheckInAnswerJob(kit, log)
{
    public const string KindName = "check-in-need-help";

    public override string Kind => KindName;

    protected override CheckInAnswer Answer => CheckInAnswer.NeedHelp;

    protected override async Task AnswerAsync(PressResult done, CancellationToken ct)
    {
        var r = done.Request;
        var note = done.Press.Text ?? "";
        var text = $":sos: {Mrkdwn.User(done.Press.User)} asked for help in their weekly check-in about *{r.Reference}* " +
            $"({Mrkdwn.EscapeAndTruncate(r.Service, 200)}, with {Mrkdwn.User(r.MenteeSlackId)}" +
            (r.ClaimedAt is { } claimed ? $", claimed {SlackDates.When(claimed)}" : "") + "):\n>" + Mrkdwn.EscapeAndTruncate(note, 600);
        foreach (var coordinator in Kit.People.Coordinators)
            await done.Outbox.DmAsync("help:" + coordinator, coordinator, text, ct: ct).ConfigureAwait(false);
        await Kit.ReplyAsync(done.Outbox, done.Press, "thanks",
            Kit.People.Coordinators.Count == 0
                ? $"Thanks for telling us about {r.Reference}. No mentor coordinators are set up to receive it, so please message one directly."
                : $":pray: Thanks for telling us about {r.Reference}. I've sent your note to the mentor coordinators; one of them will be in touch.", ct).ConfigureAwait(false);
    }
}
