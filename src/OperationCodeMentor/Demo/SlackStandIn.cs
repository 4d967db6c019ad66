using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Demo;

/// <summary>One Web API call the bot made (or one post to a response_url), and what the stand-in answered.</summary>
public sealed record SlackCall(int Number, string Method, JsonObject Body, JsonObject Answer)
{
    public bool Ok => Answer["ok"] is JsonValue v && v.TryGetValue<bool>(out var ok) && ok;

    public string? this[string key] => Interaction.Str(Body, key);
}

/// <summary>A message as the stand-in keeps it; chat.update replaces its body.</summary>
public sealed record SlackMessage(string Channel, string Ts, string? ThreadTs, JsonObject Body);

/// <summary>
/// Slack's Web API for the demo, inside the process: the bot's own <see cref="Slack.SlackApiClient"/> sends its
/// real HTTP requests here instead of to slack.com. It keeps channels, DMs, messages and opened modals, answers
/// each method the way Slack does (including its errors: a wrong token, an unknown channel, a trigger used twice),
/// and records every call so the demo can show what people would see.
/// </summary>
public sealed class SlackStandIn
{
    public const string BotToken = "xoxb-demo-stand-in";

    /// <summary>A <c>.localhost</c> name: even a request that slipped past the stand-in could only reach this machine.</summary>
    public static readonly Uri BaseAddress = new("http://slack.localhost/");

    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly List<SlackCall> _calls = [];
    private readonly List<SlackMessage> _messages = [];
    private readonly Dictionary<string, string> _channels;
    private readonly Dictionary<string, HashSet<string>> _members = [];
    private readonly Dictionary<string, string> _dms = [];
    private readonly Dictionary<string, string[]> _groups = [];
    private readonly Dictionary<string, string> _triggers = [];
    private readonly HashSet<string> _usedTriggers = [];
    private long _lastTs;
    private int _nextId;

    /// <param name="channels">The workspace's channels, ID to name.</param>
    public SlackStandIn(TimeProvider clock, IReadOnlyDictionary<string, string> channels)
    {
        _clock = clock;
        _channels = new Dictionary<string, string>(channels);
        foreach (var id in channels.Keys) _members[id] = [];
    }

    public string ApiBaseUrl => new Uri(BaseAddress, "api/").ToString();

    /// <summary>A handler for the bot's Slack HttpClient; each one talks to this stand-in.</summary>
    public HttpMessageHandler CreateHandler() => new Handler(this);

    /// <summary>The trigger Slack puts on a command or click: views.open accepts it once.</summary>
    public string NewTriggerId(string userId)
    {
        lock (_gate)
        {
            var trigger = $"{++_nextId}.demo.{Guid.NewGuid():N}";
            _triggers[trigger] = userId;
            return trigger;
        }
    }

    public string NewResponseUrl()
    {
        lock (_gate) return new Uri(BaseAddress, $"respond/{++_nextId}").ToString();
    }

    /// <summary>How many calls have been recorded; pass it to <see cref="CallsSince"/> later.</summary>
    public int Mark
    {
        get { lock (_gate) return _calls.Count; }
    }

    public IReadOnlyList<SlackCall> CallsSince(int mark)
    {
        lock (_gate) return _calls.Skip(mark).ToList();
    }

    public IReadOnlyList<SlackMessage> Messages
    {
        get { lock (_gate) return _messages.ToList(); }
    }

    public string? ChannelName(string id)
    {
        lock (_gate) return _channels.GetValueOrDefault(id);
    }

    /// <summary>The person a DM channel is with.</summary>
    public string? DmWith(string channelId)
    {
        lock (_gate) return _dms.GetValueOrDefault(channelId);
    }

    public string? DmChannelOf(string userId)
    {
        lock (_gate) return _dms.FirstOrDefault(d => d.Value == userId).Key;
    }

    /// <summary>Who a trigger was given to, so an opened modal can be shown on the right screen.</summary>
    public string? TriggerOwner(string triggerId)
    {
        lock (_gate) return _triggers.GetValueOrDefault(triggerId);
    }

    private JsonObject Handle(string method, JsonObject body, string? authorization)
    {
        JsonObject answer;
        lock (_gate)
        {
            answer = method != "response_url" && authorization != "Bearer " + BotToken
                ? Error(string.IsNullOrEmpty(authorization) ? "not_authed" : "invalid_auth")
                : Answer(method, body);
            _calls.Add(new SlackCall(_calls.Count + 1, method, (JsonObject)body.DeepClone(), answer));
        }
        return answer;
    }

    // Called under the lock.
    private JsonObject Answer(string method, JsonObject body)
    {
        var channel = Str(body, "channel");
        switch (method)
        {
            case "chat.postMessage":
                if (!Known(channel)) return Error("channel_not_found");
                var posted = new SlackMessage(channel!, NextTs(), Str(body, "thread_ts"), (JsonObject)body.DeepClone());
                _messages.Add(posted);
                return Ok(new() { ["channel"] = channel, ["ts"] = posted.Ts, ["message"] = Message(posted) });

            case "chat.update":
                var index = _messages.FindIndex(m => m.Channel == channel && m.Ts == Str(body, "ts"));
                if (index < 0) return Error(Known(channel) ? "message_not_found" : "channel_not_found");
                var updated = _messages[index] with { Body = (JsonObject)body.DeepClone() };
                _messages[index] = updated;
                return Ok(new() { ["channel"] = channel, ["ts"] = updated.Ts, ["text"] = Str(body, "text") });

            case "chat.postEphemeral":
                if (!Known(channel)) return Error("channel_not_found");
                return Str(body, "user") is null ? Error("user_not_found") : Ok(new() { ["message_ts"] = NextTs() });

            case "conversations.open":
                var users = Str(body, "users")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
                if (users.Length == 0) return Error("users_list_not_supplied");
                if (users.Length > 8) return Error("too_many_users");
                if (users.Length > 1)
                {
                    // A group DM: the same conversation for the same people, whatever order they are named in.
                    var key = string.Join(',', users.Order(StringComparer.Ordinal));
                    var group = _groups.FirstOrDefault(g => string.Join(',', g.Value) == key).Key ?? $"G{++_nextId:D6}";
                    _groups[group] = [.. users.Order(StringComparer.Ordinal)];
                    return Ok(new() { ["channel"] = new JsonObject { ["id"] = group } });
                }
                var dm = _dms.FirstOrDefault(d => d.Value == users[0]).Key ?? "D" + users[0][1..];
                _dms[dm] = users[0];
                return Ok(new() { ["channel"] = new JsonObject { ["id"] = dm } });

            case "conversations.invite":
                if (channel is null || !_members.TryGetValue(channel, out var members)) return Error("channel_not_found");
                if (Str(body, "users") is not { } invited) return Error("no_user");
                if (!members.Add(invited)) return Error("already_in_channel");
                return Ok(new() { ["channel"] = new JsonObject { ["id"] = channel, ["name"] = _channels[channel] } });

            case "conversations.list":
                var list = new JsonArray(_channels.Select(c => (JsonNode)new JsonObject { ["id"] = c.Key, ["name"] = c.Value, ["is_private"] = true }).ToArray());
                return Ok(new() { ["channels"] = list, ["response_metadata"] = new JsonObject { ["next_cursor"] = "" } });

            case "conversations.history" or "conversations.replies":
                if (!Known(channel)) return Error("channel_not_found");
                var thread = Str(body, "ts");
                var oldest = decimal.TryParse(Str(body, "oldest"), NumberStyles.Number, CultureInfo.InvariantCulture, out var o) ? o : 0m;
                var found = _messages
                    .Where(m => m.Channel == channel && (method == "conversations.history" ? m.ThreadTs is null || IsBroadcast(m) : m.ThreadTs == thread || m.Ts == thread))
                    .Where(m => decimal.Parse(m.Ts, CultureInfo.InvariantCulture) >= oldest)
                    .Reverse()
                    .Select(m => (JsonNode)Message(m));
                return Ok(new() { ["messages"] = new JsonArray(found.ToArray()), ["has_more"] = false });

            case "views.open":
                var trigger = Str(body, "trigger_id");
                if (trigger is null || !_triggers.ContainsKey(trigger)) return Error("invalid_trigger_id");
                if (!_usedTriggers.Add(trigger)) return Error("exchanged_trigger_id");
                if (body["view"] is not JsonObject view) return Error("invalid_arguments");
                var opened = (JsonObject)view.DeepClone();
                opened["id"] = $"V{++_nextId:D6}";
                opened["hash"] = "h" + _nextId.ToString(CultureInfo.InvariantCulture);
                return Ok(new() { ["view"] = opened });

            case "chat.getPermalink":
                var linked = _messages.FirstOrDefault(m => m.Channel == channel && m.Ts == Str(body, "message_ts"));
                return linked is null ? Error("message_not_found") : Ok(new() { ["permalink"] = new Uri(BaseAddress, $"archives/{channel}/p{linked.Ts.Replace(".", "", StringComparison.Ordinal)}").ToString() });

            case "users.info":
                return Str(body, "user") is { } who ? Ok(new() { ["user"] = new JsonObject { ["id"] = who } }) : Error("user_not_found");

            case "views.publish" or "response_url":
                return Ok([]);

            default:
                return Error("unknown_method");
        }
    }

    private bool Known(string? channel) => channel is not null && (_channels.ContainsKey(channel) || _dms.ContainsKey(channel) || _groups.ContainsKey(channel));

    /// <summary>The people in a group DM with the bot; null for any other conversation.</summary>
    public IReadOnlyList<string>? GroupWith(string channelId)
    {
        lock (_gate) return _groups.GetValueOrDefault(channelId);
    }

    private static bool IsBroadcast(SlackMessage m) => m.Body["reply_broadcast"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static JsonObject Message(SlackMessage m) => new()
    {
        ["type"] = "message",
        ["ts"] = m.Ts,
        ["text"] = m.Body["text"]?.DeepClone(),
        ["blocks"] = m.Body["blocks"]?.DeepClone(),
    };

    // Slack's message timestamps are seconds.microseconds of when it received the message, always increasing.
    private string NextTs()
    {
        var micros = Math.Max(_lastTs + 1, _clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000);
        _lastTs = micros;
        return $"{micros / 1_000_000}.{micros % 1_000_000:D6}";
    }

    private static JsonObject Ok(JsonObject fields)
    {
        fields["ok"] = true;
        return fields;
    }

    private static JsonObject Error(string error) => new() { ["ok"] = false, ["error"] = error };

    private static string? Str(JsonObject body, string key) => Interaction.Str(body, key);

    private sealed class Handler(SlackStandIn slack) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri;
            var path = uri?.AbsolutePath ?? "";
            string? method = path.StartsWith("/api/", StringComparison.Ordinal) ? path["/api/".Length..]
                : path.StartsWith("/respond/", StringComparison.Ordinal) ? "response_url"
                : null;
            if (uri is null || uri.Host != BaseAddress.Host || method is null)
                return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };

            var body = await ReadAsync(request.Content, cancellationToken).ConfigureAwait(false);
            var answer = slack.Handle(method, body, request.Headers.Authorization?.ToString());
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                RequestMessage = request,
                Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json"),
            };
        }

        private static async Task<JsonObject> ReadAsync(HttpContent? content, CancellationToken ct)
        {
            if (content is null) return [];
            var text = await content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (content.Headers.ContentType?.MediaType == "application/x-www-form-urlencoded")
            {
                var form = new JsonObject();
                foreach (var (k, v) in QueryHelpers.ParseQuery(text)) form[k] = v.ToString();
                return form;
            }
            try { return JsonNode.Parse(text) as JsonObject ?? []; }
            catch (JsonException) { return []; }
        }
    }
}
