using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace OperationCodeMentor.Slack;

/// <summary>A Web API answer with <c>ok:false</c>, or one that never came back usable.</summary>
public sealed class SlackApiException(string method, string error, string? detail = null)
    : Exception($"Slack {method} failed: {error}{(detail is null ? "" : $" ({detail})")}. {SlackErrors.Advice(error, method)}")
{
    public string Method { get; } = method;
    public string Error { get; } = error;

    /// <summary>Slack answered and said no, so the call certainly had no effect (unlike a time-out or a 5xx).</summary>
    public bool IsRefusal => Error is not ("unreachable" or "invalid_response" or "timeout") && !Error.StartsWith("http_", StringComparison.Ordinal);

    /// <summary>The token or the app's scopes are wrong: every call fails until an operator fixes it, so work should wait.</summary>
    public bool IsAuthProblem => Error is "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive" or "missing_scope" or "ratelimited";
}

/// <summary>What to tell an operator for the errors people hit most when connecting the bot.</summary>
public static class SlackErrors
{
    /// <summary>One sentence saying what to do about <paramref name="error"/>, pointing to the README's Troubleshooting section.</summary>
    /// <param name="method">The method that failed: apps.connections.open uses the app-level token, so its auth errors need different advice.</param>
    public static string Advice(string error, string? method = null) => (method, error) switch
    {
        ("apps.connections.open", "invalid_auth" or "not_authed" or "token_revoked" or "account_inactive") =>
            "Check Slack:AppToken (SLACK_APP_TOKEN): generate an app-level token with the connections:write scope under Basic Information → App-Level Tokens (README: Troubleshooting).",
        ("apps.connections.open", "not_allowed_token_type") =>
            "Slack:AppToken must be the app-level token (xapp-…) from Basic Information → App-Level Tokens, not the bot token (README: Troubleshooting).",
        ("apps.connections.open", "missing_scope") =>
            "The app-level token needs the connections:write scope: generate a new one under Basic Information → App-Level Tokens (README: Troubleshooting).",
        (_, "not_in_channel") => "Invite the bot to the channel: type /invite @mentor-bot in it (README: Troubleshooting).",
        (_, "channel_not_found") => "Check Slack:MentorsChannel and that the bot was invited to that private channel (README: Troubleshooting).",
        (_, "missing_scope") => "Add the scope named in the error to the app (slack-manifest.yml lists them) and reinstall it (README: Troubleshooting).",
        (_, "invalid_auth" or "not_authed" or "token_revoked" or "account_inactive") => "Check Slack:BotToken: copy the Bot User OAuth Token again after reinstalling (README: Troubleshooting).",
        (_, "trigger_expired" or "expired_trigger_id" or "exchanged_trigger_id") => "Slack allows 3 seconds to open a modal; the bot was too slow or the machine's clock is off (README: Troubleshooting).",
        (_, "ratelimited") => "Slack is rate limiting the bot; calls are retried after Retry-After.",
        (_, "unreachable") => "The bot cannot reach Slack: check the machine's outbound HTTPS access and Slack:ApiBaseUrl (README: Troubleshooting).",
        _ => "See README: Troubleshooting.",
    };
}

public sealed record PostedMessage(string Channel, string Ts);

/// <summary>When a failed call may be sent again.</summary>
public enum SlackRetry
{
    /// <summary>On 429, 5xx, time-outs and network faults: right for reads and for messages where a rare duplicate beats a lost one.</summary>
    Always,

    /// <summary>
    /// Only when Slack certainly did nothing (429, or no connection at all). A time-out or a 5xx may come after Slack
    /// posted the message, so the caller, which can read the conversation back, decides instead of posting blindly.
    /// </summary>
    OnlyIfNotSent,
}

/// <summary>
/// The bot's Slack Web API client: JSON or form calls to <c>{Slack:ApiBaseUrl}{method}</c> with the bot token,
/// retried on 429 (honouring Retry-After) and on 5xx and network faults, the latter not while queued work is waiting out
/// an outage of Slack (<see cref="Reliability.Dependencies.IsDown"/>). <c>ok:false</c> answers throw
/// <see cref="SlackApiException"/>. Without a bot token it runs offline: calls are written to the log and answered locally.
/// </summary>
public sealed partial class SlackApiClient
{
    public const string HttpClientName = "slack";

    private readonly HttpClient _http;
    private readonly IOptionsMonitor<SlackOptions> _options;
    private readonly ILogger<SlackApiClient> _log;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipelineIfNotSent;
    private readonly SlackPacing _pacing;
    private readonly TimeProvider _clock;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _dmChannels = new();
    private long _offlineTs;

    private readonly Reliability.Dependencies? _signals;
    private readonly Telemetry.BotMetrics? _metrics;

    /// <param name="signals">Told whenever Slack answers a call, so work waiting out an outage can go at once.</param>
    public SlackApiClient(HttpClient http, IOptionsMonitor<SlackOptions> options, ILogger<SlackApiClient> log, TimeProvider clock,
        Reliability.Dependencies? signals = null, Telemetry.BotMetrics? metrics = null)
    {
        _signals = signals;
        _metrics = metrics;
        _http = http;
        _options = options;
        _log = log;
        _clock = clock;
        _pacing = new SlackPacing(clock, options.CurrentValue.ChannelBurst, options.CurrentValue.ChannelInterval);
        // While queued work waits out an outage of Slack, a failing call is not tried again here: the queue asks Slack
        // every few seconds and sends the work again the moment it answers.
        Func<bool> waitedOut = () => signals?.IsDown(Reliability.Dependencies.Slack) == true;
        _pipeline = BuildPipeline(clock, log, _pacing, SlackRetry.Always, waitedOut, metrics);
        _pipelineIfNotSent = BuildPipeline(clock, log, _pacing, SlackRetry.OnlyIfNotSent, waitedOut, metrics);
    }

    private static readonly ResiliencePropertyKey<string> MethodProperty = new("method");

    /// <param name="waitedOut">True while queued work is waiting for Slack to answer again: then only a 429 is tried again here.</param>
    internal static ResiliencePipeline<HttpResponseMessage> BuildPipeline(TimeProvider clock, ILogger log, SlackPacing pacing, SlackRetry mode, Func<bool> waitedOut,
        Telemetry.BotMetrics? metrics = null) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(60),
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(mode, args.Outcome, args.Context.CancellationToken, waitedOut)),
                DelayGenerator = args =>
                {
                    var retryAfter = args.Outcome.Result?.Headers.RetryAfter;
                    if (retryAfter?.Delta is { } delta) return ValueTask.FromResult<TimeSpan?>(delta);
                    if (retryAfter?.Date is { } date) return ValueTask.FromResult<TimeSpan?>(date - clock.GetUtcNow());
                    return ValueTask.FromResult<TimeSpan?>(null);
                },
                OnRetry = args =>
                {
                    var method = args.Context.Properties.TryGetValue(MethodProperty, out var m) ? m : "?";
                    // Slack limits per method: hold back every caller of it, not just this one.
                    var rateLimited = args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests;
                    if (rateLimited) pacing.BlockMethod(method, args.RetryDelay);
                    metrics?.SlackRetry(method, rateLimited);
                    LogRetry(log, method, args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "?", args.RetryDelay, args.AttemptNumber + 1);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private static bool ShouldRetry(SlackRetry mode, Outcome<HttpResponseMessage> outcome, CancellationToken caller, Func<bool> waitedOut)
    {
        if (outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests) return true;
        if (waitedOut()) return false;
        if (outcome.Result is { } r)
            return mode == SlackRetry.Always && (int)r.StatusCode >= 500;
        return outcome.Exception switch
        {
            // Nothing reached Slack: always safe to send again.
            HttpRequestException e when e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError => true,
            HttpRequestException => mode == SlackRetry.Always,
            // The client's own time-out (not the caller giving up): Slack may or may not have acted.
            TaskCanceledException => mode == SlackRetry.Always && !caller.IsCancellationRequested,
            _ => false,
        };
    }

    public bool IsOffline => _options.CurrentValue.IsOffline;

    /// <summary>Calls a method with a JSON body.</summary>
    public Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken ct = default, SlackRetry retry = SlackRetry.Always) =>
        SendAsync(method, () => JsonBody(body), body, ct,
            paceChannel: body["channel"]?.ToString(), retry: retry);

    // Written straight to UTF-8, as it is sent: no string of the whole body first.
    private static ByteArrayContent JsonBody(JsonObject body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Calls a method with form parameters (for methods that do not read JSON bodies).</summary>
    public Task<JsonObject> CallFormAsync(string method, IReadOnlyDictionary<string, string> form, CancellationToken ct = default)
    {
        var shown = new JsonObject();
        foreach (var (k, v) in form) shown[k] = v;
        return SendAsync(method, () => new FormUrlEncodedContent(form), shown, ct);
    }

    /// <summary>Asks Slack for a Socket Mode WebSocket address. This one call authenticates with the app-level token.</summary>
    public async Task<Uri> OpenSocketModeConnectionAsync(CancellationToken ct)
    {
        var appToken = _options.CurrentValue.AppToken;
        if (string.IsNullOrWhiteSpace(appToken)) throw new SlackApiException("apps.connections.open", "not_authed");
        var answer = await SendAsync("apps.connections.open", () => new FormUrlEncodedContent([]), new JsonObject(), ct, appToken).ConfigureAwait(false);
        return Uri.TryCreate(answer["url"]?.ToString(), UriKind.Absolute, out var url) && (url.Scheme == "wss" || url.Scheme == "ws")
            ? url
            : throw new SlackApiException("apps.connections.open", "invalid_response", "no WebSocket url in the answer");
    }

    /// <summary>Sends a call and counts it, with its outcome, for <c>ocm.slack.calls</c> (offline mode sends nothing, so counts nothing).</summary>
    private async Task<JsonObject> SendAsync(string method, Func<HttpContent> content, JsonObject shown, CancellationToken ct,
        string? token = null, string? paceChannel = null, SlackRetry retry = SlackRetry.Always)
    {
        if (_metrics is null || (token is null && IsOffline))
            return await SendUncountedAsync(method, content, shown, ct, token, paceChannel, retry).ConfigureAwait(false);
        try
        {
            var answer = await SendUncountedAsync(method, content, shown, ct, token, paceChannel, retry).ConfigureAwait(false);
            _metrics.SlackCall(method, "ok");
            return answer;
        }
        catch (SlackApiException e)
        {
            _metrics.SlackCall(method, Telemetry.BotMetrics.SlackOutcome(e.Error));
            throw;
        }
    }

    private async Task<JsonObject> SendUncountedAsync(string method, Func<HttpContent> content, JsonObject shown, CancellationToken ct,
        string? token, string? paceChannel, SlackRetry retry)
    {
        var o = _options.CurrentValue;
        if (token is null && o.IsOffline) return Offline(method, shown);

        await _pacing.WaitAsync(method, paceChannel, ct).ConfigureAwait(false);
        using (var response = await PostAsync(retry == SlackRetry.Always ? _pipeline : _pipelineIfNotSent, method, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(EnsureSlash(o.ApiBaseUrl)), method));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? o.BotToken);
            request.Content = content();
            return request;
        }, ct).ConfigureAwait(false))
        {
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                throw new SlackApiException(method, "ratelimited");
            if (!response.IsSuccessStatusCode)
                throw new SlackApiException(method, $"http_{(int)response.StatusCode}");
            _signals?.ReportAnswered(Reliability.Dependencies.Slack);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            JsonObject? json;
            try { json = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { json = null; }
            if (json is null) throw new SlackApiException(method, "invalid_response");
            if (json["ok"]?.GetValue<bool>() != true)
            {
                var error = json["error"]?.GetValue<string>() ?? "unknown_error";
                var detail = json["response_metadata"]?["messages"] is JsonArray msgs ? string.Join("; ", msgs.Select(m => m?.ToString())) : null;
                LogApiError(_log, method, error, SlackErrors.Advice(error, method));
                throw new SlackApiException(method, error, detail);
            }
            if (json["warning"] is { } warning) LogApiWarning(_log, method, warning.ToString());
            return json;
        }
    }

    private JsonObject Offline(string method, JsonObject shown)
    {
        LogNotSent(method, shown);
        var ts = $"{_clock.GetUtcNow().ToUnixTimeSeconds()}.{Interlocked.Increment(ref _offlineTs):D6}";
        var answer = new JsonObject { ["ok"] = true };
        switch (method)
        {
            case "conversations.open":
                answer["channel"] = new JsonObject { ["id"] = "D" + (shown["users"]?.ToString() ?? "OFFLINE") };
                break;
            case "chat.postMessage" or "chat.update":
                answer["channel"] = shown["channel"]?.DeepClone();
                answer["ts"] = shown["ts"]?.DeepClone() ?? ts;
                break;
            case "chat.postEphemeral":
                answer["message_ts"] = ts;
                break;
            case "conversations.list":
                answer["channels"] = new JsonArray();
                break;
        }
        return answer;
    }

    /// <summary>Logs a call offline mode did not send: where it would have gone and what it would have said.</summary>
    private void LogNotSent(string method, JsonObject body)
    {
        if (!_log.IsEnabled(LogLevel.Information)) return;
        var audience = ReadableCall.Audience(method, body, channel => _dmChannels.FirstOrDefault(kv => kv.Value == channel).Key);
        var content = ReadableCall.Content(body);
        LogOffline(_log, method, audience, content.Length == 0 ? "" : Environment.NewLine + content);
    }

    private static string EnsureSlash(string url) => url.EndsWith('/') ? url : url + "/";

    // ---- the methods the bot uses ----

    public async Task<PostedMessage> PostMessageAsync(string channel, string text, JsonArray? blocks = null,
        string? threadTs = null, bool replyBroadcast = false, CancellationToken ct = default, SlackRetry retry = SlackRetry.Always)
    {
        var body = new JsonObject { ["channel"] = channel, ["text"] = text, ["unfurl_links"] = false };
        if (blocks is not null) body["blocks"] = blocks;
        if (threadTs is not null) body["thread_ts"] = threadTs;
        if (replyBroadcast) body["reply_broadcast"] = true;
        var answer = await CallAsync("chat.postMessage", body, ct, retry).ConfigureAwait(false);
        return new PostedMessage(answer["channel"]?.ToString() ?? channel, answer["ts"]?.ToString() ?? "");
    }

    public Task UpdateMessageAsync(string channel, string ts, string text, JsonArray? blocks, CancellationToken ct = default)
    {
        var body = new JsonObject { ["channel"] = channel, ["ts"] = ts, ["text"] = text };
        if (blocks is not null) body["blocks"] = blocks;
        return CallAsync("chat.update", body, ct);
    }

    public Task PostEphemeralAsync(string channel, string user, string text, JsonArray? blocks = null, CancellationToken ct = default)
    {
        var body = new JsonObject { ["channel"] = channel, ["user"] = user, ["text"] = text };
        if (blocks is not null) body["blocks"] = blocks;
        return CallAsync("chat.postEphemeral", body, ct);
    }

    public Task OpenViewAsync(string triggerId, JsonObject view, CancellationToken ct = default) =>
        CallAsync("views.open", new JsonObject { ["trigger_id"] = triggerId, ["view"] = view }, ct);

    public Task PublishViewAsync(string userId, JsonObject view, CancellationToken ct = default) =>
        CallAsync("views.publish", new JsonObject { ["user_id"] = userId, ["view"] = view }, ct);

    /// <summary>Opens (or finds) the DM channel with a user; remembered for the life of the process.</summary>
    public async Task<string> OpenDmAsync(string userId, CancellationToken ct = default)
    {
        if (_dmChannels.TryGetValue(userId, out var known)) return known;
        var answer = await CallFormAsync("conversations.open", new Dictionary<string, string> { ["users"] = userId }, ct).ConfigureAwait(false);
        var id = answer["channel"]?["id"]?.ToString() ?? throw new SlackApiException("conversations.open", "invalid_response");
        _dmChannels[userId] = id;
        return id;
    }

    /// <summary>
    /// Opens (or finds) the group DM of the bot with several people (<c>conversations.open</c> with their IDs; needs
    /// <c>mpim:write</c>). Slack answers the same conversation for the same people, so asking again is harmless.
    /// </summary>
    public async Task<string> OpenGroupDmAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default)
    {
        var answer = await CallFormAsync("conversations.open", new Dictionary<string, string> { ["users"] = string.Join(',', userIds) }, ct).ConfigureAwait(false);
        return answer["channel"]?["id"]?.ToString() ?? throw new SlackApiException("conversations.open", "invalid_response");
    }

    /// <summary>The person's time zone as Slack knows it (<c>users.info</c>, an IANA name); null when Slack has none or won't say.</summary>
    public async Task<string?> GetUserTimeZoneAsync(string userId, CancellationToken ct = default)
    {
        try
        {
            var answer = await CallFormAsync("users.info", new Dictionary<string, string> { ["user"] = userId }, ct).ConfigureAwait(false);
            return answer["user"]?["tz"]?.ToString() is { Length: > 0 } tz ? tz : null;
        }
        catch (SlackApiException e) when (e.IsRefusal)
        {
            return null;
        }
    }

    /// <summary>Sends a direct message from the bot to a user.</summary>
    public async Task<PostedMessage> SendDmAsync(string userId, string text, JsonArray? blocks = null, CancellationToken ct = default)
    {
        var channel = await OpenDmAsync(userId, ct).ConfigureAwait(false);
        return await PostMessageAsync(channel, text, blocks, ct: ct).ConfigureAwait(false);
    }

    /// <summary>At most this many pages of 200 are read back looking for a marked message.</summary>
    private const int MaxReadBackPages = 25;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up reading back {Channel} after {Count} messages without finding the one marked; it may be posted again")]
    private static partial void LogReadBackTooLong(ILogger log, string channel, int count);

    /// <summary>
    /// Looks for a message the bot posted whose blocks carry <paramref name="blockId"/>, in a conversation (or one
    /// thread) since a given time, and returns its <c>ts</c>. This is how work interrupted between "Slack took the
    /// post" and "we recorded it" finds out the post happened. Needs the history scopes; without them (or any other
    /// refusal) it answers null, and the caller posts again.
    /// </summary>
    public async Task<string?> FindMarkedMessageAsync(string channel, string? threadTs, string blockId, DateTimeOffset since, CancellationToken ct = default)
    {
        var form = new Dictionary<string, string>
        {
            ["channel"] = channel,
            // A minute either side of the intent covers clock differences between us and Slack.
            ["oldest"] = (since.ToUnixTimeSeconds() - 60).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["inclusive"] = "true",
            ["limit"] = "200",
        };
        if (threadTs is not null) form["ts"] = threadTs;
        try
        {
            // Page back to the intent: a busy channel can have had more than a page of messages since. Bounded, so a
            // runaway cursor cannot hold the caller.
            for (var page = 0; page < MaxReadBackPages; page++)
            {
                var answer = await CallFormAsync(threadTs is null ? "conversations.history" : "conversations.replies", form, ct).ConfigureAwait(false);
                var found = (answer["messages"] as JsonArray)?
                    .FirstOrDefault(m => m?["blocks"] is JsonArray blocks && blocks.Any(b => b?["block_id"]?.ToString() == blockId))?["ts"]?.ToString();
                if (found is not null) return found;
                if (answer["response_metadata"]?["next_cursor"]?.ToString() is not { Length: > 0 } cursor) return null;
                form["cursor"] = cursor;
            }
            LogReadBackTooLong(_log, channel, MaxReadBackPages * 200);
            return null;
        }
        catch (SlackApiException e) when (e.IsRefusal)
        {
            LogCannotReadBack(_log, channel, e.Error);
            return null;
        }
    }

    /// <summary>
    /// Answers a slash command privately after its acknowledgement: through its <c>response_url</c>, or by DM
    /// when the command came without one.
    /// </summary>
    public Task ReplyAsync(SlashCommand command, string text, CancellationToken ct = default) =>
        command.ResponseUrl is not null
            ? RespondAsync(command.ResponseUrl, new JsonObject { ["response_type"] = "ephemeral", ["text"] = text }, ct)
            : SendDmAsync(command.UserId, text, ct: ct);

    /// <summary>Tells one person something privately: ephemeral where they clicked, or a DM when there is no channel.</summary>
    public async Task TellAsync(string? channel, string user, string text, CancellationToken ct = default)
    {
        if (channel is null) await SendDmAsync(user, text, ct: ct).ConfigureAwait(false);
        else await PostEphemeralAsync(channel, user, text, ct: ct).ConfigureAwait(false);
    }

    public Task InviteAsync(string channel, string userId, CancellationToken ct = default) =>
        CallFormAsync("conversations.invite", new Dictionary<string, string> { ["channel"] = channel, ["users"] = userId }, ct);

    /// <summary>Lists conversations of the given types, following the cursor to the end.</summary>
    public async Task<List<JsonObject>> ListConversationsAsync(string types, CancellationToken ct = default)
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var form = new Dictionary<string, string> { ["types"] = types, ["limit"] = "200", ["exclude_archived"] = "true" };
            if (!string.IsNullOrEmpty(cursor)) form["cursor"] = cursor;
            var answer = await CallFormAsync("conversations.list", form, ct).ConfigureAwait(false);
            if (answer["channels"] is JsonArray channels) all.AddRange(channels.OfType<JsonObject>());
            cursor = answer["response_metadata"]?["next_cursor"]?.ToString();
        } while (!string.IsNullOrEmpty(cursor));
        return all;
    }

    /// <summary>Posts to an interaction's or command's <c>response_url</c> (ephemeral unless told otherwise).</summary>
    public async Task RespondAsync(string responseUrl, JsonObject message, CancellationToken ct = default)
    {
        if (IsOffline || !Uri.TryCreate(responseUrl, UriKind.Absolute, out var uri))
        {
            LogNotSent("response_url", message);
            return;
        }
        using var response = await PostAsync(_pipeline, "response_url", () => new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonBody(message),
        }, ct).ConfigureAwait(false);
        _metrics?.SlackCall("response_url", response.IsSuccessStatusCode ? "ok" : "http_error");
        if (!response.IsSuccessStatusCode)
            throw new SlackApiException("response_url", $"http_{(int)response.StatusCode}");
    }

    /// <summary>
    /// Sends a fresh request per attempt through <paramref name="pipeline"/>. A network fault or the client's own
    /// time-out that outlasts the retries becomes a <see cref="SlackApiException"/>, so callers handle one type.
    /// </summary>
    private async Task<HttpResponseMessage> PostAsync(ResiliencePipeline<HttpResponseMessage> pipeline, string method,
        Func<HttpRequestMessage> build, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(MethodProperty, method);
        try
        {
            return await pipeline.ExecuteAsync(async ctx =>
            {
                using var request = build();
                return await _http.SendAsync(request, ctx.CancellationToken).ConfigureAwait(false);
            }, context).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new SlackApiException(method, "unreachable", e.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SlackApiException(method, "timeout", $"no answer within {_options.CurrentValue.RequestTimeout.TotalSeconds:0} s");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Channel} back to see whether interrupted work already posted ({Error}); posting again. Add the groups:history and im:history scopes (slack-manifest.yml) to rule out duplicates")]
    private static partial void LogCannotReadBack(ILogger log, string channel, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack (offline, not sent) {Method} {Audience}{Content}")]
    private static partial void LogOffline(ILogger log, string method, string audience, string content);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack {Method} answered error {Error}. {Advice}")]
    private static partial void LogApiError(ILogger log, string method, string error, string advice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack {Method} warned: {Warning}")]
    private static partial void LogApiWarning(ILogger log, string method, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack {Method} got {Outcome}; retry {Attempt} in {Delay}")]
    private static partial void LogRetry(ILogger log, string method, string outcome, TimeSpan delay, int attempt);
}
