using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>One Web API call (or response_url post) the bot made, and when it arrived (on <see cref="FakeSlack.Clock"/> when set).</summary>
public sealed record SlackCall(string Method, JsonObject Body, string? Authorization, DateTimeOffset At)
{
    public string? this[string key] => Body[key]?.ToString();
    public string Text => Body["text"]?.ToString() ?? "";
    /// <summary>The message text and every block rendered as one string, for "does it say X" checks.</summary>
    public string AllText => Text + "\n" + (Body["blocks"]?.ToJsonString(Readable) ?? "") + (Body["view"]?.ToJsonString(Readable) ?? "");

    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>
/// A stand-in for Slack's Web API on 127.0.0.1 that answers like Slack and records every call, so tests
/// assert on what the bot actually sent. Faults (429 with Retry-After, 5xx, ok:false) can be queued per method.
/// </summary>
public sealed class FakeSlack : IAsyncDisposable
{
    public const string BotToken = "xoxb-test-token";
    public const string AppToken = "xapp-1-A0APP-test-token";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SlackCall> _calls = new();
    private readonly ConcurrentQueue<SlackCall> _answered = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpResponseMessageLike>>> _faults = new();
    private long _ts = 1_700_000_000_000_000;

    public string BaseUrl { get; }
    public string ApiUrl => BaseUrl + "api/";
    /// <summary>What apps.connections.open hands out: a fresh WebSocket address per call (see <see cref="FakeSocketMode"/>).</summary>
    public Func<string>? SocketModeUrl { get; set; }

    public List<JsonObject> Channels { get; } = [new JsonObject { ["id"] = "G0MENTORS", ["name"] = "mentors-internal", ["is_private"] = true }];

    private FakeSlack(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<FakeSlack> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeSlack? fake = null;
        app.MapPost("/api/{method}", async (HttpContext http, string method) => await fake!.HandleAsync(http, method));
        app.MapPost("/respond/{id}", async (HttpContext http, string id) => await fake!.HandleAsync(http, "response_url"));
        await app.StartAsync();
        var address = app.Urls.First();
        fake = new FakeSlack(app, address.EndsWith('/') ? address : address + "/");
        return fake;
    }

    /// <summary>How long every answer takes, in real time (for work to pile up behind a slow Slack).</summary>
    public TimeSpan Latency { get; set; }

    public string ResponseUrl(string id = "r1") => $"{BaseUrl}respond/{id}";

    public IReadOnlyList<SlackCall> Calls => _calls.ToList();

    public IReadOnlyList<SlackCall> CallsTo(string method) => _calls.Where(c => c.Method == method).ToList();

    /// <summary>
    /// The calls to <paramref name="method"/> whose answer went back while their caller was still there to read it: a held
    /// call whose caller gave up or died, or one an outage left unanswered, is in <see cref="CallsTo"/> but not here.
    /// </summary>
    public IReadOnlyList<SlackCall> AnsweredCallsTo(string method) => _answered.Where(c => c.Method == method).ToList();

    public void Clear()
    {
        _calls.Clear();
        _answered.Clear();
    }

    /// <summary>Makes the next call to <paramref name="method"/> answer with the given status (and Retry-After).</summary>
    public void FailNext(string method, HttpStatusCode status, int? retryAfterSeconds = null, int times = 1)
    {
        var q = _faults.GetOrAdd(method, _ => new ConcurrentQueue<Func<HttpResponseMessageLike>>());
        for (var i = 0; i < times; i++) q.Enqueue(() => new HttpResponseMessageLike((int)status, retryAfterSeconds, null));
    }

    /// <summary>Makes the next call to <paramref name="method"/> answer 200 with <c>ok:false</c> and this error.</summary>
    public void ErrorNext(string method, string error, int times = 1)
    {
        var q = _faults.GetOrAdd(method, _ => new ConcurrentQueue<Func<HttpResponseMessageLike>>());
        for (var i = 0; i < times; i++) q.Enqueue(() => new HttpResponseMessageLike(200, null, error));
    }

    /// <summary>
    /// Makes the next call to <paramref name="method"/> take effect (a message is posted) and then answer with
    /// <paramref name="status"/>: an error from somewhere between Slack's work and the bot.
    /// </summary>
    public void FailAfterTaking(string method, HttpStatusCode status) => _failAfter[method] = (int)status;

    private readonly ConcurrentDictionary<string, int> _failAfter = new();

    public sealed record HttpResponseMessageLike(int Status, int? RetryAfter, string? Error);

    private int _downStatus;

    /// <summary>
    /// Slack is down until <see cref="ComeBack"/>: every call, <c>auth.test</c> included, answers <paramref name="status"/>
    /// and takes no effect.
    /// </summary>
    public void GoDown(HttpStatusCode status = HttpStatusCode.ServiceUnavailable) => Volatile.Write(ref _downStatus, (int)status);

    public void ComeBack() => Volatile.Write(ref _downStatus, 0);

    private int _outageCalls = -1;
    private readonly int[] _outageFaults = new int[3];

    /// <summary>
    /// A bad stretch, until <see cref="EndOutage"/>: every other Web API call fails, in turn with 503; 429 with
    /// Retry-After: 1; and a call that takes effect (a message is posted) but whose answer never comes, until the caller
    /// gives up.
    /// </summary>
    public void BeginOutage() => Interlocked.Exchange(ref _outageCalls, 0);

    public void EndOutage() => Interlocked.Exchange(ref _outageCalls, -1);

    /// <summary>Calls failed by outages so far: 503s, 429s, and answers that never came.</summary>
    public (int ServerErrors, int RateLimited, int NoAnswer) OutageFaults => (_outageFaults[0], _outageFaults[1], _outageFaults[2]);

    /// <summary>0, 1 or 2 for a call an outage fails; null for one that goes through.</summary>
    private int? NextOutageFault()
    {
        while (true)
        {
            var n = Volatile.Read(ref _outageCalls);
            if (n < 0) return null;
            if (Interlocked.CompareExchange(ref _outageCalls, n + 1, n) != n) continue;
            if (n % 2 == 0) return null;
            var kind = n / 2 % 3;
            Interlocked.Increment(ref _outageFaults[kind]);
            return kind;
        }
    }

    /// <summary>A message as Slack keeps it: what conversations.history and conversations.replies give back.</summary>
    public sealed record StoredMessage(string Channel, string Ts, string? ThreadTs, bool Broadcast, JsonObject Body)
    {
        /// <summary>When it was posted, on <see cref="Clock"/> when set.</summary>
        public DateTimeOffset At { get; init; }
    }

    private readonly ConcurrentQueue<StoredMessage> _messages = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new();

    public IReadOnlyList<StoredMessage> Messages => _messages.ToList();

    /// <summary>
    /// The next call to <paramref name="method"/> takes effect (a message is posted) but its answer waits until the
    /// returned source completes or the caller gives up: the moment between Slack doing something and the bot hearing so.
    /// </summary>
    public TaskCompletionSource Hold(string method)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holds[method] = gate;
        return gate;
    }

    /// <summary>
    /// The next call to <paramref name="method"/> waits before it takes effect, until <c>Release</c> completes: a request
    /// still on its way to Slack. <c>Reached</c> completes once the call is waiting.
    /// </summary>
    public (TaskCompletionSource Release, Task Reached) HoldBefore(string method)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holdsBefore[method] = (release, reached);
        return (release, reached.Task);
    }

    private readonly ConcurrentDictionary<string, (TaskCompletionSource Release, TaskCompletionSource Reached)> _holdsBefore = new();

    /// <summary>True while a <see cref="Hold"/> on <paramref name="method"/> waits for its call; false once a call has taken it.</summary>
    public bool Holding(string method) => _holds.ContainsKey(method);

    private async Task<IResult> HandleAsync(HttpContext http, string method)
    {
        JsonObject body;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync();
            body = new JsonObject();
            foreach (var (k, v) in form) body[k] = v.ToString();
        }
        else
        {
            body = (await JsonNode.ParseAsync(http.Request.Body)) as JsonObject ?? new JsonObject();
        }
        var auth = http.Request.Headers.Authorization.ToString();
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency);
        if (_holdsBefore.TryRemove(method, out var before))
        {
            before.Reached.TrySetResult();
            await before.Release.Task.WaitAsync(http.RequestAborted);
        }
        var call = new SlackCall(method, body, auth, Clock?.GetUtcNow() ?? DateTimeOffset.UtcNow);
        _calls.Enqueue(call);
        var result = await RespondAsync(http, method, body, auth);
        if (!http.RequestAborted.IsCancellationRequested) _answered.Enqueue(call);
        return result;
    }

    private async Task<IResult> RespondAsync(HttpContext http, string method, JsonObject body, string auth)
    {
        // apps.connections.open is the one method that takes the app-level token instead of the bot token.
        if (Volatile.Read(ref _downStatus) is var down and not 0) return Results.StatusCode(down);

        var expected = method == "apps.connections.open" ? AppToken : BotToken;
        if (method != "response_url" && auth != "Bearer " + expected)
            return Results.Json(new { ok = false, error = "invalid_auth" });

        // Like Slack, refuse blocks and views that break Block Kit's limits.
        if (BlockKitLimits.Problems(method, body) is { Count: > 0 } problems)
            return Results.Json(new { ok = false, error = method.StartsWith("views.", StringComparison.Ordinal) ? "invalid_arguments" : "invalid_blocks", response_metadata = new { messages = problems } });

        if (_faults.TryGetValue(method, out var q) && q.TryDequeue(out var fault))
        {
            var f = fault();
            if (f.Error is not null) return Results.Json(new { ok = false, error = f.Error });
            if (f.RetryAfter is { } s) http.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return f.Status == 429 ? Results.Json(new { ok = false, error = "ratelimited" }, statusCode: 429) : Results.StatusCode(f.Status);
        }

        switch (method == "response_url" ? null : NextOutageFault())
        {
            case 0:
                return Results.StatusCode(503);
            case 1:
                http.Response.Headers.RetryAfter = "1";
                return Results.Json(new { ok = false, error = "ratelimited" }, statusCode: 429);
            case 2:
                Answer(method, body);
                try { await Task.Delay(Timeout.Infinite, http.RequestAborted); }
                catch (OperationCanceledException) { }
                return Results.Empty;
        }

        var result = Answer(method, body);
        if (_failAfter.TryRemove(method, out var after)) return Results.StatusCode(after);
        if (_holds.TryRemove(method, out var gate))
        {
            try { await gate.Task.WaitAsync(http.RequestAborted); }
            catch (OperationCanceledException) { }
        }
        return result;
    }

    private IResult Answer(string method, JsonObject body)
    {
        return method switch
        {
            "chat.postMessage" => Results.Json(new { ok = true, channel = body["channel"]?.ToString(), ts = Store(body), message = new { text = body["text"]?.ToString() } }),
            "conversations.history" => Results.Json(History(body, m => m.Channel == body["channel"]?.ToString() && (m.ThreadTs is null || m.Broadcast))),
            "conversations.replies" => Results.Json(History(body, m => m.Channel == body["channel"]?.ToString() && (m.ThreadTs == body["ts"]?.ToString() || m.Ts == body["ts"]?.ToString()))),
            "chat.update" => Results.Json(new { ok = true, channel = body["channel"]?.ToString(), ts = body["ts"]?.ToString() }),
            "chat.postEphemeral" => Results.Json(new { ok = true, message_ts = NextTs() }),
            "conversations.open" => OpenConversation(body["users"]?.ToString() ?? ""),
            "users.info" => Results.Json(new { ok = true, user = new { id = body["user"]?.ToString(), tz = TimeZones.GetValueOrDefault(body["user"]?.ToString() ?? "") } }),
            "chat.getPermalink" => Results.Json(new { ok = true, permalink = $"https://fake.slack.test/archives/{body["channel"]}/p{body["message_ts"]?.ToString()?.Replace(".", "", StringComparison.Ordinal)}" }),
            "conversations.list" => Results.Json(new JsonObject { ["ok"] = true, ["channels"] = new JsonArray(Channels.Select(c => (JsonNode)c.DeepClone()).ToArray()), ["response_metadata"] = new JsonObject { ["next_cursor"] = "" } }),
            "response_url" => Results.Json(new { ok = true }),
            "apps.connections.open" => SocketModeUrl is { } url ? Results.Json(new { ok = true, url = url() }) : Results.Json(new { ok = false, error = "socket_mode_not_enabled" }),
            _ => Results.Json(new { ok = true }),
        };
    }

    /// <summary>Each person's time zone as their Slack profile has it (<c>users.info</c>'s <c>tz</c>); absent: none.</summary>
    public ConcurrentDictionary<string, string> TimeZones { get; } = new();

    /// <summary>When set, <c>conversations.open</c> with more than one person is refused with this error (a DM with one still opens).</summary>
    public string? RefuseGroupDms { get; set; }

    /// <summary>The group DM Slack would open for these people: the same one whatever the order they are named in.</summary>
    public static string GroupDmId(params string[] users) => "G" + string.Join("", users.Order(StringComparer.Ordinal));

    private IResult OpenConversation(string users)
    {
        var ids = users.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length <= 1) return Results.Json(new { ok = true, channel = new { id = "D" + users } });
        if (RefuseGroupDms is { } error) return Results.Json(new { ok = false, error });
        return Results.Json(new { ok = true, channel = new { id = GroupDmId(ids) } });
    }

    private string Store(JsonObject body)
    {
        var ts = NextTs();
        _messages.Enqueue(new StoredMessage(body["channel"]?.ToString() ?? "", ts, body["thread_ts"]?.ToString(),
            body["reply_broadcast"]?.ToString() == "true", (JsonObject)body.DeepClone()) { At = Clock?.GetUtcNow() ?? DateTimeOffset.UtcNow });
        return ts;
    }

    private JsonObject History(JsonObject request, Func<StoredMessage, bool> where)
    {
        var oldest = decimal.TryParse(request["oldest"]?.ToString(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var o) ? o : 0m;
        // Newest first, a page at a time as Slack pages them: `limit` (100 when absent) and an opaque cursor.
        var matching = _messages.Where(where).Where(m => decimal.Parse(m.Ts, System.Globalization.CultureInfo.InvariantCulture) >= oldest).Reverse().ToList();
        var limit = int.TryParse(request["limit"]?.ToString(), out var l) ? Math.Clamp(l, 1, 1000) : 100;
        var skip = request["cursor"]?.ToString() is { Length: > 0 } cursor && cursor.StartsWith("page:", StringComparison.Ordinal) ? int.Parse(cursor[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var found = new JsonArray();
        foreach (var m in matching.Skip(skip).Take(limit))
            found.Add(new JsonObject { ["type"] = "message", ["ts"] = m.Ts, ["text"] = m.Body["text"]?.DeepClone(), ["blocks"] = m.Body["blocks"]?.DeepClone() });
        var more = skip + limit < matching.Count;
        return new JsonObject
        {
            ["ok"] = true,
            ["messages"] = found,
            ["has_more"] = more,
            ["response_metadata"] = new JsonObject { ["next_cursor"] = more ? $"page:{skip + limit}" : "" },
        };
    }

    /// <summary>When set, message timestamps follow this clock (as Slack's follow real time), always increasing.</summary>
    public TimeProvider? Clock { get; set; }

    private string NextTs()
    {
        if (Clock is { } clock)
        {
            var micros = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
            long seen, next;
            do
            {
                seen = Interlocked.Read(ref _ts);
                next = Math.Max(seen + 1, micros);
            } while (Interlocked.CompareExchange(ref _ts, next, seen) != seen);
            return $"{next / 1_000_000}.{next % 1_000_000:D6}";
        }
        var n = Interlocked.Increment(ref _ts);
        return $"{n / 1_000_000}.{n % 1_000_000:D6}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
