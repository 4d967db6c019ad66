using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Demo;

/// <summary>
/// Prints the story the way people would see it in Slack: who did what, then where each of the bot's messages
/// appeared (a channel, a DM, a message only one person sees, a modal) and what it said, with people and
/// channels by name. The message bodies are rendered by <see cref="ReadableCall"/>, as in the offline log.
/// </summary>
public sealed partial class StoryPrinter(TextWriter output, bool colour, SlackStandIn slack)
{
    private const string Bold = "\e[1m", Dim = "\e[2m", Red = "\e[31m", Green = "\e[32m", Yellow = "\e[33m",
        Blue = "\e[34m", Magenta = "\e[35m", Cyan = "\e[36m";

    public void Line(string text = "", string? style = null)
    {
        output.WriteLine(colour && style is not null && text.Length > 0 ? $"{style}{text}\e[0m" : text);
    }

    public void Heading(string text) => Line(text, Bold);

    public void Act(int number, string title)
    {
        Line();
        Line($"== {number}. {title} ==", Bold + Cyan);
    }

    public void Does(Person who, string what) => Does(who.Label, what);

    public void Does(string who, string what) => Line($"> {who} {what}", Bold + Green);

    public void Time(string text) => Line($"~~ {text} ~~", Bold + Yellow);

    public void Note(string text) => Line(text, Dim);

    public void Problem(string text) => Line(text, Bold + Red);

    /// <summary>The bot's direct answer to a command or submission, which only the person who sent it sees.</summary>
    public void Answer(Person who, JsonObject? ack)
    {
        if (ack is null || ack["response_action"] is not null) return;
        Line($"  only @{who.Name} sees this, from the bot:", Yellow);
        Body(ack);
    }

    /// <summary>Every call a person would notice, in the order the bot made them.</summary>
    public void Show(IEnumerable<SlackCall> calls)
    {
        foreach (var call in calls)
        {
            if (!call.Ok)
            {
                Line($"  Slack refused {call.Method}: {call.Answer["error"]}", Red);
                continue;
            }
            var (where, style) = Where(call);
            if (where is null) continue;
            Line("  " + where, style);
            if (call.Method is not "conversations.invite") Body(call.Body);
        }
    }

    private (string? Where, string Style) Where(SlackCall call)
    {
        var channel = call["channel"];
        var dmWith = channel is null ? null : slack.DmWith(channel);
        var place = dmWith is not null ? "DM with the bot" : $"#{(channel is null ? "?" : slack.ChannelName(channel) ?? channel)}";
        return call.Method switch
        {
            "chat.postMessage" when dmWith is not null => ($"DM from the bot to {Name(dmWith)}:", Magenta),
            "chat.postMessage" when (channel is null ? null : slack.GroupWith(channel)) is { } group =>
                ($"group DM of the bot with {string.Join(" and ", group.Select(Name))}:", Magenta),
            "chat.postMessage" when call["thread_ts"] is not null =>
                ($"{place}, the bot replies in the thread of its post{(call.Body["reply_broadcast"]?.ToString() == "true" ? " (also sent to the channel)" : "")}:", Cyan),
            "chat.postMessage" => ($"{place}, the bot posts:", Cyan),
            "chat.update" => ($"{place}, the bot edits its post; it now reads:", Cyan),
            "chat.postEphemeral" => ($"{place}, only {Name(call["user"])} sees this:", Yellow),
            "views.open" => ($"a form opens for {Name(slack.TriggerOwner(call["trigger_id"] ?? ""))}:", Blue),
            "views.publish" => ($"the bot's Home tab changes for {Name(call["user_id"])}:", Blue),
            "conversations.invite" => ($"{Name(call["users"])} is added to #{slack.ChannelName(channel ?? "") ?? channel}", Dim),
            "response_url" => ("only the person who acted sees this:", Yellow),
            _ => (null, ""),
        };
    }

    private void Body(JsonObject body)
    {
        // Slack shows the blocks; the text beside them is only the notification's preview.
        var shown = (JsonObject)body.DeepClone();
        if (shown["blocks"] is JsonArray { Count: > 0 }) shown.Remove("text");
        var content = ReadableCall.Content(shown);
        if (content.Length > 0) output.WriteLine(Names(content));
    }

    private static string Name(string? userId) => "@" + (userId is null ? "someone" : Cast.ById(userId)?.Name ?? userId);

    /// <summary>Mentions as people read them: the renderer writes <c>@U0MARIA</c>; Slack shows <c>@Maria</c>.</summary>
    public string Names(string text) =>
        Reference().Replace(text, m => m.Value[0] == '@'
            ? Cast.ById(m.Groups[1].Value) is { } person ? "@" + person.Name : m.Value
            : slack.ChannelName(m.Groups[1].Value) is { } channel ? "#" + channel : m.Value);

    [GeneratedRegex(@"(?<![\w@#])[@#]([UWCG][A-Z0-9]{2,})\b")]
    private static partial Regex Reference();
}
