using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Demo;

/// <summary>
/// What Slack sends the bot when someone in the story acts: a slash command, a modal submission, a button click.
/// Each goes to the bot's real endpoint as an HTTP request signed with the signing secret, built from what the
/// bot actually showed (the modal it opened, the message it posted), and waits until the work it started is done.
/// </summary>
public sealed class PeopleInSlack(HttpClient bot, string signingSecret, TimeProvider clock, SlackStandIn slack, Func<Task> settle)
{
    private const string TeamId = "T0DEMO";
    private const string AppId = "A0DEMO";

    /// <summary>Types a slash command in #general; returns the bot's immediate answer, if it gave one.</summary>
    public Task<JsonObject?> CommandAsync(Person who, string command, string text = "")
    {
        var form = string.Join('&', new (string Key, string Value)[]
        {
            ("team_id", TeamId), ("team_domain", "operationcode"), ("channel_id", Cast.GeneralChannelId), ("channel_name", "general"),
            ("user_id", who.Id), ("user_name", who.UserName), ("command", command), ("text", text),
            ("response_url", slack.NewResponseUrl()), ("trigger_id", slack.NewTriggerId(who.Id)), ("api_app_id", AppId),
        }.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
        return SendAsync("/slack/commands", form, $"{command} from {who.Name}");
    }

    /// <summary>
    /// Fills in a modal the bot opened and presses its submit button. <paramref name="answers"/> maps an input
    /// block to what the person enters: text, a number, or the option(s) they pick, which must be offered.
    /// </summary>
    public Task<JsonObject?> SubmitAsync(Person who, JsonObject view, IReadOnlyDictionary<string, object> answers)
    {
        var values = new JsonObject();
        foreach (var block in (view["blocks"] as JsonArray ?? []).OfType<JsonObject>().Where(b => Str(b, "type") == "input"))
        {
            var blockId = Str(block, "block_id") ?? throw new DemoFailure("The bot's modal has an input without a block_id.");
            var element = block["element"] as JsonObject ?? throw new DemoFailure($"The bot's modal input '{blockId}' has no element.");
            var state = Answer(element, answers.GetValueOrDefault(blockId), blockId);
            values[blockId] = new JsonObject { [Str(element, "action_id") ?? "value"] = state };
        }
        var unknown = answers.Keys.Where(k => values[k] is null).ToList();
        if (unknown.Count > 0) throw new DemoFailure($"The bot's modal has no input '{string.Join("', '", unknown)}' to fill in.");

        var payload = Payload("view_submission", who);
        payload["view"] = new JsonObject
        {
            ["id"] = view["id"]?.DeepClone(),
            ["team_id"] = TeamId,
            ["type"] = "modal",
            ["callback_id"] = view["callback_id"]?.DeepClone(),
            ["private_metadata"] = view["private_metadata"]?.DeepClone() ?? "",
            ["hash"] = view["hash"]?.DeepClone(),
            ["state"] = new JsonObject { ["values"] = values },
        };
        return InteractAsync(payload, $"{who.Name}'s form");
    }

    /// <summary>Presses the button with <paramref name="actionId"/> on a message the bot posted.</summary>
    public Task<JsonObject?> ClickAsync(Person who, SlackMessage message, string actionId)
    {
        var (blockId, button) = FindButton(message, actionId)
            ?? throw new DemoFailure($"The message {who.Name} is looking at has no button '{actionId}'.");
        var payload = Payload("block_actions", who);
        var isDm = slack.DmWith(message.Channel) is not null;
        payload["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = message.Ts, ["channel_id"] = message.Channel, ["is_ephemeral"] = false };
        payload["channel"] = new JsonObject { ["id"] = message.Channel, ["name"] = isDm ? "directmessage" : slack.ChannelName(message.Channel) };
        payload["message"] = new JsonObject { ["type"] = "message", ["ts"] = message.Ts, ["text"] = message.Body["text"]?.DeepClone(), ["blocks"] = message.Body["blocks"]?.DeepClone() };
        payload["response_url"] = slack.NewResponseUrl();
        payload["actions"] = new JsonArray(new JsonObject
        {
            ["action_id"] = actionId,
            ["block_id"] = blockId,
            ["type"] = "button",
            ["value"] = button["value"]?.DeepClone(),
            ["text"] = button["text"]?.DeepClone(),
            ["action_ts"] = Ts(),
        });
        return InteractAsync(payload, $"{who.Name}'s click on {actionId}");
    }

    public static (string BlockId, JsonObject Button)? FindButton(SlackMessage message, string actionId)
    {
        foreach (var block in (message.Body["blocks"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var elements = (block["elements"] as JsonArray ?? []).OfType<JsonObject>().Append(block["accessory"] as JsonObject);
            if (elements.FirstOrDefault(e => e is not null && Str(e, "action_id") == actionId) is { } button)
                return (Str(block, "block_id") ?? "", button);
        }
        return null;
    }

    private JsonObject Payload(string type, Person who) => new()
    {
        ["type"] = type,
        ["team"] = new JsonObject { ["id"] = TeamId, ["domain"] = "operationcode" },
        ["user"] = new JsonObject { ["id"] = who.Id, ["username"] = who.UserName, ["name"] = who.UserName, ["team_id"] = TeamId },
        ["api_app_id"] = AppId,
        ["trigger_id"] = slack.NewTriggerId(who.Id),
    };

    private static JsonObject Answer(JsonObject element, object? answer, string blockId)
    {
        var type = Str(element, "type");
        var state = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "plain_text_input" or "number_input":
                state["value"] = answer switch
                {
                    null => element["initial_value"]?.DeepClone(),
                    int n => n.ToString(CultureInfo.InvariantCulture),
                    var other => other.ToString(),
                };
                break;
            case "static_select" or "radio_buttons":
                state["selected_option"] = answer is string one ? Offered(element, one, blockId) : element["initial_option"]?.DeepClone();
                break;
            case "multi_static_select":
                state["selected_options"] = answer is IEnumerable<string> many
                    ? new JsonArray(many.Select(m => (JsonNode)Offered(element, m, blockId)).ToArray())
                    : element["initial_options"]?.DeepClone() ?? new JsonArray();
                break;
            case "datepicker":
                state["selected_date"] = answer is string date ? date : element["initial_date"]?.DeepClone();
                break;
            case "timepicker":
                state["selected_time"] = answer is string time ? time : element["initial_time"]?.DeepClone();
                if (element["timezone"] is { } zone) state["timezone"] = zone.DeepClone();
                break;
            default:
                if (answer is not null) throw new DemoFailure($"The demo cannot fill in a {type} ('{blockId}').");
                break;
        }
        return state;
    }

    /// <summary>The option with this value, as the modal offers it; a person can only pick what is on the list.</summary>
    private static JsonObject Offered(JsonObject element, string value, string blockId)
    {
        var options = (element["options"] as JsonArray ?? [])
            .Concat((element["option_groups"] as JsonArray ?? []).SelectMany(g => g?["options"] as JsonArray ?? []));
        return options.OfType<JsonObject>().FirstOrDefault(o => Str(o, "value") == value)?.DeepClone() as JsonObject
            ?? throw new DemoFailure($"The bot's modal does not offer '{value}' in '{blockId}'.");
    }

    private Task<JsonObject?> InteractAsync(JsonObject payload, string what) =>
        SendAsync("/slack/interactions", "payload=" + Uri.EscapeDataString(payload.ToJsonString()), what);

    private async Task<JsonObject?> SendAsync(string path, string body, string what)
    {
        var ts = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
        request.Headers.Add(SlackSignatureVerifier.TimestampHeader, ts);
        request.Headers.Add(SlackSignatureVerifier.SignatureHeader, Encoding.ASCII.GetString(SlackSignatureVerifier.Compute(signingSecret, ts, bytes)));

        using var response = await bot.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new DemoFailure($"The bot answered {(int)response.StatusCode} to {what}: {text}");
        await settle().ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonNode.Parse(text) as JsonObject; }
        catch (JsonException) { return new JsonObject { ["text"] = text }; }
    }

    private string Ts() => (clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0).ToString("F6", CultureInfo.InvariantCulture);

    private static string? Str(JsonObject o, string key) => Interaction.Str(o, key);
}

/// <summary>The story could not go on: the bot did something other than what the demo shows.</summary>
public sealed class DemoFailure(string message) : Exception(message);
