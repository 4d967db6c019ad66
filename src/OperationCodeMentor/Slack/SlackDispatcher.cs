using System.Text.Json.Nodes;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Telemetry;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Routes every command, interaction and event to its handler by id. The HTTP endpoints and Socket Mode both
/// come through here, so there is one code path whatever the transport. Each handler answers with its acknowledgement
/// and the work to do after it; the dispatcher hands that work to the <see cref="WorkQueue"/> (durable work is on disk
/// before the acknowledgement is returned) and returns the acknowledgement.
/// </summary>
public sealed partial class SlackDispatcher
{
    private readonly Dictionary<string, ISlashCommandHandler> _commands;
    private readonly Dictionary<string, IBlockActionHandler> _actions;
    private readonly Dictionary<string, IViewSubmissionHandler> _views;
    private readonly ILookup<string, ISlackEventHandler> _events;
    private readonly WorkQueue _work;
    private readonly ILogger<SlackDispatcher> _log;
    private readonly TimeProvider _clock;
    private readonly IDeliveryMemory _seen;
    private readonly BotMetrics? _metrics;
    private readonly SlackApiClient _slack;

    public SlackDispatcher(
        IEnumerable<ISlashCommandHandler> commands,
        IEnumerable<IBlockActionHandler> actions,
        IEnumerable<IViewSubmissionHandler> views,
        IEnumerable<ISlackEventHandler> events,
        WorkQueue work,
        ILogger<SlackDispatcher> log,
        TimeProvider clock,
        SlackApiClient slack,
        IDeliveryMemory? seen = null,
        BotMetrics? metrics = null)
    {
        _metrics = metrics;
        _slack = slack;
        _work = work;
        _commands = commands.ToDictionary(h => h.Command, StringComparer.OrdinalIgnoreCase);
        _actions = actions.ToDictionary(h => h.ActionId, StringComparer.Ordinal);
        _views = views.ToDictionary(h => h.CallbackId, StringComparer.Ordinal);
        // Several features may listen to one event type (a DM to the bot and a message in a pair's conversation are
        // both `message`); each looks at the event and takes what is its own.
        _events = events.ToLookup(h => h.EventType, StringComparer.Ordinal);
        _log = log;
        _clock = clock;
        _seen = seen ?? new LocalDeliveryMemory(clock);
    }

    /// <summary>Past this, Slack may already have given up on the acknowledgement (it waits 3 s).</summary>
    internal static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(2.5);

    public async Task<SlackAck> DispatchCommandAsync(SlashCommand command, CancellationToken ct)
    {
        using var scope = _log.BeginSlackUserScope(command.UserId, "command", command.Command);
        if (_commands.TryGetValue(command.Command, out var handler))
            return await TimedAsync(() => handler.HandleAsync(command, ct), "command", command.Command).ConfigureAwait(false);
        LogUnknown(_log, "command", command.Command);
        return SlackAck.Ephemeral($"Sorry, I don't know the command {command.Command}. Try /mentor or /mentor-volunteer help.");
    }

    public async Task<SlackAck> DispatchInteractionAsync(Interaction interaction, CancellationToken ct)
    {
        switch (interaction.Type)
        {
            case "block_actions":
                var ack = SlackAck.Empty;
                foreach (var action in interaction.Actions)
                {
                    using var scope = _log.BeginSlackUserScope(interaction.UserId, "action", action.ActionId);
                    if (!_actions.TryGetValue(action.ActionId, out var handler))
                    {
                        LogUnknown(_log, "action", action.ActionId);
                        continue;
                    }
                    // The same person pressing the same button for the same thing again within a moment: Slack sends each
                    // click with its own action_ts, so without this a hurried second press would run twice.
                    var click = new DeliveryOnce(
                        Deliveries.Click(interaction.UserId, action.ActionId, action.Value, interaction.MessageTs ?? Interaction.Str(interaction.View, "id")),
                        Deliveries.DoubleClickWindow);
                    // Slack answers a failed press with a bare warning sign; the person is also told in words, once the failure
                    // has been answered, what happened and what to do.
                    ack = await TimedAsync(() => handler.HandleAsync(action, ct), "action", action.ActionId, click, _ =>
                    {
                        TellLater(interaction, SlackAck.PressFailed);
                        return null;
                    }, ct).ConfigureAwait(false);
                }
                return ack;
            case "view_submission":
                var callback = interaction.CallbackId ?? throw new SlackPayloadException("A view_submission needs 'view.callback_id'.");
                using (_log.BeginSlackUserScope(interaction.UserId, "view", callback))
                {
                    if (!_views.TryGetValue(callback, out var view))
                    {
                        LogUnknown(_log, "view", callback);
                        return SlackAck.Empty;
                    }
                    // The form stays open with everything typed in it, and says why it did not go through; Slack's own answer to
                    // a failure is a vague "trouble connecting". A form with no input to show it under fails as before.
                    return await TimedAsync(() => view.HandleAsync(interaction, ct), "view", callback, onFailure: e =>
                    {
                        if (FirstInputBlock(interaction.View) is not { } block) return null;
                        LogSubmissionFailed(_log, e, callback);
                        return SlackAck.Errors(new Dictionary<string, string> { [block] = SlackAck.SubmissionFailed });
                    }, ct: ct).ConfigureAwait(false);
                }
            case "view_closed":
                return SlackAck.Empty;
            default:
                LogUnknown(_log, "interaction type", interaction.Type);
                return SlackAck.Empty;
        }
    }

    /// <summary>Handles an <c>event_callback</c>; an <c>event_id</c> already seen (a Slack retry) is skipped.</summary>
    public async Task DispatchEventAsync(JsonObject envelope, CancellationToken ct)
    {
        var evt = envelope["event"] as JsonObject ?? throw new SlackPayloadException("An event_callback needs 'event'.");
        var type = Interaction.Str(evt, "type") ?? throw new SlackPayloadException("An event needs 'event.type'.");
        var eventId = Interaction.Str(envelope, "event_id");
        if (eventId is not null && !await _seen.FirstAsync(Deliveries.Event(eventId), Deliveries.RetryWindow, ct).ConfigureAwait(false))
        {
            LogDuplicateEvent(_log, eventId);
            return;
        }
        using var scope = _log.BeginSlackUserScope(Interaction.Str(evt, "user") ?? "(none)", "event", type);
        var handlers = _events[type].ToList();
        if (handlers.Count == 0)
        {
            LogUnknown(_log, "event", type);
            return;
        }
        try
        {
            // Every handler decides before any work starts, so one that fails leaves nothing half done for the retry.
            var work = handlers.Select(h => h.Handle(evt)).ToList();
            foreach (var then in work)
                await TimedAsync(() => Task.FromResult(new Handled(SlackAck.Empty, then)), "event", type).ConfigureAwait(false);
        }
        catch (Exception e) when (eventId is not null && e is not SlackPayloadException)
        {
            // The failure answers Slack with an error, and Slack retries: that retry must be handled, not skipped.
            await _seen.ForgetAsync(Deliveries.Event(eventId), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The first input block of a submitted view: where Slack can show an error that is about the whole form.</summary>
    private static string? FirstInputBlock(JsonObject? view) =>
        (view?["blocks"] as JsonArray)?.OfType<JsonObject>()
            .Where(b => Interaction.Str(b, "type") == "input")
            .Select(b => Interaction.Str(b, "block_id"))
            .FirstOrDefault(id => !string.IsNullOrEmpty(id));

    /// <summary>Tells the person who pressed a button something, after the acknowledgement: ephemeral where they pressed it, or a DM.</summary>
    private void TellLater(Interaction interaction, string text) =>
        _work.Run(new TransientWork("tell the presser", stop => _slack.TellAsync(interaction.ChannelId, interaction.UserId, text, stop)));

    /// <summary>
    /// Awaits a handler, starts the work it asked for (durable work is on disk when this returns), and warns when it all
    /// took so long that Slack may have shown the person an error.
    /// </summary>
    /// <param name="click">
    /// The delivery a button press is: a repeat of it within its window does nothing. Every button's handler only decides
    /// (it changes nothing itself), so it is asked first: durable work it asks for is then written only if the press is
    /// new, in the same write that remembers the press where the queue's ledger holds that memory (one round trip on the
    /// acknowledgement path instead of two); otherwise the memory is asked before the work starts.
    /// </param>
    /// <param name="onFailure">
    /// When handling failed (not a malformed payload, not a cancellation): the answer to give instead, or null to let the
    /// failure through to the transport, which answers it as a failure.
    /// </param>
    private async Task<SlackAck> TimedAsync(Func<Task<Handled>> handle, string kind, string id, DeliveryOnce? click = null,
        Func<Exception, SlackAck?>? onFailure = null, CancellationToken ct = default)
    {
        try
        {
            return await HandleAndStartAsync(handle, kind, id, click, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not SlackPayloadException and not OperationCanceledException)
        {
            _metrics?.AcknowledgementFailed(kind, id);
            if (onFailure?.Invoke(e) is { } answer) return answer;
            throw;
        }
    }

    private async Task<SlackAck> HandleAndStartAsync(Func<Task<Handled>> handle, string kind, string id, DeliveryOnce? click, CancellationToken ct)
    {
        var started = _clock.GetTimestamp();
        var handled = await handle().ConfigureAwait(false);
        var then = handled.Then;
        // The queue's write decides whether the press is new, or the memory does before anything starts.
        var decidedByWrite = then is DurableWork && click is not null && _work.RemembersDeliveries;
        var remembered = click is not null && !decidedByWrite;
        if (remembered && !await _seen.FirstAsync(click!.Key, click.Window, ct).ConfigureAwait(false))
        {
            LogDoubleClick(_log, id);
            return SlackAck.Empty;
        }
        if (then is DurableWork durable && decidedByWrite) then = durable with { Once = click };
        bool fresh;
        try
        {
            fresh = then is null || await _work.StartAsync(then).ConfigureAwait(false);
        }
        catch when (remembered)
        {
            // The press was remembered but its work never started: pressing again at once must not count as a double click.
            await _seen.ForgetAsync(click!.Key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        if (!fresh && decidedByWrite) LogDoubleClick(_log, id);
        var elapsed = _clock.GetElapsedTime(started);
        _metrics?.Acknowledged(kind, id, elapsed);
        if (elapsed > SlowAnswer) LogSlow(_log, kind, id, elapsed.TotalSeconds);
        return fresh ? handled.Ack : SlackAck.Empty;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a submission of '{CallbackId}' failed; the form was kept open and told to try again")]
    private static partial void LogSubmissionFailed(ILogger log, Exception e, string callbackId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A second press of {ActionId} within a moment of the first was ignored")]
    private static partial void LogDoubleClick(ILogger log, string actionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No handler for {Kind} '{Id}'; ignored")]
    private static partial void LogUnknown(ILogger log, string kind, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} handler for '{Id}' took {Seconds:0.0} s to answer; Slack waits 3 s before showing the person operation_timeout. Move slow work after the acknowledgement (README: Troubleshooting).")]
    private static partial void LogSlow(ILogger log, string kind, string id, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventId} already handled; Slack retry skipped")]
    private static partial void LogDuplicateEvent(ILogger log, string eventId);
}
