using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>Builds requests signed the way Slack signs them, and the payloads Slack sends.</summary>
public sealed class SlackRequests(string signingSecret, TimeProvider clock)
{
    public HttpRequestMessage Signed(string path, string body, string contentType, DateTimeOffset? at = null, string? secret = null)
    {
        var ts = (at ?? clock.GetUtcNow()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes(body);
        var signature = Encoding.ASCII.GetString(SlackSignatureVerifier.Compute(secret ?? signingSecret, ts, bytes));
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.Add(SlackSignatureVerifier.TimestampHeader, ts);
        request.Headers.Add(SlackSignatureVerifier.SignatureHeader, signature);
        return request;
    }

    public static string Form(params (string Key, string Value)[] fields) =>
        string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));

    /// <summary>A slash command; like Slack, every one has its own trigger unless a test repeats one on purpose.</summary>
    public HttpRequestMessage Command(string command, string user, string text = "", string? responseUrl = null, string? triggerId = null) =>
        Signed("/slack/commands", Form(
            ("token", "ignored"), ("team_id", "T0TEAM"), ("team_domain", "operationcode"), ("channel_id", "C0GENERAL"),
            ("channel_name", "general"), ("user_id", user), ("user_name", user.ToLowerInvariant()), ("command", command),
            ("text", text), ("response_url", responseUrl ?? "https://hooks.slack.invalid/commands/1"), ("trigger_id", triggerId ?? "trigger-" + Interlocked.Increment(ref _triggers).ToString(CultureInfo.InvariantCulture)),
            ("api_app_id", "A0APP")), "application/x-www-form-urlencoded");

    public HttpRequestMessage Interaction(JsonObject payload) =>
        Signed("/slack/interactions", Form(("payload", payload.ToJsonString())), "application/x-www-form-urlencoded");

    public HttpRequestMessage Event(JsonObject body) => Signed("/slack/events", body.ToJsonString(), "application/json");

    public static JsonObject User(string id) => new() { ["id"] = id, ["username"] = id.ToLowerInvariant(), ["team_id"] = "T0TEAM" };

    /// <summary>A view_submission whose state holds the given values: text, single selects, multi selects, numbers or checkboxes.</summary>
    public static JsonObject ViewSubmission(string callbackId, string user, params (string Block, object? Value)[] values)
    {
        var state = new JsonObject();
        foreach (var (block, value) in values)
        {
            JsonObject element = value switch
            {
                null => new JsonObject { ["type"] = "plain_text_input", ["value"] = null },
                string s => new JsonObject { ["type"] = "plain_text_input", ["value"] = s },
                Selected one => new JsonObject { ["type"] = "static_select", ["selected_option"] = Option(one.Value) },
                SelectedUser person => new JsonObject { ["type"] = "users_select", ["selected_user"] = person.Id },
                string[] many => new JsonObject { ["type"] = "multi_static_select", ["selected_options"] = new JsonArray(many.Select(m => (JsonNode)Option(m)).ToArray()) },
                int n => new JsonObject { ["type"] = "number_input", ["value"] = n.ToString(CultureInfo.InvariantCulture) },
                PickedDate d => new JsonObject { ["type"] = "datepicker", ["selected_date"] = d.Value },
                PickedTime t => new JsonObject { ["type"] = "timepicker", ["selected_time"] = t.Value },
                Checked ticked => new JsonObject { ["type"] = "checkboxes", ["selected_options"] = new JsonArray(ticked.Values.Select(m => (JsonNode)Option(m)).ToArray()) },
                _ => throw new ArgumentException($"Unsupported value for {block}"),
            };
            state[block] = new JsonObject { ["value"] = element };
        }
        return new JsonObject
        {
            ["type"] = "view_submission",
            ["team"] = new JsonObject { ["id"] = "T0TEAM" },
            ["user"] = User(user),
            ["api_app_id"] = "A0APP",
            ["view"] = new JsonObject
            {
                ["id"] = "V" + Interlocked.Increment(ref _views).ToString("D8", CultureInfo.InvariantCulture),
                ["type"] = "modal",
                ["callback_id"] = callbackId,
                ["private_metadata"] = "",
                ["hash"] = "h1",
                ["state"] = new JsonObject { ["values"] = state },
            },
        };
    }

    private static long _views;
    private static long _triggers;
    private static long _clicks;

    public sealed record Selected(string Value);

    /// <summary>A date picker's choice, as Slack sends it (<c>yyyy-MM-dd</c>, or whatever a test needs to break).</summary>
    public sealed record PickedDate(string? Value);

    /// <summary>A time picker's choice, as Slack sends it (<c>HH:mm</c>).</summary>
    public sealed record PickedTime(string? Value);

    /// <summary>A person chosen in a users_select.</summary>
    public sealed record SelectedUser(string Id);

    /// <summary>The boxes ticked in a checkboxes element.</summary>
    public sealed record Checked(params string[] Values);

    private static JsonObject Option(string v) => new() { ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = v }, ["value"] = v };

    /// <summary>An <c>app_home_opened</c> event callback.</summary>
    public static JsonObject AppHomeOpened(string user, string tab = "home", string? eventId = null) => new()
    {
        ["type"] = "event_callback",
        ["team_id"] = "T0TEAM",
        ["api_app_id"] = "A0APP",
        ["event_id"] = eventId ?? "Ev" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant(),
        ["event_time"] = 1_700_000_000,
        ["event"] = new JsonObject { ["type"] = "app_home_opened", ["user"] = user, ["channel"] = "D" + user, ["tab"] = tab },
    };

    /// <summary>A button click on the bot's Home tab: no channel and no response_url, only the view.</summary>
    public static JsonObject HomeAction(string actionId, string value, string user, string blockId = "home")
    {
        var payload = BlockAction(actionId, value, user);
        payload.Remove("channel");
        payload.Remove("message");
        payload.Remove("response_url");
        payload["container"] = new JsonObject { ["type"] = "view", ["view_id"] = "VHOME" };
        payload["view"] = new JsonObject { ["id"] = "VHOME", ["type"] = "home", ["hash"] = "h1", ["private_metadata"] = "" };
        payload["actions"]![0]!["block_id"] = blockId;
        return payload;
    }

    /// <summary>A click in an ephemeral message (such as a slash command's answer), which Slack answers through its response_url.</summary>
    public static JsonObject EphemeralAction(string actionId, string value, string user, string responseUrl, string blockId = "actions")
    {
        var payload = BlockAction(actionId, value, user, "C0GENERAL");
        payload["container"]!["is_ephemeral"] = true;
        payload.Remove("message");
        payload["response_url"] = responseUrl;
        payload["actions"]![0]!["block_id"] = blockId;
        return payload;
    }

    /// <summary>Makes the first action of <paramref name="payload"/> a users_select choosing <paramref name="selectedUser"/>.</summary>
    public static JsonObject ChoosingUser(JsonObject payload, string selectedUser)
    {
        var action = payload["actions"]![0]!.AsObject();
        action.Remove("value");
        action["type"] = "users_select";
        action["selected_user"] = selectedUser;
        return payload;
    }

    /// <summary>A button click on a message in a channel; like Slack, each click has its own <c>action_ts</c>.</summary>
    public static JsonObject BlockAction(string actionId, string value, string user, string channel = "G0MENTORS", string messageTs = "1.000001") => new()
    {
        ["type"] = "block_actions",
        ["user"] = User(user),
        ["team"] = new JsonObject { ["id"] = "T0TEAM" },
        ["api_app_id"] = "A0APP",
        ["trigger_id"] = "trigger-action-" + Interlocked.Increment(ref _triggers).ToString(CultureInfo.InvariantCulture),
        ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = messageTs, ["channel_id"] = channel, ["is_ephemeral"] = false },
        ["channel"] = new JsonObject { ["id"] = channel, ["name"] = "mentors-internal" },
        ["message"] = new JsonObject { ["ts"] = messageTs, ["text"] = "request" },
        ["response_url"] = "https://hooks.slack.invalid/actions/1",
        ["actions"] = new JsonArray(new JsonObject
        {
            ["action_id"] = actionId,
            ["block_id"] = "request_actions",
            ["type"] = "button",
            ["value"] = value,
            ["action_ts"] = "1700000000." + Interlocked.Increment(ref _clicks).ToString("D6", CultureInfo.InvariantCulture),
        }),
    };
}
