using System.Text.Json;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Slack;

/// <summary>A payload that is missing something the bot needs, or is not JSON at all.</summary>
public sealed class SlackPayloadException(string message) : Exception(message);

/// <summary>A slash command, from the HTTP form or from a Socket Mode envelope.</summary>
public sealed record SlashCommand(
    string Command,
    string Text,
    string UserId,
    string? UserName,
    string? ChannelId,
    string? TeamId,
    string? TriggerId,
    string? ResponseUrl)
{
    public static SlashCommand From(Func<string, string?> field)
    {
        var command = field("command");
        var user = field("user_id");
        if (string.IsNullOrEmpty(command) || string.IsNullOrEmpty(user))
            throw new SlackPayloadException("A slash command needs 'command' and 'user_id'.");
        return new SlashCommand(command, (field("text") ?? "").Trim(), user, field("user_name"), field("channel_id"),
            field("team_id"), field("trigger_id"), field("response_url"));
    }

    public static SlashCommand FromJson(JsonObject o) => From(k => o[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null);
}

/// <summary>An interactivity payload (<c>block_actions</c>, <c>view_submission</c>, …) with typed accessors.</summary>
public sealed class Interaction
{
    public Interaction(JsonObject payload)
    {
        Payload = payload;
        Type = Str(payload, "type") ?? throw new SlackPayloadException("The interaction payload has no 'type'.");
        UserId = Str(payload["user"], "id") ?? throw new SlackPayloadException("The interaction payload has no 'user.id'.");
    }

    public JsonObject Payload { get; }
    public string Type { get; }
    public string UserId { get; }
    public string? UserName => Str(Payload["user"], "username") ?? Str(Payload["user"], "name");
    public string? TriggerId => Str(Payload, "trigger_id");
    public string? ResponseUrl => Str(Payload, "response_url");
    public string? ChannelId => Str(Payload["container"], "channel_id") ?? Str(Payload["channel"], "id");
    public string? MessageTs => Str(Payload["container"], "message_ts") ?? Str(Payload["message"], "ts");

    /// <summary>A click in an ephemeral message (such as a command's answer), which only its response_url can answer.</summary>
    public bool IsEphemeral => Payload["container"]?["is_ephemeral"] is JsonValue v && v.TryGetValue<bool>(out var e) && e;
    public JsonObject? View => Payload["view"] as JsonObject;
    public string? CallbackId => Str(View, "callback_id");
    public string? PrivateMetadata => Str(View, "private_metadata");

    public IReadOnlyList<BlockAction> Actions =>
        (Payload["actions"] as JsonArray)?.OfType<JsonObject>().Select(a => new BlockAction(this, a)).ToList() ?? [];

    public ViewState State => new(View?["state"]?["values"] as JsonObject);

    internal static string? Str(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static Interaction Parse(string json)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException) { throw new SlackPayloadException("The 'payload' field is not valid JSON."); }
        return node is JsonObject o ? new Interaction(o) : throw new SlackPayloadException("The 'payload' field is not a JSON object.");
    }
}

/// <summary>One element of <c>actions[]</c> in a <c>block_actions</c> payload.</summary>
public sealed record BlockAction(Interaction Interaction, JsonObject Raw)
{
    public string ActionId => Interaction.Str(Raw, "action_id") ?? "";
    public string? BlockId => Interaction.Str(Raw, "block_id");
    public string? Value => Interaction.Str(Raw, "value") ?? Interaction.Str(Raw["selected_option"], "value") ?? Interaction.Str(Raw, "selected_user");
}

/// <summary>The values typed into a modal, read by block and action id.</summary>
public sealed class ViewState(JsonObject? values)
{
    private JsonObject? Element(string blockId, string actionId) => values?[blockId]?[actionId] as JsonObject;

    public string? Text(string blockId, string actionId) => Interaction.Str(Element(blockId, actionId), "value");

    /// <summary>Another field of the element's state: a date picker's <c>selected_date</c>, a time picker's <c>selected_time</c>.</summary>
    public string? Field(string blockId, string actionId, string key) => Interaction.Str(Element(blockId, actionId), key);

    public string? Selected(string blockId, string actionId) =>
        Interaction.Str(Element(blockId, actionId)?["selected_option"], "value") ?? Interaction.Str(Element(blockId, actionId), "selected_user");

    /// <summary>A date picker's choice, as Slack sends it: <c>YYYY-MM-DD</c>.</summary>
    public string? Date(string blockId, string actionId) => Interaction.Str(Element(blockId, actionId), "selected_date");

    public IReadOnlyList<string> SelectedMany(string blockId, string actionId) =>
        (Element(blockId, actionId)?["selected_options"] as JsonArray)?
            .Select(o => Interaction.Str(o, "value")).OfType<string>().ToList() ?? [];
}

/// <summary>What goes back to Slack in the acknowledgement: nothing, a message, or a view response.</summary>
public sealed record SlackAck(JsonObject? Body)
{
    public static readonly SlackAck Empty = new((JsonObject?)null);

    /// <summary>What a person sees when handling their command failed, over HTTP and Socket Mode alike.</summary>
    public static SlackAck CommandFailed => Ephemeral("Sorry, something went wrong on our side and nothing was saved. Please try again in a minute; if it keeps happening, tell a mentor coordinator.");

    /// <summary>
    /// What a person is told when the press of a button could not be handled. It does not promise that nothing happened: a
    /// write whose answer was lost may still have been made, and pressing again is then recognised as a repeat.
    /// </summary>
    public const string PressFailed = "Sorry, something went wrong on our side and I couldn't record that press. Please press the button again in a minute; if it keeps happening, tell a mentor coordinator.";

    /// <summary>Shown in a form whose submission could not be handled; what was typed stays in it.</summary>
    public const string SubmissionFailed = "Sorry, something went wrong on our side and this wasn't saved. Everything you typed is still here: please submit again in a minute. If it keeps happening, tell a mentor coordinator.";

    public static SlackAck Ephemeral(string text) => new(new JsonObject { ["response_type"] = "ephemeral", ["text"] = text });

    public static SlackAck Ephemeral(string text, JsonArray blocks) =>
        new(new JsonObject { ["response_type"] = "ephemeral", ["text"] = text, ["blocks"] = blocks });

    /// <summary>Validation errors shown inside the modal, keyed by input block ID.</summary>
    public static SlackAck Errors(IReadOnlyDictionary<string, string> errors)
    {
        var e = new JsonObject();
        foreach (var (k, v) in errors) e[k] = v;
        return new(new JsonObject { ["response_action"] = "errors", ["errors"] = e });
    }
}
