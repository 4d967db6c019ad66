using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Renders a Web API call the way a person reads Slack: where it goes, what it says, and one line per block.
/// Offline mode logs every call this way, so someone trying the bot without a workspace can follow what it
/// would have posted and to whom.
/// </summary>
public static partial class ReadableCall
{
    private const int MaxLine = 400;
    private const string Indent = "    ";

    /// <summary>Who sees the call, in words: "in channel G0123", "DM to @U1", "only @U1 sees it, in channel C1", …</summary>
    /// <param name="dmOwner">Maps a DM channel ID back to the person it is with, when known.</param>
    public static string Audience(string method, JsonObject body, Func<string, string?>? dmOwner = null)
    {
        string Where(string? channel)
        {
            if (channel is null) return "somewhere unstated";
            if (dmOwner?.Invoke(channel) is { } person) return $"DM to @{person}";
            return channel.StartsWith('D') ? $"DM {channel}" : $"in channel {channel}";
        }

        var channel = Str(body, "channel");
        var thread = Str(body, "thread_ts") is { } ts ? $", in the thread of {ts}" : "";
        return method switch
        {
            "chat.postMessage" => Where(channel) + thread,
            "chat.postEphemeral" => $"only @{Str(body, "user")} sees it, {Where(channel)}{thread}",
            "chat.update" => $"edits message {Str(body, "ts")} {Where(channel)}",
            "chat.delete" => $"deletes message {Str(body, "ts")} {Where(channel)}",
            "views.open" => $"opens a modal for whoever clicked (trigger {Str(body, "trigger_id")})",
            "views.push" => "pushes a modal onto the open one",
            "views.update" => $"updates modal {Str(body, "view_id") ?? Str(body, "external_id")}",
            "views.publish" => $"Home tab of @{Str(body, "user_id")}",
            "conversations.open" => $"opens a DM with @{Str(body, "users")}",
            "conversations.invite" => $"invites @{Str(body, "users")} to {Str(body, "channel")}",
            "response_url" => Str(body, "response_type") == "in_channel" ? "replies in the channel" :
                body["replace_original"]?.GetValueKind() == System.Text.Json.JsonValueKind.True ? "replaces the clicked message" : "replies privately to whoever typed or clicked",
            _ => string.Join(' ', body.Where(p => p.Value is JsonValue).Select(p => $"{p.Key}={p.Value}")),
        };
    }

    /// <summary>The message text and a compact line per block (or the modal's title and blocks), indented under the audience line.</summary>
    public static string Content(JsonObject body)
    {
        var sb = new StringBuilder();
        if (Str(body, "text") is { Length: > 0 } text)
            foreach (var line in Plain(text).Split('\n')) Line(sb, line);
        if (body["blocks"] is JsonArray blocks) Blocks(sb, blocks);
        if (body["view"] is JsonObject view)
        {
            var title = Plain(Str(view["title"], "text") ?? "");
            var submit = Str(view["submit"], "text") is { } s ? $" [{Plain(s)}]" : "";
            Line(sb, $"{(Str(view, "type") == "home" ? "Home tab" : "modal")} \"{title}\"{submit} ({Str(view, "callback_id") ?? "no callback id"})");
            if (view["blocks"] is JsonArray viewBlocks) Blocks(sb, viewBlocks);
        }
        return sb.ToString();
    }

    /// <summary>Slack mrkdwn as a person sees it: mentions as @ID, links as their label, entities unescaped.</summary>
    public static string Plain(string mrkdwn)
    {
        var s = ControlSequence().Replace(mrkdwn, m =>
        {
            var inner = m.Groups[1].Value;
            var bar = inner.IndexOf('|');
            var target = bar < 0 ? inner : inner[..bar];
            var label = bar < 0 ? null : inner[(bar + 1)..];
            return target[0] switch
            {
                // A date shows each reader their own time; its fallback is what a reader without one sees.
                '!' when target.StartsWith("!date^", StringComparison.Ordinal) => label ?? target,
                '@' or '!' when label is not null => label.StartsWith('@') ? label : "@" + label,
                '@' => "@" + target[1..],
                '!' => "@" + target[1..].Split('^').Last(),
                '#' => "#" + (label ?? target[1..]),
                _ => label is null ? target : $"{label} ({target})",
            };
        });
        return s.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);
    }

    private static void Blocks(StringBuilder sb, JsonArray blocks)
    {
        foreach (var block in blocks.OfType<JsonObject>())
        {
            var rendered = Block(block);
            var lines = rendered.Split('\n');
            for (var i = 0; i < lines.Length; i++) Line(sb, (i == 0 ? "| " : "|   ") + lines[i]);
        }
    }

    private static string Block(JsonObject b) => Str(b, "type") switch
    {
        "header" => $"== {TextOf(b["text"])} ==",
        "section" => string.Join('\n', new[]
        {
            TextOf(b["text"]),
            b["fields"] is JsonArray fields ? string.Join(" · ", fields.Select(f => TextOf(f).Replace('\n', ' '))) : "",
            b["accessory"] is JsonObject accessory ? Element(accessory) : "",
        }.Where(x => x.Length > 0)),
        "context" => "(" + string.Join(' ', (b["elements"] as JsonArray ?? []).Select(e => Str(e, "type") == "image" ? $"[{Str(e, "alt_text")}]" : TextOf(e))) + ")",
        "divider" => "----",
        "actions" => string.Join(' ', (b["elements"] as JsonArray ?? []).OfType<JsonObject>().Select(Element)),
        "input" => $"{TextOf(b["label"])}{(b["optional"]?.GetValueKind() == System.Text.Json.JsonValueKind.True ? " (optional)" : "")}: {(b["element"] is JsonObject el ? Element(el) : "")}",
        "image" => $"[image: {Str(b, "alt_text")}]",
        "rich_text" => "(formatted text)",
        var other => $"({other} block)",
    };

    private static string Element(JsonObject e) => Str(e, "type") switch
    {
        "button" => $"[{TextOf(e["text"])}]",
        "static_select" or "external_select" => $"<pick one: {TextOf(e["placeholder"])}{Count(e)}>",
        "multi_static_select" or "multi_external_select" => $"<pick several: {TextOf(e["placeholder"])}{Count(e)}>",
        "users_select" or "multi_users_select" => $"<pick a person: {TextOf(e["placeholder"])}>",
        "plain_text_input" => e["multiline"]?.GetValueKind() == System.Text.Json.JsonValueKind.True ? "<text box>" : "<text field>",
        "number_input" => "<number>",
        "checkboxes" or "radio_buttons" => $"<choices{Count(e)}>",
        var other => $"<{other}>",
    };

    private static string Count(JsonObject e) => e["options"] is JsonArray o ? $", {o.Count} options" : "";

    private static string TextOf(JsonNode? textObject) => textObject is JsonObject o ? Plain(Str(o, "text") ?? "") : "";

    private static void Line(StringBuilder sb, string line)
    {
        if (sb.Length > 0) sb.Append(Environment.NewLine);
        sb.Append(Indent).Append(Mrkdwn.Truncate(line, MaxLine));
    }

    private static string? Str(JsonNode? node, string key) => Interaction.Str(node, key);

    [GeneratedRegex("<([@#!][^<>]*|(?:https?|mailto):[^<>]*)>")]
    private static partial Regex ControlSequence();
}
