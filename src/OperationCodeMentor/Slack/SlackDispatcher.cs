using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Routes every command, interaction and event to its handler by id. The HTTP endpoints and Socket Mode both
/// come through here, so there is one code path whatever the transport.
/// </summary>
public sealed partial class SlackDispatcher
{
    private readonly Dictionary<string, ISlashCommandHandler> _commands;
    private readonly Dictionary<string, IBlockActionHandler> _actions;
    private readonly Dictionary<string, IViewSubmissionHandler> _views;
    private readonly Dictionary<string, ISlackEventHandler> _events;
    private readonly ILogger<SlackDispatcher> _log;
    private readonly ConcurrentDictionary<string, byte> _seenEvents = new();
    private readonly ConcurrentQueue<string> _seenOrder = new();

    public SlackDispatcher(
        IEnumerable<ISlashCommandHandler> commands,
        IEnumerable<IBlockActionHandler> actions,
        IEnumerable<IViewSubmissionHandler> views,
        IEnumerable<ISlackEventHandler> events,
        ILogger<SlackDispatcher> log)
    {
        _commands = commands.ToDictionary(h => h.Command, StringComparer.OrdinalIgnoreCase);
        _actions = actions.ToDictionary(h => h.ActionId, StringComparer.Ordinal);
        _views = views.ToDictionary(h => h.CallbackId, StringComparer.Ordinal);
        _events = events.ToDictionary(h => h.EventType, StringComparer.Ordinal);
        _log = log;
    }

    public Task<SlackAck> DispatchCommandAsync(SlashCommand command, CancellationToken ct)
    {
        if (_commands.TryGetValue(command.Command, out var handler)) return handler.HandleAsync(command, ct);
        LogUnknown(_log, "command", command.Command);
        return Task.FromResult(SlackAck.Ephemeral($"Sorry, I don't know the command {command.Command}. Try /mentor or /mentor-volunteer help."));
    }

    public async Task<SlackAck> DispatchInteractionAsync(Interaction interaction, CancellationToken ct)
    {
        switch (interaction.Type)
        {
            case "block_actions":
                var ack = SlackAck.Empty;
                foreach (var action in interaction.Actions)
                {
                    if (_actions.TryGetValue(action.ActionId, out var handler)) ack = await handler.HandleAsync(action, ct).ConfigureAwait(false);
                    else LogUnknown(_log, "action", action.ActionId);
                }
                return ack;
            case "view_submission":
                var callback = interaction.CallbackId ?? throw new SlackPayloadException("A view_submission needs 'view.callback_id'.");
                if (_views.TryGetValue(callback, out var view)) return await view.HandleAsync(interaction, ct).ConfigureAwait(false);
                LogUnknown(_log, "view", callback);
                return SlackAck.Empty;
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
        if (eventId is not null && !Remember(eventId))
        {
            LogDuplicateEvent(_log, eventId);
            return;
        }
        if (_events.TryGetValue(type, out var handler)) await handler.HandleAsync(evt, ct).ConfigureAwait(false);
        else LogUnknown(_log, "event", type);
    }

    private bool Remember(string eventId)
    {
        if (!_seenEvents.TryAdd(eventId, 0)) return false;
        _seenOrder.Enqueue(eventId);
        while (_seenOrder.Count > 10_000 && _seenOrder.TryDequeue(out var old)) _seenEvents.TryRemove(old, out _);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No handler for {Kind} '{Id}'; ignored")]
    private static partial void LogUnknown(ILogger log, string kind, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventId} already handled; Slack retry skipped")]
    private static partial void LogDuplicateEvent(ILogger log, string eventId);
}
