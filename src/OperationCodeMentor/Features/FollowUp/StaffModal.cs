using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// The one-question modals a coordinator fills in from a follow-up DM (a question for the mentee, a reason for
/// closing). The request travels in <c>private_metadata</c>; the submission checks again who is submitting.
/// </summary>
public sealed partial class StaffModal(IMentorshipStore store, SlackApiClient slack, FollowUpAccess access, BackgroundWork work, ILogger<StaffModal> log)
{
    public const string TextBlock = "text";
    public const string ValueAction = "value";
    public const int MaxText = 2000;

    public sealed record Form(string CallbackId, string Title, string Intro, string Label, string Placeholder, string Submit, int MinLength);

    /// <summary>Opens the modal for a button press, straight away since the trigger expires in 3 seconds; refuses non-staff.</summary>
    public Task<SlackAck> OpenAsync(BlockAction action, Func<MentorRequest, Form> form)
    {
        var requestId = action.Value;
        var user = action.Interaction.UserId;
        var channel = action.Interaction.ChannelId;
        var trigger = action.Interaction.TriggerId;
        if (string.IsNullOrEmpty(requestId)) throw new SlackPayloadException("This button needs the request in 'value'.");
        work.Run("open coordinator modal", async stop =>
        {
            if (!access.IsStaff(user))
            {
                await access.RefuseAsync(channel, user, FollowUpAccess.StaffOnly, stop).ConfigureAwait(false);
                return;
            }
            var request = await store.GetRequestAsync(requestId, stop).ConfigureAwait(false);
            if (request is null || trigger is null)
            {
                await slack.TellAsync(channel, user, request is null ? "I couldn't find that request any more." : "Slack didn't send what I need to open the form; please press the button again.", stop).ConfigureAwait(false);
                return;
            }
            try
            {
                await slack.OpenViewAsync(trigger, Build(form(request), request), stop).ConfigureAwait(false);
            }
            catch (SlackApiException e)
            {
                LogOpenFailed(log, e, e.Error);
                await slack.TellAsync(channel, user, "Sorry, I couldn't open the form just now. Please press the button again.", stop).ConfigureAwait(false);
            }
        });
        return Task.FromResult(SlackAck.Empty);
    }

    private static JsonObject Build(Form f, MentorRequest r) => BlockKit.Modal(f.CallbackId, f.Title,
    [
        BlockKit.Section(f.Intro),
        BlockKit.Context(Mrkdwn.Truncate(RequestCard(r), 2000)),
        BlockKit.Input(TextBlock, f.Label, BlockKit.TextInput(ValueAction, f.Placeholder, multiline: true, minLength: f.MinLength, maxLength: MaxText)),
    ], submit: f.Submit, privateMetadata: r.Id);

    private static string RequestCard(MentorRequest r) =>
        $"*{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)}: {Mrkdwn.Escape(r.Service)} ({Mrkdwn.Escape(string.Join(", ", r.Skills))})";

    /// <summary>
    /// Reads a submission: null with the errors to show when it can't go ahead (not staff, empty text, unknown
    /// request); otherwise the request and the text.
    /// </summary>
    public async Task<(MentorRequest? Request, string Text, SlackAck? Errors)> ReadAsync(Interaction submission, int minLength, CancellationToken ct)
    {
        if (!access.IsStaff(submission.UserId))
            return (null, "", SlackAck.Errors(new Dictionary<string, string> { [TextBlock] = FollowUpAccess.StaffOnly }));
        var text = (submission.State.Text(TextBlock, ValueAction) ?? "").Trim();
        if (text.Length < minLength || text.Length > MaxText)
            return (null, "", SlackAck.Errors(new Dictionary<string, string> { [TextBlock] = $"Please write between {minLength} and {MaxText} characters." }));
        var request = submission.PrivateMetadata is { Length: > 0 } id ? await store.GetRequestAsync(id, ct).ConfigureAwait(false) : null;
        if (request is null)
            return (null, "", SlackAck.Errors(new Dictionary<string, string> { [TextBlock] = "I couldn't find this request any more; close this form." }));
        return (request, text, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open a coordinator modal: {Error}")]
    private static partial void LogOpenFailed(ILogger log, Exception e, string error);
}
