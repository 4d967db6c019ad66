using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace OperationCodeMentor.Airtable;

/// <summary>
/// The bot's Airtable Web API client. Lists follow <c>offset</c> to the last page; writes go in batches of
/// at most 10 records; every request first takes a permit from <see cref="AirtableRateLimiter"/>; 429s hold the
/// base for 30 seconds (or Retry-After) and retry; 5xx, network faults and timeouts retry with jittered backoff, unless
/// queued work is already waiting out an outage of the store (<see cref="Reliability.Dependencies.IsDown"/>); any other refusal throws <see cref="AirtableException"/> at once. The token travels only in the
/// Authorization header: it is never part of a URL, a log line or an exception.
/// </summary>
public sealed partial class AirtableClient
{
    public const string HttpClientName = "airtable";

    /// <summary>Airtable's records-per-request limit for create, update and delete.</summary>
    public const int MaxRecordsPerWrite = 10;

    /// <summary>Airtable refuses longer URLs; longer list queries go as a POST body instead.</summary>
    public const int MaxUrlLength = 16_000;

    private static readonly ResiliencePropertyKey<string> OperationKey = new("airtable-operation");
    private static readonly ResiliencePropertyKey<CallLabel> CallKey = new("airtable-call");

    /// <summary>What a call is, for the metrics: the table (or <c>(schema)</c>) and a verb.</summary>
    private readonly record struct CallLabel(string Table, string Verb);

    private const string Schema = "(schema)";

    private readonly HttpClient _http;
    private readonly IOptionsMonitor<AirtableOptions> _options;
    private readonly AirtableRateLimiter _limiter;
    private readonly TimeProvider _clock;
    private readonly ILogger<AirtableClient> _log;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly ResiliencePipeline _attemptTimeout;

    private readonly Reliability.Dependencies? _signals;
    private readonly Telemetry.BotMetrics? _metrics;

    /// <param name="signals">Told whenever Airtable answers a call, so work waiting out an outage can go at once.</param>
    public AirtableClient(HttpClient http, IOptionsMonitor<AirtableOptions> options, AirtableRateLimiter limiter, TimeProvider clock, ILogger<AirtableClient> log,
        Reliability.Dependencies? signals = null, Telemetry.BotMetrics? metrics = null)
    {
        _signals = signals;
        _metrics = metrics;
        _http = http;
        _options = options;
        _limiter = limiter;
        _clock = clock;
        _log = log;
        _retry = BuildRetry(options.CurrentValue);
        // Only the exchange with Airtable is timed: a wait for a rate-limit permit (up to 30 s after a 429) is not a timeout.
        _attemptTimeout = new ResiliencePipelineBuilder { TimeProvider = clock }.AddTimeout(options.CurrentValue.RequestTimeout).Build();
    }

    private AirtableOptions Current
    {
        get
        {
            var o = _options.CurrentValue;
            if (!o.IsConfigured)
                throw new InvalidOperationException("Airtable is not configured: set Airtable:ApiKey (AIRTABLE_API_KEY) and Airtable:BaseId (AIRTABLE_BASE_ID).");
            return o;
        }
    }

    private ResiliencePipeline<HttpResponseMessage> BuildRetry(AirtableOptions o)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _clock };
        if (o.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = o.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(60),
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.AttemptNumber)),
                DelayGenerator = args =>
                {
                    // After a 429 the rate limiter holds the whole base (see SendAsync), so the retry itself need not wait.
                    if (args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests) return ValueTask.FromResult<TimeSpan?>(TimeSpan.Zero);
                    return ValueTask.FromResult(RetryAfter(args.Outcome.Result));
                },
                OnRetry = args =>
                {
                    var result = args.Outcome.Result;
                    var wait = result?.StatusCode == HttpStatusCode.TooManyRequests
                        ? RetryAfter(result) ?? _options.CurrentValue.RateLimitPenalty
                        : args.RetryDelay;
                    var operation = args.Context.Properties.TryGetValue(OperationKey, out var op) ? op : "request";
                    var outcome = result is not null ? ((int)result.StatusCode).ToString(CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "?";
                    LogRetry(_log, operation, outcome, args.AttemptNumber + 1, wait);
                    if (args.Context.Properties.TryGetValue(CallKey, out var call))
                        _metrics?.AirtableRetry(call.Table, call.Verb, result?.StatusCode == HttpStatusCode.TooManyRequests);
                    result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }
        return builder.Build();
    }

    /// <summary>
    /// A 429 is always tried again once the base's penalty is over. A 5xx, a network fault or a timeout is tried again
    /// here only while queued work is not already waiting out an outage of the store: once it is, the call fails at once
    /// and the queue, which asks Airtable every few seconds, sends the work again the moment Airtable answers, rather
    /// than each caller sleeping out a backoff of its own.
    /// </summary>
    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, int attempt)
    {
        if (Volatile.Read(ref _brief) is { } brief && !brief.Allows(this, outcome, attempt)) return false;
        if (outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests) return true;
        if (_signals?.IsDown(Reliability.Dependencies.Store) == true) return false;
        return outcome.Result is { } r ? (int)r.StatusCode >= 500 : outcome.Exception is HttpRequestException or TimeoutRejectedException;
    }

    private BriefRetries? _brief;

    /// <summary>
    /// Until the returned scope ends, every call gives up sooner: after at most <paramref name="maxRetries"/> retries,
    /// never to wait longer than <paramref name="maxWait"/> for the next try (a 429's penalty, a Retry-After), and never
    /// again after an attempt that got no answer within <see cref="AirtableOptions.RequestTimeout"/>. For start-up,
    /// when nothing else calls Airtable yet and a plain refusal soon is worth more than a patient one.
    /// </summary>
    public IDisposable RetryBriefly(int maxRetries, TimeSpan maxWait)
    {
        var scope = new BriefRetries(maxRetries, maxWait);
        Volatile.Write(ref _brief, scope);
        return new Scope(() => Interlocked.CompareExchange(ref _brief, null, scope));
    }

    private sealed record BriefRetries(int MaxRetries, TimeSpan MaxWait)
    {
        public bool Allows(AirtableClient client, Outcome<HttpResponseMessage> outcome, int attempt)
        {
            if (attempt >= MaxRetries || outcome.Exception is TimeoutRejectedException) return false;
            var wait = outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests
                ? client.RetryAfter(outcome.Result) ?? client._options.CurrentValue.RateLimitPenalty
                : client.RetryAfter(outcome.Result);
            return wait is null || wait <= MaxWait;
        }
    }

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - _clock.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    // ---- records ----

    /// <summary>Every record the query selects, page after page until Airtable stops giving an offset.</summary>
    public async Task<IReadOnlyList<AirtableRecord>> ListAsync(string table, AirtableQuery? query = null, CancellationToken ct = default)
    {
        query ??= new AirtableQuery();
        var all = new List<AirtableRecord>();
        string? offset = null;
        do
        {
            var answer = await ListPageAsync(table, query, offset, ct).ConfigureAwait(false);
            all.AddRange(ReadRecords(answer));
            offset = answer["offset"] is JsonValue v && v.TryGetValue<string>(out var next) && next.Length > 0 ? next : null;
            if (query.MaxRecords is { } max && all.Count >= max) break;
        } while (offset is not null);
        return query.MaxRecords is { } cap && all.Count > cap ? all.GetRange(0, cap) : all;
    }

    private Task<JsonObject> ListPageAsync(string table, AirtableQuery q, string? offset, CancellationToken ct)
    {
        var operation = $"list {table}";
        var url = TableUrl(table) + QueryString(q, offset);
        if (url.Length <= MaxUrlLength) return SendAsync(new(table, "list"), operation, HttpMethod.Get, url, null, ct);

        var body = new JsonObject();
        if (q.PageSize is { } size) body["pageSize"] = size;
        if (offset is not null) body["offset"] = offset;
        if (q.MaxRecords is { } max) body["maxRecords"] = max;
        if (q.View is not null) body["view"] = q.View;
        if (q.Filter is not null) body["filterByFormula"] = q.Filter.Text;
        if (q.Fields is not null) body["fields"] = new JsonArray(q.Fields.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        if (q.Sort is { Count: > 0 })
            body["sort"] = new JsonArray(q.Sort.Select(s => (JsonNode)new JsonObject { ["field"] = s.Field, ["direction"] = Direction(s) }).ToArray());
        return SendAsync(new(table, "list"), operation, HttpMethod.Post, TableUrl(table) + "/listRecords", body, ct);
    }

    private static string QueryString(AirtableQuery q, string? offset)
    {
        var parts = new List<string>();
        void Add(string key, string value) => parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(value));
        if (q.PageSize is { } size) Add("pageSize", size.ToString(CultureInfo.InvariantCulture));
        if (offset is not null) Add("offset", offset);
        if (q.MaxRecords is { } max) Add("maxRecords", max.ToString(CultureInfo.InvariantCulture));
        if (q.View is not null) Add("view", q.View);
        if (q.Filter is not null) Add("filterByFormula", q.Filter.Text);
        foreach (var f in q.Fields ?? []) Add("fields[]", f);
        for (var i = 0; i < (q.Sort?.Count ?? 0); i++)
        {
            Add($"sort[{i}][field]", q.Sort![i].Field);
            Add($"sort[{i}][direction]", Direction(q.Sort[i]));
        }
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static string Direction(AirtableSort s) => s.Direction == SortDirection.Desc ? "desc" : "asc";

    /// <summary>One record by ID; null when Airtable has no such record.</summary>
    public async Task<AirtableRecord?> GetAsync(string table, string recordId, CancellationToken ct = default)
    {
        try
        {
            var answer = await SendAsync(new(table, "get"), $"get {table}", HttpMethod.Get, TableUrl(table) + "/" + Uri.EscapeDataString(recordId), null, ct).ConfigureAwait(false);
            return ReadRecord(answer);
        }
        catch (AirtableException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the records, ten per request, and returns them in the order given.</summary>
    public Task<IReadOnlyList<AirtableRecord>> CreateAsync(string table, IReadOnlyList<JsonObject> records, bool typecast = false, CancellationToken ct = default) =>
        WriteInBatchesAsync($"create in {table}", HttpMethod.Post, table, records, r => new JsonObject { ["fields"] = r.DeepClone() }, null, typecast, ct);

    /// <summary>
    /// Updates the records, ten per request. PATCH (the default) changes only the fields sent; <paramref name="replace"/>
    /// uses PUT, which clears every field not sent. A field set to null is cleared.
    /// </summary>
    public Task<IReadOnlyList<AirtableRecord>> UpdateAsync(string table, IReadOnlyList<AirtableRecordUpdate> updates, bool replace = false, bool typecast = false, CancellationToken ct = default) =>
        WriteInBatchesAsync($"update {table}", replace ? HttpMethod.Put : HttpMethod.Patch, table, updates,
            u => new JsonObject { ["id"] = u.Id, ["fields"] = u.Fields.DeepClone() }, null, typecast, ct);

    /// <summary>
    /// Creates each record, or updates the one whose <paramref name="mergeOn"/> fields hold the same values.
    /// Sending the same record twice (a retry after an answer that never arrived) therefore leaves one record.
    /// </summary>
    public Task<IReadOnlyList<AirtableRecord>> UpsertAsync(string table, IReadOnlyList<JsonObject> records, IReadOnlyList<string> mergeOn, bool typecast = false, CancellationToken ct = default) =>
        WriteInBatchesAsync($"upsert in {table}", HttpMethod.Patch, table, records, r => new JsonObject { ["fields"] = r.DeepClone() },
            new JsonObject { ["fieldsToMergeOn"] = new JsonArray(mergeOn.Select(f => (JsonNode)JsonValue.Create(f)).ToArray()) }, typecast, ct);

    private async Task<IReadOnlyList<AirtableRecord>> WriteInBatchesAsync<T>(string operation, HttpMethod method, string table, IReadOnlyList<T> items,
        Func<T, JsonObject> toRecord, JsonObject? upsert, bool typecast, CancellationToken ct)
    {
        var written = new List<AirtableRecord>(items.Count);
        foreach (var batch in items.Chunk(MaxRecordsPerWrite))
        {
            var body = new JsonObject { ["records"] = new JsonArray(batch.Select(i => (JsonNode)toRecord(i)).ToArray()) };
            if (upsert is not null) body["performUpsert"] = upsert.DeepClone();
            if (typecast) body["typecast"] = true;
            var answer = await SendAsync(new(table, operation[..operation.IndexOf(' ', StringComparison.Ordinal)]), operation, method, TableUrl(table), body, ct).ConfigureAwait(false);
            written.AddRange(ReadRecords(answer));
        }
        return written;
    }

    // ---- schema (metadata API) ----

    public async Task<IReadOnlyList<AirtableTableSchema>> GetSchemaAsync(CancellationToken ct = default)
    {
        var answer = await SendAsync(new(Schema, "read"), "read the base schema", HttpMethod.Get, MetaUrl(), null, ct).ConfigureAwait(false);
        return answer["tables"] is JsonArray tables ? tables.OfType<JsonObject>().Select(ReadTable).ToList() : [];
    }

    /// <summary>Creates a table; <paramref name="fields"/> are field definitions, the first one becoming the primary field.</summary>
    public async Task<AirtableTableSchema> CreateTableAsync(string name, IReadOnlyList<JsonObject> fields, CancellationToken ct = default)
    {
        var body = new JsonObject { ["name"] = name, ["fields"] = new JsonArray(fields.Select(f => f.DeepClone()).ToArray()) };
        return ReadTable(await SendAsync(new(Schema, "create_table"), $"create table {name}", HttpMethod.Post, MetaUrl(), body, ct).ConfigureAwait(false));
    }

    public async Task<AirtableFieldSchema> CreateFieldAsync(AirtableTableSchema table, JsonObject field, CancellationToken ct = default)
    {
        var answer = await SendAsync(new(Schema, "create_field"), $"create field in {table.Name}", HttpMethod.Post, MetaUrl() + "/" + Uri.EscapeDataString(table.Id) + "/fields", field.DeepClone().AsObject(), ct).ConfigureAwait(false);
        return ReadField(answer);
    }

    private static AirtableTableSchema ReadTable(JsonObject t) => new(
        t["id"]?.GetValue<string>() ?? "",
        t["name"]?.GetValue<string>() ?? "",
        t["primaryFieldId"]?.GetValue<string>(),
        t["fields"] is JsonArray f ? f.OfType<JsonObject>().Select(ReadField).ToList() : [])
    {
        Views = t["views"] is JsonArray v ? v.Select(view => view?["name"]?.GetValue<string>()).OfType<string>().ToList() : [],
    };

    private static AirtableFieldSchema ReadField(JsonObject f) => new(
        f["id"]?.GetValue<string>() ?? "",
        f["name"]?.GetValue<string>() ?? "",
        f["type"]?.GetValue<string>() ?? "",
        f["options"] as JsonObject);

    // ---- plumbing ----

    private string BaseUrl => Current.ApiBaseUrl.EndsWith('/') ? Current.ApiBaseUrl : Current.ApiBaseUrl + "/";

    private string TableUrl(string table) => BaseUrl + Uri.EscapeDataString(Current.BaseId!) + "/" + Uri.EscapeDataString(table);

    private string MetaUrl() => BaseUrl + "meta/bases/" + Uri.EscapeDataString(Current.BaseId!) + "/tables";

    /// <summary>Sends a call and counts it, with its outcome, for <c>ocm.airtable.calls</c>.</summary>
    private async Task<JsonObject> SendAsync(CallLabel call, string operation, HttpMethod method, string url, JsonObject? body, CancellationToken ct)
    {
        if (_metrics is null) return await SendUncountedAsync(call, operation, method, url, body, ct).ConfigureAwait(false);
        try
        {
            var answer = await SendUncountedAsync(call, operation, method, url, body, ct).ConfigureAwait(false);
            _metrics.AirtableCall(call.Table, call.Verb, "ok");
            return answer;
        }
        catch (AirtableException e)
        {
            _metrics.AirtableCall(call.Table, call.Verb, e.Status switch
            {
                null => "unreachable",
                HttpStatusCode.TooManyRequests => "ratelimited",
                { } status when (int)status >= 500 => "http_error",
                _ => "refused",
            });
            throw;
        }
    }

    private async Task<JsonObject> SendUncountedAsync(CallLabel call, string operation, HttpMethod method, string url, JsonObject? body, CancellationToken ct)
    {
        var o = Current;
        var json = body?.ToJsonString();
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(CallKey, call);
        HttpResponseMessage response;
        try
        {
            response = await _retry.ExecuteAsync(async ctx =>
            {
                using var permit = await _limiter.AcquireAsync(o.BaseId!, o.RequestsPerSecond, ctx.CancellationToken).ConfigureAwait(false);
                return await _attemptTimeout.ExecuteAsync(async token =>
                {
                    using var request = new HttpRequestMessage(method, url);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.ApiKey);
                    if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                    var answer = await _http.SendAsync(request, token).ConfigureAwait(false);
                    // Airtable refuses the whole base for 30 s after a 429: hold every caller, whether or not this one tries again.
                    if (answer.StatusCode == HttpStatusCode.TooManyRequests)
                        _limiter.HoldUntil(o.BaseId!, _clock.GetUtcNow() + (RetryAfter(answer) ?? o.RateLimitPenalty));
                    return answer;
                }, ctx.CancellationToken).ConfigureAwait(false);
            }, context).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(_log, operation, e.Message);
            throw new AirtableException(operation, null, AirtableErrors.Unreachable, e.Message);
        }
        catch (TimeoutRejectedException)
        {
            LogUnreachable(_log, operation, "timed out");
            throw new AirtableException(operation, null, AirtableErrors.Unreachable, $"no answer within {o.RequestTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                _signals?.ReportAnswered(Reliability.Dependencies.Store);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var (type, message) = AirtableErrors.Parse(text, response.StatusCode);
                LogRefused(_log, operation, (int)response.StatusCode, type, message ?? "");
                throw new AirtableException(operation, response.StatusCode, type, message);
            }
            JsonObject? answer;
            try { answer = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { answer = null; }
            return answer ?? throw new AirtableException(operation, response.StatusCode, "INVALID_RESPONSE", "the answer was not a JSON object");
        }
    }

    private static IEnumerable<AirtableRecord> ReadRecords(JsonObject answer) =>
        answer["records"] is JsonArray records ? records.OfType<JsonObject>().Select(ReadRecord) : [];

    private static AirtableRecord ReadRecord(JsonObject r)
    {
        // Taken out of the answer rather than copied: nothing else keeps the answer, and a list may hold hundreds of records.
        var fields = r["fields"] as JsonObject;
        if (fields is not null) r.Remove("fields");
        return new(
            r["id"]?.GetValue<string>() ?? throw new AirtableException("read a record", null, "INVALID_RESPONSE", "a record without an id"),
            r["createdTime"] is JsonValue t && t.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : default,
            fields ?? new JsonObject());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Airtable {Operation} got {Outcome}; retry {Attempt} in {Delay}")]
    private static partial void LogRetry(ILogger log, string operation, string outcome, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Airtable {Operation} refused: {Status} {Type} {Message}")]
    private static partial void LogRefused(ILogger log, string operation, int status, string type, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Airtable {Operation} got no answer: {Reason}")]
    private static partial void LogUnreachable(ILogger log, string operation, string reason);
}
