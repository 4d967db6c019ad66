using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>What the fake was asked and what it answered.</summary>
public sealed record FakeAirtableCall(string Method, string Path, string Query, string? Body, int Status, DateTimeOffset At)
{
    public bool IsMeta => Path.StartsWith("meta/", StringComparison.Ordinal);

    public bool IsRead => !IsMeta && (Method == "GET" || Path.EndsWith("/listRecords", StringComparison.Ordinal));

    public bool IsWrite => !IsMeta && !IsRead;

    /// <summary>The table named in the path (decoded), for record calls.</summary>
    public string? Table => IsMeta ? null : Path.Split('/') is { Length: >= 2 } p ? p[1] : null;
}

/// <summary>
/// Airtable's Web API, served over real HTTP on 127.0.0.1, behaving like the real one where the bot depends
/// on it: Bearer auth; 100-record pages with <c>offset</c>; 422 beyond 10 records a write; 5 requests per second
/// per base, then 429 with Airtable's body and a 30-second penalty (on <see cref="Clock"/>); unknown field
/// names and select options refused unless <c>typecast</c>; links must name existing rows; PATCH merges, PUT
/// replaces; empty values left out of answers; upserts; both error-body shapes; URLs over 16,000 characters
/// refused; the metadata API (with views, and links created with their inverse field); views; date fields that take
/// a day only; and <c>filterByFormula</c> and formula fields evaluated by <see cref="FakeAirtableFormula"/>.
/// Faults can be queued to simulate 5xx bursts, answers lost after a write, and stalls.
/// </summary>
public sealed class FakeAirtable : IAsyncDisposable
{
    public const string Token = "patFAKE0123456789.fake-airtable-secret-token";

    internal readonly object Gate = new();
    private readonly WebApplication _app;
    private readonly Dictionary<string, FakeAirtableBase> _bases = new(StringComparer.Ordinal);
    private readonly List<FakeAirtableCall> _calls = [];
    private readonly Queue<Fault> _faults = new();
    private long _ids;

    private FakeAirtable(WebApplication app, TimeProvider clock)
    {
        _app = app;
        Clock = clock;
    }

    public TimeProvider Clock { get; }

    /// <summary>Requests per second allowed per base. Default 5, like Airtable.</summary>
    public int RequestsPerSecond { get; set; } = 5;

    /// <summary>How long a base refuses everything after going over the limit. Default 30 seconds, like Airtable.</summary>
    public TimeSpan Penalty { get; set; } = TimeSpan.FromSeconds(30);

    public string ApiBaseUrl { get; private set; } = "";

    public static async Task<FakeAirtable> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            // Big enough to see (and refuse, as Airtable does) URLs over 16,000 characters.
            k.Limits.MaxRequestLineSize = 64 * 1024;
            k.Limits.MaxRequestHeadersTotalSize = 128 * 1024;
        });
        var app = builder.Build();
        var fake = new FakeAirtable(app, clock ?? TimeProvider.System);
        app.Map("/v0/{**path}", fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.ApiBaseUrl = address.TrimEnd('/') + "/v0/";
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public FakeAirtableBase AddBase(string baseId)
    {
        lock (Gate)
        {
            var b = new FakeAirtableBase(baseId, this);
            _bases[baseId] = b;
            return b;
        }
    }

    public FakeAirtableBase Base(string baseId)
    {
        lock (Gate) return _bases[baseId];
    }

    public IReadOnlyList<FakeAirtableCall> Calls
    {
        get { lock (Gate) return _calls.ToList(); }
    }

    public void ClearCalls()
    {
        lock (Gate) _calls.Clear();
    }

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="status"/>.</summary>
    /// <param name="afterWrite">The write is applied first and only the answer is lost, as when a gateway times out.</param>
    /// <param name="retryAfter">Sent as a Retry-After header.</param>
    public void FailNext(int count, HttpStatusCode status, bool afterWrite = false, TimeSpan? retryAfter = null)
    {
        lock (Gate)
            for (var i = 0; i < count; i++) _faults.Enqueue(new Fault(status, afterWrite, retryAfter, Stall: false));
    }

    /// <summary>The next <paramref name="count"/> requests never get an answer (until the caller gives up).</summary>
    public void StallNext(int count)
    {
        lock (Gate)
            for (var i = 0; i < count; i++) _faults.Enqueue(new Fault(HttpStatusCode.GatewayTimeout, false, null, Stall: true));
    }

    /// <summary>
    /// A bad stretch, until <see cref="EndOutage"/>: every other request fails, in turn with 503 before the write; 429
    /// (starting the penalty); no answer at all, until the caller gives up; and 502 after the write landed, so only
    /// the answer is lost.
    /// </summary>
    public void BeginOutage()
    {
        lock (Gate) _outageCalls = 0;
    }

    public void EndOutage()
    {
        lock (Gate) _outageCalls = -1;
    }

    // Called under Gate.
    private Fault? OutageFault()
    {
        if (_outageCalls < 0) return null;
        var n = _outageCalls++;
        if (n % 2 == 0) return null;
        return (n / 2 % 4) switch
        {
            0 => new Fault(HttpStatusCode.ServiceUnavailable, false, null, Stall: false),
            1 => new Fault(HttpStatusCode.TooManyRequests, false, null, Stall: false),
            2 => new Fault(HttpStatusCode.GatewayTimeout, false, null, Stall: true),
            _ => new Fault(HttpStatusCode.BadGateway, AfterWrite: true, null, Stall: false),
        };
    }

    private int _outageCalls = -1;

    private HttpStatusCode? _down;

    /// <summary>
    /// Airtable is down until <see cref="ComeBack"/>: every request that gets past the rate limit (and any penalty) answers
    /// <paramref name="status"/> and changes nothing.
    /// </summary>
    public void GoDown(HttpStatusCode status = HttpStatusCode.ServiceUnavailable)
    {
        lock (Gate) _down = status;
    }

    public void ComeBack()
    {
        lock (Gate) _down = null;
    }

    /// <summary>The base refuses everything with 429 for <see cref="Penalty"/> from now, as after a burst over the limit.</summary>
    public void Penalise(string baseId)
    {
        lock (Gate) Base(baseId).PenaltyUntil = Clock.GetUtcNow() + Penalty;
    }

    /// <summary>
    /// From now on, answers to matching requests (method, decoded path) are computed but not sent until the
    /// returned action is called: a read that has already seen the base, still on its way back.
    /// </summary>
    public Action HoldAnswers(Func<string, string, bool> match)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Gate) _hold = (match, gate);
        return () =>
        {
            lock (Gate) _hold = null;
            gate.TrySetResult();
        };
    }

    /// <summary>Answers held back by <see cref="HoldAnswers"/> so far.</summary>
    public int HeldAnswers => Volatile.Read(ref _held);

    private (Func<string, string, bool> Match, TaskCompletionSource Gate)? _hold;
    private int _held;

    internal string NewId(string prefix) => prefix + "FAKE" + Interlocked.Increment(ref _ids).ToString("D10", CultureInfo.InvariantCulture);

    private sealed record Fault(HttpStatusCode Status, bool AfterWrite, TimeSpan? RetryAfter, bool Stall);

    private sealed record Answer(int Status, JsonNode Body, TimeSpan? RetryAfter = null);

    // ---- request handling ----

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!["/v0/".Length..];
        var query = ctx.Request.QueryString.Value ?? "";
        string? body = null;
        if (ctx.Request.ContentLength is > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
            body = await new StreamReader(ctx.Request.Body).ReadToEndAsync(ctx.RequestAborted);

        Answer answer;
        Fault? stall = null;
        Task? held = null;
        lock (Gate)
        {
            if (_hold is { } hold && hold.Match(ctx.Request.Method, Uri.UnescapeDataString(path))) held = hold.Gate.Task;
            var now = Clock.GetUtcNow();
            var screened = Screen(ctx, path, query, now, out var fault);
            // A fault before the write leaves the base untouched; one after it loses only the answer.
            answer = screened ?? (fault is null || fault.AfterWrite
                ? Dispatch(ctx.Request.Method, path, ctx.Request.Query, body)
                : new Answer(200, new JsonObject()));
            if (fault is not null)
            {
                if (fault.Stall) stall = fault;
                else if (!fault.AfterWrite || answer.Status < 300)
                    answer = new Answer((int)fault.Status, Error("SERVER_ERROR", "Injected fault"), fault.RetryAfter);
            }
            _calls.Add(new FakeAirtableCall(ctx.Request.Method, Uri.UnescapeDataString(path), query, body, stall is null ? answer.Status : 0, now));
        }
        if (held is not null)
        {
            Interlocked.Increment(ref _held);
            await held.WaitAsync(ctx.RequestAborted);
        }
        if (stall is not null)
        {
            try { await Task.Delay(Timeout.Infinite, ctx.RequestAborted); }
            catch (OperationCanceledException) { }
            return;
        }

        ctx.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is { } wait) ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(answer.Body.ToJsonString(), ctx.RequestAborted);
    }

    /// <summary>Auth, base, URL length, rate limit and queued faults: what Airtable checks before it looks at the request.</summary>
    private Answer? Screen(HttpContext ctx, string path, string query, DateTimeOffset now, out Fault? fault)
    {
        fault = null;
        if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + Token)
            return new Answer(401, Error("AUTHENTICATION_REQUIRED", "Authentication required"));
        if (ctx.Request.Path.Value!.Length + query.Length > 16_000)
            return new Answer(414, Error("INVALID_REQUEST_URI_TOO_LONG", "The URL is longer than 16000 characters; use POST listRecords"));
        var segments = path.Split('/');
        var baseId = segments[0] == "meta" && segments.Length > 2 ? segments[2] : segments[0];
        if (!_bases.TryGetValue(baseId, out var b))
            return new Answer(403, Error("INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "Invalid permissions, or the requested model was not found."));

        if (now < b.PenaltyUntil) return RateLimited();
        while (b.Arrivals.Count > 0 && b.Arrivals.Peek() <= now - TimeSpan.FromSeconds(1)) b.Arrivals.Dequeue();
        if (b.Arrivals.Count >= RequestsPerSecond)
        {
            b.PenaltyUntil = now + Penalty;
            return RateLimited();
        }
        b.Arrivals.Enqueue(now);

        if (_down is { } down) return Fail((int)down, "SERVICE_UNAVAILABLE", "Airtable is down");
        if (_faults.TryDequeue(out var f) || (f = OutageFault()) is not null)
        {
            if (f.Status == HttpStatusCode.TooManyRequests)
            {
                b.PenaltyUntil = now + Penalty;
                return RateLimited();
            }
            fault = f;
        }
        return null;
    }

    private static Answer RateLimited() => new(429, new JsonObject
    {
        ["errors"] = new JsonArray(new JsonObject { ["error"] = "RATE_LIMIT_REACHED", ["message"] = "Rate limit exceeded. Please try again later" }),
    });

    private static JsonObject Error(string type, string message) => new() { ["error"] = new JsonObject { ["type"] = type, ["message"] = message } };

    private static Answer Fail(int status, string type, string message) => new(status, Error(type, message));

    private Answer Dispatch(string method, string path, IQueryCollection query, string? body)
    {
        var s = path.Split('/').Select(Uri.UnescapeDataString).ToArray();
        JsonObject json;
        try { json = body is null ? new JsonObject() : JsonNode.Parse(body) as JsonObject ?? new JsonObject(); }
        catch (JsonException) { return Fail(422, "INVALID_REQUEST_UNKNOWN", "Invalid request: the body is not JSON"); }

        if (s[0] == "meta")
        {
            var mb = _bases[s[2]];
            return (method, s.Length) switch
            {
                ("GET", 4) => new Answer(200, new JsonObject { ["tables"] = new JsonArray(mb.Tables.Select(t => (JsonNode)t.ToJson()).ToArray()) }),
                ("POST", 4) => CreateTable(mb, json),
                ("POST", 6) when s[5] == "fields" => mb.Table(s[4]) is { } t ? CreateField(mb, t, json) : Fail(404, "TABLE_NOT_FOUND", $"Could not find table {s[4]}"),
                _ => Fail(404, "NOT_FOUND", "No such endpoint"),
            };
        }

        var b = _bases[s[0]];
        if (s.Length < 2 || b.Table(s[1]) is not { } table)
            return Fail(404, "TABLE_NOT_FOUND", $"Could not find table {(s.Length > 1 ? s[1] : "")} in application {b.Id}");
        return (method, s.Length) switch
        {
            ("GET", 2) => List(table, FromQuery(query)),
            ("POST", 3) when s[2] == "listRecords" => List(table, json),
            ("GET", 3) => table.Records.FirstOrDefault(r => r.Id == s[2]) is { } rec
                ? new Answer(200, table.Json(rec))
                : new Answer(404, new JsonObject { ["error"] = "NOT_FOUND" }),
            ("POST", 2) => Create(table, json),
            ("PATCH", 2) => Update(table, json, replace: false),
            ("PUT", 2) => Update(table, json, replace: true),
            _ => Fail(404, "NOT_FOUND", "No such endpoint"),
        };
    }

    // ---- listing ----

    private static JsonObject FromQuery(IQueryCollection q)
    {
        var o = new JsonObject();
        foreach (var key in new[] { "pageSize", "maxRecords" })
            if (q.TryGetValue(key, out var v) && int.TryParse(v, out var n)) o[key] = n;
        foreach (var key in new[] { "offset", "filterByFormula", "view" })
            if (q.TryGetValue(key, out var v)) o[key] = v.ToString();
        if (q.TryGetValue("fields[]", out var fields)) o["fields"] = new JsonArray(fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
        var sort = new JsonArray();
        for (var i = 0; q.TryGetValue($"sort[{i}][field]", out var f); i++)
            sort.Add(new JsonObject { ["field"] = f.ToString(), ["direction"] = q.TryGetValue($"sort[{i}][direction]", out var d) ? d.ToString() : "asc" });
        if (sort.Count > 0) o["sort"] = sort;
        return o;
    }

    private Answer List(FakeTable table, JsonObject o)
    {
        var pageSize = o["pageSize"]?.GetValue<int>() ?? 100;
        if (pageSize is < 1 or > 100) return Fail(422, "INVALID_PAGE_SIZE", "pageSize must be between 1 and 100");
        IEnumerable<FakeRecord> rows = table.Records;
        if (o["view"]?.GetValue<string>() is { } view)
        {
            if (!table.Views.TryGetValue(view, out var shows)) return Fail(422, "VIEW_NAME_NOT_FOUND", $"Could not find view {view} in table {table.Name}");
            if (shows is not null)
            {
                var chosen = FakeAirtableFormula.Parse(shows);
                rows = rows.Where(r => chosen.Keeps(f => table.FormulaValue(r, f), r.Id)).ToList();
            }
        }
        if (o["filterByFormula"]?.GetValue<string>() is { Length: > 0 } text)
        {
            FakeAirtableFormula formula;
            try { formula = FakeAirtableFormula.Parse(text); }
            catch (FormatException e) { return Fail(422, "INVALID_FILTER_BY_FORMULA", $"The formula for filtering records is invalid: {e.Message}"); }
            foreach (var name in FieldNames(text))
                if (table.Field(name) is null) return Fail(422, "INVALID_FILTER_BY_FORMULA", $"Unknown field names: {name}");
            rows = rows.Where(r => formula.Keeps(f => table.FormulaValue(r, f), r.Id)).ToList();
        }
        if (o["sort"] is JsonArray sort)
        {
            IOrderedEnumerable<FakeRecord>? sorted = null;
            foreach (var spec in sort.OfType<JsonObject>())
            {
                var field = spec["field"]!.GetValue<string>();
                if (table.Field(field) is null) return Fail(422, "UNKNOWN_FIELD_NAME", $"Unknown field name: \"{field}\"");
                var desc = spec["direction"]?.GetValue<string>() == "desc";
                Func<FakeRecord, string> key = r => r.Fields[field]?.ToJsonString() ?? "";
                sorted = sorted is null
                    ? desc ? rows.OrderByDescending(key, StringComparer.Ordinal) : rows.OrderBy(key, StringComparer.Ordinal)
                    : desc ? sorted.ThenByDescending(key, StringComparer.Ordinal) : sorted.ThenBy(key, StringComparer.Ordinal);
            }
            if (sorted is not null) rows = sorted;
        }
        var all = rows.ToList();
        if (o["maxRecords"]?.GetValue<int>() is { } max) all = all.Take(max).ToList();

        string[]? only = null;
        if (o["fields"] is JsonArray fields)
        {
            only = fields.Select(f => f!.GetValue<string>()).ToArray();
            if (only.FirstOrDefault(f => table.Field(f) is null) is { } unknown) return Fail(422, "UNKNOWN_FIELD_NAME", $"Unknown field name: \"{unknown}\"");
        }
        var start = 0;
        if (o["offset"]?.GetValue<string>() is { } offset && (!offset.StartsWith("itr", StringComparison.Ordinal) || !int.TryParse(offset.AsSpan(3), out start)))
            return Fail(422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "The offset is not valid");
        var page = all.Skip(start).Take(pageSize).ToList();
        var answer = new JsonObject { ["records"] = new JsonArray(page.Select(r => (JsonNode)table.Json(r, only)).ToArray()) };
        if (start + pageSize < all.Count) answer["offset"] = "itr" + (start + pageSize).ToString(CultureInfo.InvariantCulture);
        return new Answer(200, answer);
    }

    private static IEnumerable<string> FieldNames(string formula)
    {
        for (var i = formula.IndexOf('{'); i >= 0; i = formula.IndexOf('{', i + 1))
        {
            var close = formula.IndexOf('}', i);
            if (close < 0) yield break;
            // Braces inside string literals are not field references; only names the formula parser accepted matter.
            if (!InsideLiteral(formula, i)) yield return formula[(i + 1)..close];
        }
    }

    private static bool InsideLiteral(string formula, int at)
    {
        char? quote = null;
        for (var i = 0; i < at; i++)
        {
            var c = formula[i];
            if (quote is not null && c == '\\') { i++; continue; }
            if (c is '\'' or '"') quote = quote is null ? c : quote == c ? null : quote;
        }
        return quote is not null;
    }

    // ---- writing ----

    private Answer Create(FakeTable table, JsonObject body)
    {
        var records = body["records"] as JsonArray ?? (body["fields"] is JsonObject single ? new JsonArray(new JsonObject { ["fields"] = single.DeepClone() }) : null);
        if (records is null || records.Count == 0) return Fail(422, "INVALID_REQUEST_MISSING_FIELDS", "Could not find field \"records\" in the request body");
        if (records.Count > 10) return Fail(422, "INVALID_RECORDS", "You can create up to 10 records per request");
        var typecast = body["typecast"]?.GetValue<bool>() == true;
        var created = new List<FakeRecord>();
        foreach (var r in records.OfType<JsonObject>())
        {
            var check = Validate(table, r["fields"] as JsonObject ?? new JsonObject(), typecast);
            if (check is not null) return check;
        }
        foreach (var r in records.OfType<JsonObject>())
        {
            var record = table.NewRecord();
            table.Write(record, r["fields"] as JsonObject ?? new JsonObject(), replace: true);
            created.Add(record);
        }
        return new Answer(200, new JsonObject { ["records"] = new JsonArray(created.Select(c => (JsonNode)table.Json(c)).ToArray()) });
    }

    private Answer Update(FakeTable table, JsonObject body, bool replace)
    {
        if (body["records"] is not JsonArray records || records.Count == 0) return Fail(422, "INVALID_REQUEST_MISSING_FIELDS", "Could not find field \"records\" in the request body");
        if (records.Count > 10) return Fail(422, "INVALID_RECORDS", "You can update up to 10 records per request");
        var typecast = body["typecast"]?.GetValue<bool>() == true;
        var mergeOn = (body["performUpsert"]?["fieldsToMergeOn"] as JsonArray)?.Select(f => f!.GetValue<string>()).ToList();
        if (mergeOn is not null && (mergeOn.Count is < 1 or > 3 || mergeOn.Any(f => table.Field(f) is null)))
            return Fail(422, "INVALID_REQUEST_UNKNOWN", "fieldsToMergeOn must name one to three existing fields");

        var plan = new List<(FakeRecord? Target, JsonObject Fields)>();
        foreach (var r in records.OfType<JsonObject>())
        {
            var fields = r["fields"] as JsonObject ?? new JsonObject();
            if (Validate(table, fields, typecast) is { } invalid) return invalid;
            FakeRecord? target;
            if (mergeOn is not null && r["id"] is null)
            {
                var matches = table.Records.Where(x => mergeOn.All(f => JsonNode.DeepEquals(x.Fields[f], fields[f]))).ToList();
                if (matches.Count > 1) return Fail(422, "INVALID_VALUE_FOR_COLUMN", "More than one record matches the fields to merge on");
                target = matches.FirstOrDefault();
            }
            else
            {
                var id = r["id"]?.GetValue<string>();
                target = table.Records.FirstOrDefault(x => x.Id == id);
                if (target is null) return Fail(404, "MODEL_ID_NOT_FOUND", $"Record {id} does not exist in table {table.Name}");
            }
            plan.Add((target, fields));
        }

        var answer = new JsonArray();
        var createdIds = new JsonArray();
        var updatedIds = new JsonArray();
        foreach (var (target, fields) in plan)
        {
            var record = target;
            if (record is null)
            {
                record = table.NewRecord();
                createdIds.Add(record.Id);
                table.Write(record, fields, replace: true);
            }
            else
            {
                updatedIds.Add(record.Id);
                table.Write(record, fields, replace);
            }
            answer.Add(table.Json(record));
        }
        var result = new JsonObject { ["records"] = answer };
        if (mergeOn is not null)
        {
            result["createdRecords"] = createdIds;
            result["updatedRecords"] = updatedIds;
        }
        return new Answer(200, result);
    }

    internal static bool IsEmpty(JsonNode? v) =>
        v is null || v is JsonArray { Count: 0 } || (v is JsonValue jv && ((jv.TryGetValue<string>(out var s) && s.Length == 0) || (jv.TryGetValue<bool>(out var b) && !b)));

    private static Answer? Validate(FakeTable table, JsonObject fields, bool typecast)
    {
        foreach (var (name, value) in fields)
        {
            var field = table.Field(name);
            if (field is null) return Fail(422, "UNKNOWN_FIELD_NAME", $"Unknown field name: \"{name}\"");
            if (value is null) continue;
            var bad = Fail(422, "INVALID_VALUE_FOR_COLUMN", $"Field \"{name}\" cannot accept the provided value");
            switch (field.Type)
            {
                case "autoNumber" or "formula" or "createdTime" or "lastModifiedTime" or "lastModifiedBy" or "createdBy" or "count" or "rollup":
                    return Fail(422, "INVALID_VALUE_FOR_COLUMN", $"Field \"{name}\" cannot accept a value because the field is computed");
                case "singleLineText" or "multilineText" or "richText" or "email" or "url" or "phoneNumber":
                    if (value is not JsonValue t || !t.TryGetValue<string>(out _)) return bad;
                    break;
                case "number":
                    if (value is not JsonValue n || !n.TryGetValue<double>(out _)) return bad;
                    break;
                case "checkbox":
                    if (value is not JsonValue c || !c.TryGetValue<bool>(out _)) return bad;
                    break;
                case "dateTime":
                    if (value is not JsonValue d || !d.TryGetValue<string>(out var ds) || !DateTimeOffset.TryParse(ds, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)) return bad;
                    break;
                case "date":
                    // A date field keeps a day: anything but YYYY-MM-DD is refused, so a time sent there shows up in tests.
                    if (value is not JsonValue day || !day.TryGetValue<string>(out var dd) || !DateOnly.TryParseExact(dd, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return bad;
                    break;
                case "singleSelect" or "multipleSelects":
                    var options = field.Type == "singleSelect"
                        ? value is JsonValue sv && sv.TryGetValue<string>(out var one) ? [one] : null
                        : (value as JsonArray)?.Select(x => x?.GetValue<string>()).OfType<string>().ToList();
                    if (options is null) return bad;
                    foreach (var option in options.Where(o => o.Length > 0 && !field.Choices.Contains(o)))
                    {
                        if (!typecast) return Fail(422, "INVALID_MULTIPLE_CHOICE_OPTIONS", $"Insufficient permissions to create new select option \"\"{option}\"\"");
                        ((JsonArray)field.Options!["choices"]!).Add(new JsonObject { ["name"] = option });
                    }
                    break;
                case "multipleRecordLinks":
                    if (value is not JsonArray links) return bad;
                    var target = table.Base.Table(field.Options?["linkedTableId"]?.GetValue<string>() ?? "");
                    foreach (var link in links)
                        if (link is not JsonValue lv || !lv.TryGetValue<string>(out var id) || target?.Records.Any(r => r.Id == id) != true)
                            return Fail(422, "ROW_DOES_NOT_EXIST", $"Record ID {link?.ToJsonString()} does not exist in the linked table of field \"{name}\"");
                    break;
            }
        }
        return null;
    }

    // ---- metadata ----

    private static readonly HashSet<string> NeedOptions = ["number", "checkbox", "dateTime", "date", "singleSelect", "multipleSelects", "multipleRecordLinks"];

    private Answer CreateTable(FakeAirtableBase b, JsonObject body)
    {
        var name = body["name"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(name) || b.Tables.Any(t => t.Name == name)) return Fail(422, "DUPLICATE_TABLE_NAME", $"A table named \"{name}\" already exists or the name is empty");
        if (body["fields"] is not JsonArray fields || fields.Count == 0) return Fail(422, "INVALID_FIELDS", "A table needs at least one field");
        if (fields[0]?["type"]?.GetValue<string>() is "checkbox" or "multipleRecordLinks") return Fail(422, "INVALID_PRIMARY_FIELD", "That field type cannot be the primary field");
        var table = new FakeTable(NewId("tbl"), name, b);
        foreach (var f in fields.OfType<JsonObject>())
            if (AddField(b, table, f) is { } refused) return refused;
        b.Tables.Add(table);
        return new Answer(200, table.ToJson());
    }

    private Answer CreateField(FakeAirtableBase b, FakeTable table, JsonObject body)
    {
        if (AddField(b, table, body) is { } refused) return refused;
        return new Answer(200, table.Fields[^1].ToJson());
    }

    private static Answer? AddField(FakeAirtableBase b, FakeTable table, JsonObject f)
    {
        var name = f["name"]?.GetValue<string>();
        var type = f["type"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(name) || type is null || table.Fields.Any(x => x.Name == name))
            return Fail(422, "DUPLICATE_OR_EMPTY_FIELD_NAME", $"Field \"{name}\" already exists or has no name or type");
        var options = f["options"] as JsonObject;
        if (NeedOptions.Contains(type) && options is null) return Fail(422, "INVALID_FIELD_TYPE_OPTIONS_FOR_CREATE", $"Field \"{name}\" of type {type} needs options");
        var target = type == "multipleRecordLinks" ? b.Table(options!["linkedTableId"]?.GetValue<string>() ?? "") : null;
        if (type == "multipleRecordLinks" && target is null)
            return Fail(422, "INVALID_FIELD_TYPE_OPTIONS_FOR_CREATE", $"Field \"{name}\" links to a table that does not exist");
        // Airtable gives a link to another table its inverse there, named after this table (a link within a table has none).
        if (target is not null && target != table)
        {
            var inverse = table.Name;
            for (var n = 2; target.Field(inverse) is not null; n++) inverse = $"{table.Name} {n}";
            table.Link(name, target, inverse);
            return null;
        }
        table.AddField(name, type, (JsonObject?)options?.DeepClone());
        return null;
    }
}
