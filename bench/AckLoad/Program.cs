using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// Load generator for the acknowledgement path. It signs every request the way Slack does, so the server
// under test does its full verification work, and it can host a do-nothing Slack Web API on loopback so the
// bot's follow-up calls have somewhere to go.
//
//   AckLoad standin  --port 5099
//   AckLoad seed     --target URL --secret S
//   AckLoad rate     --target URL --secret S --rate 200 --seconds 10 [--warmup 3] [--connections 16]
//   AckLoad presign  --secret S --count 60000 --out FILE     (signed requests for bench/wrk/signed.lua)
//   AckLoad submit   --target URL --secret S --count 10000 --concurrency 16
// Every mode prints one JSON line with its figures. The stand-in also answers POST /slack/* with an empty 200,
// so the generator can be calibrated against a server that does nothing.

// Enough threads from the start that completions never wait for the pool to grow (it adds about one a second
// past its minimum), which would show up as latency that the server under test never caused.
ThreadPool.SetMinThreads(16, 16);
var mode = args.Length > 0 ? args[0] : "help";
var opts = Options.Parse(args.Skip(1).ToArray());
switch (mode)
{
    case "standin":
        await StandIn.RunAsync(opts.Int("port", 5099));
        return 0;
    case "presign":
        Console.WriteLine(new Load("http://unused", opts.Str("secret", "bench-secret"))
            .Presign(opts.Int("count", 60_000), opts.Str("out", "signed.txt")).ToJsonString());
        return 0;
    case "seed":
    case "rate":
    case "submit":
        var load = new Load(opts.Str("target", "http://127.0.0.1:5080"), opts.Str("secret", "bench-secret"));
        var result = mode switch
        {
            "seed" => await load.SeedAsync(),
            "rate" => await load.RateAsync(opts.Int("rate", 200), TimeSpan.FromSeconds(opts.Int("seconds", 10)),
                TimeSpan.FromSeconds(opts.Int("warmup", 3)), opts.Int("connections", 16)),
            _ => await load.SubmitAsync(opts.Int("count", 10_000), opts.Int("concurrency", 16)),
        };
        Console.WriteLine(result.ToJsonString());
        return result["errors"]?.GetValue<long>() > 0 && mode == "seed" ? 1 : 0;
    default:
        Console.Error.WriteLine("usage: AckLoad standin|seed|rate|presign|submit [--target URL] [--secret S] [--rate N] [--seconds N] [--warmup N] [--connections N] [--concurrency N] [--count N] [--out FILE] [--port N]");
        return 2;
}

sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2) d[args[i].TrimStart('-')] = args[i + 1];
        return new Options(d);
    }
    public string Str(string k, string def) => values.TryGetValue(k, out var v) ? v : def;
    public int Int(string k, int def) => values.TryGetValue(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : def;
}

static class StandIn
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        long ts = 0;
        app.MapPost("/api/{method}", (string method) =>
        {
            var n = Interlocked.Increment(ref ts);
            return method switch
            {
                "conversations.open" => Results.Json(new { ok = true, channel = new { id = "DBENCH" } }),
                "chat.postMessage" => Results.Json(new { ok = true, channel = "G0BENCH01", ts = $"1700000000.{n:D6}" }),
                _ => Results.Json(new { ok = true }),
            };
        });
        app.MapPost("/respond/{id}", () => Results.Json(new { ok = true }));
        // A server that does nothing, to measure what the load generator itself adds to latency.
        app.MapPost("/slack/{kind}", () => Results.Ok());
        await app.RunAsync();
    }
}

sealed class Load
{
    private readonly string _target;
    private readonly byte[] _secret;
    private readonly HttpClient _http;
    private long _n;

    public Load(string target, string secret)
    {
        _target = target.TrimEnd('/');
        _secret = Encoding.UTF8.GetBytes(secret);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { Timeout = TimeSpan.FromSeconds(30) };
    }

    private HttpRequestMessage Signed(string path, string body) => Signed(path, Encoding.UTF8.GetBytes(body));

    private HttpRequestMessage Signed(string path, byte[] bytes)
    {
        var (ts, sig) = Signature(bytes);
        var req = new HttpRequestMessage(HttpMethod.Post, _target + path) { Content = new ByteArrayContent(bytes) };
        req.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
        req.Headers.Add("X-Slack-Request-Timestamp", ts);
        req.Headers.Add("X-Slack-Signature", sig);
        return req;
    }

    private (string Ts, string Sig) Signature(byte[] body)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var baseString = Encoding.UTF8.GetBytes($"v0:{ts}:").Concat(body).ToArray();
        return (ts, "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, baseString)));
    }

    private static string Form(params (string K, string V)[] f) => string.Join('&', f.Select(x => $"{Uri.EscapeDataString(x.K)}={Uri.EscapeDataString(x.V)}"));

    private HttpRequestMessage Next()
    {
        var (path, body) = NextBody();
        return Signed(path, body);
    }

    // Alternates the two things people do most: ask (/mentor) and claim. Every body is different (user,
    // trigger, and the Claim card's message), so no click is mistaken for a double click of an earlier one
    // and every request takes the bot's full path: a modal opened, or a claim checked and answered.
    private (string Path, byte[] Body) NextBody()
    {
        var n = Interlocked.Increment(ref _n);
        if ((n & 1) == 0)
            return ("/slack/commands", Encoding.UTF8.GetBytes(Form(("team_id", "TBENCH"), ("channel_id", "CBENCH"), ("user_id", $"U{n % 5000:D6}"),
                ("command", "/mentor"), ("text", ""), ("trigger_id", $"{n}.1.bench"), ("response_url", "http://127.0.0.1:5099/respond/1"),
                ("api_app_id", "ABENCH"))));
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = $"UMENTOR{n % 50:D3}", ["username"] = "mentor" },
            ["team"] = new JsonObject { ["id"] = "TBENCH" },
            ["api_app_id"] = "ABENCH",
            ["trigger_id"] = $"{n}.2.bench",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = $"1700000000.{n:D6}", ["channel_id"] = "G0BENCH01" },
            ["channel"] = new JsonObject { ["id"] = "G0BENCH01" },
            ["response_url"] = "http://127.0.0.1:5099/respond/2",
            ["actions"] = new JsonArray(new JsonObject { ["action_id"] = "claim_request", ["block_id"] = "request_actions", ["type"] = "button", ["value"] = "1001", ["action_ts"] = $"{n}.1" }),
        };
        return ("/slack/interactions", Encoding.UTF8.GetBytes(Form(("payload", payload.ToJsonString()))));
    }

    /// <summary>
    /// Writes <paramref name="count"/> signed requests, one a line (path, timestamp, signature, body separated by
    /// tabs; form bodies never hold a tab or newline), for wrk to replay. Signed just before a run, they stay
    /// inside the servers' five-minute replay window.
    /// </summary>
    public JsonObject Presign(int count, string file)
    {
        using var w = new StreamWriter(file, false, new UTF8Encoding(false));
        for (var i = 0; i < count; i++)
        {
            var (path, body) = NextBody();
            var (ts, sig) = Signature(body);
            w.Write(path); w.Write('\t'); w.Write(ts); w.Write('\t'); w.Write(sig); w.Write('\t');
            w.Write(Encoding.UTF8.GetString(body)); w.Write('\n');
        }
        return new JsonObject { ["mode"] = "presign", ["count"] = count, ["file"] = file };
    }

    private Task<(bool Ok, double Ms)> SendAsync(HttpRequestMessage req) => SendAsync(_http, req);

    private static async Task<(bool Ok, double Ms)> SendAsync(HttpClient http, HttpRequestMessage req)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            using var resp = await http.SendAsync(req);
            await resp.Content.ReadAsByteArrayAsync();
            return (resp.StatusCode == HttpStatusCode.OK, sw.Elapsed.TotalMilliseconds);
        }
        catch (HttpRequestException) { return (false, sw.Elapsed.TotalMilliseconds); }
        catch (TaskCanceledException) { return (false, sw.Elapsed.TotalMilliseconds); }
        finally { req.Dispose(); }
    }

    public async Task<JsonObject> SeedAsync()
    {
        long errors = 0;
        for (var i = 0; i < 50; i++)
        {
            var view = Submission("mentor_volunteer_modal", $"UMENTOR{i:D3}", new JsonObject
            {
                ["skills"] = Multi("Python", "JavaScript"),
                ["max_mentees"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "number_input", ["value"] = "3" } },
            });
            if (!(await SendAsync(Signed("/slack/interactions", Form(("payload", view.ToJsonString()))))).Ok) errors++;
        }
        if (!(await SendAsync(Signed("/slack/interactions", Form(("payload", RequestSubmission("USEED0001").ToJsonString()))))).Ok) errors++;
        return new JsonObject { ["mode"] = "seed", ["errors"] = errors };
    }

    private static JsonObject Multi(params string[] values) => new()
    {
        ["value"] = new JsonObject { ["type"] = "multi_static_select", ["selected_options"] = new JsonArray(values.Select(v => (JsonNode)new JsonObject { ["value"] = v }).ToArray()) },
    };

    private static JsonObject Single(string value) => new()
    {
        ["value"] = new JsonObject { ["type"] = "static_select", ["selected_option"] = new JsonObject { ["value"] = value } },
    };

    // Slack's view IDs are unique; so are these, across load-generator runs against one data folder.
    private static readonly string ViewPrefix = "V" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private static long _views;

    private static JsonObject Submission(string callback, string user, JsonObject values) => new()
    {
        ["type"] = "view_submission",
        ["user"] = new JsonObject { ["id"] = user, ["username"] = user.ToLowerInvariant() },
        ["team"] = new JsonObject { ["id"] = "TBENCH" },
        ["view"] = new JsonObject { ["id"] = ViewPrefix + Interlocked.Increment(ref _views), ["callback_id"] = callback, ["state"] = new JsonObject { ["values"] = values } },
    };

    private static JsonObject RequestSubmission(string user) => Submission("mentor_request_modal", user, new JsonObject
    {
        ["service"] = Single("Code Review"),
        ["skills"] = Multi("Python"),
        ["details"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "plain_text_input", ["value"] = "Please review my Flask project before my interview next week." } },
        ["affiliation"] = Single("Veteran"),
    });

    /// <summary>
    /// Open loop: requests start on a fixed schedule whatever the server does, so slowness shows as latency.
    /// What the generator itself could add to the tail is kept out: the connections are opened and every code
    /// path is compiled during a warm-up at the same rate that is not recorded; requests are signed before
    /// the clock starts; a dedicated thread keeps the schedule (sleeping, then spinning the last stretch) and
    /// starts each send itself rather than queueing it behind the thread pool; a fixed set of keep-alive
    /// connections is shared, so a burst waits for a free connection (and that wait counts) instead of
    /// opening new ones. Latency is measured from the time each request was due, not from when it was sent,
    /// so a late sender cannot hide server slowness; the send lag is reported separately as a check.
    /// </summary>
    public async Task<JsonObject> RateAsync(int rate, TimeSpan duration, TimeSpan warmup, int connections)
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        }) { Timeout = TimeSpan.FromSeconds(30) };
        for (var round = 0; round < 3; round++)
            await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => SendAsync(http, Next())));
        await OnScheduleAsync(http, rate, (int)(rate * warmup.TotalSeconds));

        GC.Collect();
        var run = await OnScheduleAsync(http, rate, (int)(rate * duration.TotalSeconds));
        var fromDue = run.Select(r => r.FromDue).Order().ToArray();
        var fromSend = run.Select(r => r.FromSend).Order().ToArray();
        var lag = run.Select(r => r.FromDue - r.FromSend).Order().ToArray();
        return new JsonObject
        {
            ["mode"] = "rate",
            ["rate"] = rate,
            ["requests"] = run.Length,
            ["connections"] = connections,
            ["errors"] = run.LongCount(r => !r.Ok),
            ["p50_ms"] = Math.Round(Pct(fromDue, 0.50), 2),
            ["p90_ms"] = Math.Round(Pct(fromDue, 0.90), 2),
            ["p99_ms"] = Math.Round(Pct(fromDue, 0.99), 2),
            ["max_ms"] = Math.Round(fromDue[^1], 2),
            ["p99_from_send_ms"] = Math.Round(Pct(fromSend, 0.99), 2),
            ["p99_send_lag_ms"] = Math.Round(Pct(lag, 0.99), 2),
            ["gen_gcs"] = GC.CollectionCount(0),
        };
    }

    private readonly record struct Timed(bool Ok, double FromDue, double FromSend);

    private async Task<Timed[]> OnScheduleAsync(HttpClient http, int rate, int total)
    {
        var requests = Enumerable.Range(0, total).Select(_ => Next()).ToArray();
        var sends = new Task<Timed>[total];
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        var pacer = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)((double)i / rate * Stopwatch.Frequency);
                long now;
                while ((now = Stopwatch.GetTimestamp()) < due)
                {
                    if (due - now > Stopwatch.Frequency / 500) Thread.Sleep(1);
                    else Thread.SpinWait(20);
                }
                sends[i] = TimeAsync(http, requests[i], due);
            }
        }) { IsBackground = true, Priority = ThreadPriority.Highest, Name = "pacer" };
        pacer.Start();
        await Task.Run(pacer.Join);
        return await Task.WhenAll(sends);
    }

    private static async Task<Timed> TimeAsync(HttpClient http, HttpRequestMessage req, long due)
    {
        var sent = Stopwatch.GetTimestamp();
        var (ok, _) = await SendAsync(http, req);
        var end = Stopwatch.GetTimestamp();
        return new Timed(ok, Stopwatch.GetElapsedTime(due, end).TotalMilliseconds, Stopwatch.GetElapsedTime(sent, end).TotalMilliseconds);
    }

    /// <summary>Submits N mentor requests (each stored, posted and confirmed by the bot).</summary>
    public async Task<JsonObject> SubmitAsync(int count, int concurrency)
    {
        long errors = 0, next = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) <= count)
                if (!(await SendAsync(Signed("/slack/interactions", Form(("payload", RequestSubmission($"UMENTEE{i:D6}").ToJsonString()))))).Ok)
                    Interlocked.Increment(ref errors);
        })).ToArray();
        await Task.WhenAll(workers);
        return new JsonObject { ["mode"] = "submit", ["count"] = count, ["errors"] = errors, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1) };
    }

    private static double Pct(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
