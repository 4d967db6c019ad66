using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Home;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>Where a coordinator clicked: an ephemeral list (answer through its response URL), a message, or the Home tab.</summary>
public sealed record AdminOrigin(string UserId, string? ChannelId, string? ResponseUrl, bool FromHome)
{
    public static AdminOrigin Of(Interaction i) =>
        new(i.UserId, i.ChannelId, i.ResponseUrl, Interaction.Str(i.View, "type") == "home");
}

/// <summary>
/// The checks and answers every coordinator button shares: anyone who is not a coordinator is told so and nothing
/// changes (a crafted payload gets no further than a real click would); answers go back where the click came from,
/// and a Home tab is redrawn to show the change.
/// </summary>
public sealed partial class AdminGuard(IOptionsMonitor<MentorshipOptions> options, SlackApiClient slack, AppHome home, BackgroundWork work, ILogger<AdminGuard> log)
{
    public const string Refusal = "Sorry, only mentor coordinators can do that, so nothing was changed.";

    public bool IsCoordinator(string userId) => options.CurrentValue.IsCoordinator(userId);

    /// <summary>Runs <paramref name="act"/> after the acknowledgement for a coordinator; refuses anyone else.</summary>
    public SlackAck Run(string name, AdminOrigin origin, Func<CancellationToken, Task<string?>> act)
    {
        if (!IsCoordinator(origin.UserId))
        {
            work.Run("refuse " + name, ct => ReplyAsync(origin, Refusal, redraw: false, ct));
            return SlackAck.Empty;
        }
        work.Run(name, async ct =>
        {
            string? answer;
            try
            {
                answer = await act(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e, name);
                answer = AdminCommand.Failed;
            }
            if (answer is not null) await ReplyAsync(origin, answer, redraw: origin.FromHome, ct).ConfigureAwait(false);
        });
        return SlackAck.Empty;
    }

    public async Task ReplyAsync(AdminOrigin origin, string text, bool redraw, CancellationToken ct)
    {
        if (origin.ResponseUrl is not null && !origin.FromHome)
        {
            var message = SlackAck.Ephemeral(text).Body!;
            message["replace_original"] = false;
            await slack.RespondAsync(origin.ResponseUrl, message, ct).ConfigureAwait(false);
        }
        else
            await slack.TellAsync(origin.FromHome ? null : origin.ChannelId, origin.UserId, text, ct).ConfigureAwait(false);
        if (redraw) await home.PublishAsync(origin.UserId, ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Coordinator action '{Name}' failed")]
    private static partial void LogFailed(ILogger log, Exception e, string name);
}

/// <summary>"Assign to…" beside a request in the queue: the chosen person gets it, exactly as with <c>/mentor-admin assign</c>.</summary>
public sealed class AssignSelectAction(AdminGuard guard, RequestAdmin admin, IMentorshipStore store) : IBlockActionHandler
{
    public string ActionId => QueueMessage.AssignActionId;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var requestId = action.BlockId is { } b && b.StartsWith(QueueMessage.RequestBlockPrefix, StringComparison.Ordinal)
            ? b[QueueMessage.RequestBlockPrefix.Length..]
            : throw new SlackPayloadException("An Assign choice needs the request in 'block_id'.");
        var mentor = Interaction.Str(action.Raw, "selected_user") ?? throw new SlackPayloadException("An Assign choice needs 'selected_user'.");
        var origin = AdminOrigin.Of(action.Interaction);
        return Task.FromResult(guard.Run("assign request", origin, async stop =>
        {
            var request = await store.GetRequestAsync(requestId, stop).ConfigureAwait(false);
            return request is null ? "I couldn't find that request any more." : await admin.AssignAsync(origin.UserId, request, mentor, stop).ConfigureAwait(false);
        }));
    }
}

/// <summary>The older/newer buttons under the queue: replace the list with the page asked for.</summary>
public sealed class QueuePageAction(AdminGuard guard, AdminReports reports, SlackApiClient slack) : IBlockActionHandler
{
    public string ActionId => QueueMessage.PageActionId;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var page = int.TryParse(action.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : 1;
        var origin = AdminOrigin.Of(action.Interaction);
        return Task.FromResult(guard.Run("page the queue", origin, async stop =>
        {
            var (text, blocks) = await reports.QueueAsync(page, stop).ConfigureAwait(false);
            if (origin.ResponseUrl is null) return text;
            var message = SlackAck.Ephemeral(text).Body!;
            message["replace_original"] = true;
            message["blocks"] = blocks;
            await slack.RespondAsync(origin.ResponseUrl, message, stop).ConfigureAwait(false);
            return null;
        }));
    }
}

/// <summary>"Close" beside a request: asks for a reason in a small modal before anything changes.</summary>
public sealed class CloseButtonAction(AdminGuard guard, IMentorshipStore store, SlackApiClient slack) : IBlockActionHandler
{
    public string ActionId => QueueMessage.CloseActionId;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var requestId = action.Value ?? throw new SlackPayloadException("A Close click needs the request in 'value'.");
        var trigger = action.Interaction.TriggerId ?? throw new SlackPayloadException("A Close click needs 'trigger_id'.");
        var origin = AdminOrigin.Of(action.Interaction);
        return Task.FromResult(guard.Run("open close modal", origin, async stop =>
        {
            var request = await store.GetRequestAsync(requestId, stop).ConfigureAwait(false);
            if (request is null) return "I couldn't find that request any more.";
            await slack.OpenViewAsync(trigger, CloseModal.Build(request, origin), stop).ConfigureAwait(false);
            return null;
        }));
    }
}

/// <summary>The reason modal behind "Close". It remembers where the click came from so the answer goes back there.</summary>
public static class CloseModal
{
    public const string CallbackId = "admin_close_modal";
    public const string ReasonBlock = "reason";
    public const string ValueAction = "value";
    public const int MaxReason = 500;

    public sealed record Metadata(string RequestId, string? ChannelId, string? ResponseUrl, bool FromHome);

    public static JsonObject Build(MentorRequest r, AdminOrigin origin) => BlockKit.Modal(CallbackId, $"Close {r.Reference}",
    [
        BlockKit.Section($"Close *{r.Reference}* ({Mrkdwn.EscapeAndTruncate(r.Service, 200)}) from {Mrkdwn.User(r.MenteeSlackId)}? " +
            "Nobody will be able to claim it; the mentee is told, with your reason" +
            (r.Status == RequestStatus.Claimed && r.ClaimedBy is { } m ? $", and so is {Mrkdwn.User(m)}, who claimed it." : ".")),
        BlockKit.Input(ReasonBlock, "Reason (shown to the mentee)",
            BlockKit.TextInput(ValueAction, "e.g. a duplicate of R-1041, or sorted out in #help", maxLength: MaxReason), optional: true),
    ], submit: "Close request", close: "Keep it open",
        privateMetadata: JsonSerializer.Serialize(new Metadata(r.Id, origin.ChannelId, origin.ResponseUrl, origin.FromHome)));

    public static Metadata? ReadMetadata(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<Metadata>(json); }
        catch (JsonException) { return null; }
    }
}

/// <summary>The reason modal was submitted: close the request, if the person submitting is a coordinator.</summary>
public sealed class CloseSubmission(AdminGuard guard, RequestAdmin admin, IMentorshipStore store) : IViewSubmissionHandler
{
    public string CallbackId => CloseModal.CallbackId;

    public Task<SlackAck> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var meta = CloseModal.ReadMetadata(submission.PrivateMetadata) ?? throw new SlackPayloadException("The close modal's private_metadata is missing or not valid.");
        if (!guard.IsCoordinator(submission.UserId))
            return Task.FromResult(SlackAck.Errors(new Dictionary<string, string> { [CloseModal.ReasonBlock] = AdminGuard.Refusal }));
        var reason = submission.State.Text(CloseModal.ReasonBlock, CloseModal.ValueAction);
        var origin = new AdminOrigin(submission.UserId, meta.ChannelId, meta.ResponseUrl, meta.FromHome);
        return Task.FromResult(guard.Run("close request", origin, async stop =>
        {
            var request = await store.GetRequestAsync(meta.RequestId, stop).ConfigureAwait(false);
            return request is null ? "I couldn't find that request any more." : await admin.CloseAsync(origin.UserId, request, reason, stop).ConfigureAwait(false);
        }));
    }
}
