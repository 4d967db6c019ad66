using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// The one-question modals a coordinator fills in about a request (a reason for closing it, a question for the
/// mentee), from any of <see cref="CoordinatorButtons"/>. The request and where to answer travel in
/// <c>private_metadata</c>; the submission checks again who is submitting.
/// </summary>
public sealed class CoordinatorModal(AdminGuard guard, People people, IMentorshipStore store, SlackApiClient slack)
{
    public const string TextBlock = "text";
    public const string ValueAction = "value";
    public const int MaxText = 2000;

    public sealed record Form(string CallbackId, string Title, string Intro, string Label, string Placeholder, string Submit, int MinLength);

    public sealed record Metadata(string Reference, string? ResponseUrl, bool FromHome);

    /// <summary>Opens the modal for a button press, straight after the acknowledgement since the trigger expires in 3 seconds.</summary>
    public Handled Open(BlockAction action, string name, Func<MentorRequest, Form> form) =>
        OpenView(action, name, (request, meta) => Build(form(request), request, meta));

    /// <summary>
    /// Opens a modal of the caller's own making about the request the button names, with <see cref="Metadata"/> (serialized,
    /// for its <c>private_metadata</c>) saying where to answer.
    /// </summary>
    public Handled OpenView(BlockAction action, string name, Func<MentorRequest, string, JsonObject> view)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("This button needs the request in 'value'.");
        var trigger = action.Interaction.TriggerId ?? throw new SlackPayloadException("This button needs 'trigger_id'.");
        var origin = AdminOrigin.Of(action.Interaction);
        return guard.Run(name, origin, async ct =>
        {
            var request = (await store.GetRequestAsync(reference, ct).ConfigureAwait(false))?.Request;
            if (request is null) return RequestStatusText.Gone;
            var meta = JsonSerializer.Serialize(new Metadata(request.Reference, origin.ResponseUrl, origin.FromHome));
            try
            {
                await slack.OpenViewAsync(trigger, view(request, meta), ct).ConfigureAwait(false);
                return null;
            }
            catch (SlackApiException e)
            {
                return $"Sorry, I couldn't open the form just now (Slack said `{e.Error}`). Please press the button again.";
            }
        }, staff: true);
    }

    private static JsonObject Build(Form f, MentorRequest r, string metadata) => BlockKit.Modal(f.CallbackId, f.Title,
    [
        BlockKit.Section(f.Intro),
        BlockKit.Context(Mrkdwn.Truncate(
            $"*{r.Reference}* from {Mrkdwn.User(r.MenteeSlackId)}: {Mrkdwn.Escape(r.Service)} ({Mrkdwn.Escape(string.Join(", ", r.Skills))})", 2000)),
        BlockKit.Input(TextBlock, f.Label, BlockKit.TextInput(ValueAction, f.Placeholder, multiline: true, minLength: f.MinLength, maxLength: MaxText)),
    ], submit: f.Submit, privateMetadata: metadata);

    /// <summary>
    /// Reads a submission: errors shown in the modal when it can't go ahead (not a coordinator or escalation contact, too
    /// little text); otherwise the job of <paramref name="kind"/> is recorded durably with the text, and its answer goes
    /// back where the modal was opened from.
    /// </summary>
    public Handled Submit(Interaction submission, int minLength, string kind)
    {
        var meta = ReadMetadata(submission.PrivateMetadata) ?? throw new SlackPayloadException("The modal's private_metadata is missing or not valid.");
        if (!people.IsStaff(submission.UserId)) return Error(AdminGuard.Refusal);
        var text = (submission.State.Text(TextBlock, ValueAction) ?? "").Trim();
        if (text.Length < minLength || text.Length > MaxText) return Error($"Please write between {minLength} and {MaxText} characters.");
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        // Back to the ephemeral list the modal came from, if any, otherwise by DM: the conversation underneath may
        // have moved on while the coordinator typed.
        var press = new Press(meta.Reference, submission.UserId, null, meta.ResponseUrl, meta.FromHome) { Text = text };
        return Handled.Later(press.Work(kind, $"{kind}:{viewId}", "view " + submission.CallbackId));
    }

    private static SlackAck Error(string message) => SlackAck.Errors(new Dictionary<string, string> { [TextBlock] = message });

    public static Metadata? ReadMetadata(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<Metadata>(json) is { Reference.Length: > 0 } m ? m : null; }
        catch (JsonException) { return null; }
    }
}
