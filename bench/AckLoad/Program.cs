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
//   AckLoad rate     --target URL --secret S --rate 200 --seconds 10
//   AckLoad saturate --target URL --secret S --concurrency 64 --seconds 10
//   AckLoad submit   --target URL --secret S --count 10000 --concurrency 16
// Every mode prints one JSON line with its figures.

var mode = args.Length > 0 ? args[0] : "help";
var opts = Options.Parse(args.Skip(1).ToArray());
switch (mode)
{
    case "standin":
        await StandIn.RunAsync(opts.Int("port", 5099));
        return 0;
    case "seed":
    case "rate":
    case "saturate":
    case "submit":
        var load = new Load(opts.Str("target", "http://127.0.0.1:5080"), opts.Str("secret", "bench-secret"));
        var result = mode switch
        {
            "seed" => await load.SeedAsync(),
            "rate" => await load.RateAsync(opts.Int("rate", 200), TimeSpan.FromSeconds(opts.Int("seconds", 10))),
            "saturate" => await load.SaturateAsync(opts.Int("concurrency", 64), TimeSpan.FromSeconds(opts.Int("seconds", 10))),
            _ => await load.SubmitAsync(opts.Int("count", 10_000), opts.Int("concurrency", 16)),
        };
        Console.WriteLine(result.ToJsonString());
        return result["errors"]?.GetValue<long>() > 0 && mode == "seed" ? 1 : 0;
    default:
        Console.Error.WriteLine("usage: AckLoad standin|seed|rate|saturate|submit [--target URL] [--secret S] [--rate N] [--seconds N] [--concurrency N] [--count N] [--port N]");
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

    private HttpRequestMessage Signed(string path, string body)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes(body);
        var baseString = Encoding.UTF8.GetBytes($"v0:{ts}:").Concat(bytes).ToArray();
        var sig = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, baseString));
        var req = new HttpRequestMessage(HttpMethod.Post, _target + path) { Content = new ByteArrayContent(bytes) };
        req.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
        req.Headers.Add("X-Slack-Request-Timestamp", ts);
        req.Headers.Add("X-Slack-Signature", sig);
        return req;
    }

    private static string Form(params (string K, string V)[] f) => string.Join('&', f.Select(x => $"{Uri.EscapeDataString(x.K)}={Uri.EscapeDataString(x.V)}"));

    // Alternates the two things people do most: ask (/mentor) and claim.
    private HttpRequestMessage Next()
    {
        var n = Interlocked.Increment(ref _n);
        if ((n & 1) == 0)
            return Signed("/slack/commands", Form(("team_id", "TBENCH"), ("channel_id", "CBENCH"), ("user_id", $"U{n % 5000:D6}"),
                ("command", "/mentor"), ("text", ""), ("trigger_id", $"{n}.1.bench"), ("response_url", "http://127.0.0.1:5099/respond/1"),
                ("api_app_id", "ABENCH")));
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = $"UMENTOR{n % 50:D3}", ["username"] = "mentor" },
            ["team"] = new JsonObject { ["id"] = "TBENCH" },
            ["api_app_id"] = "ABENCH",
            ["trigger_id"] = $"{n}.2.bench",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = "1700000000.000001", ["channel_id"] = "G0BENCH01" },
            ["channel"] = new JsonObject { ["id"] = "G0BENCH01" },
            ["response_url"] = "http://127.0.0.1:5099/respond/2",
            ["actions"] = new JsonArray(new JsonObject { ["action_id"] = "claim_request", ["block_id"] = "request_actions", ["type"] = "button", ["value"] = "1001", ["action_ts"] = "1.1" }),
        };
        return Signed("/slack/interactions", Form(("payload", payload.ToJsonString())));
    }

    private async Task<(bool Ok, double Ms)> SendAsync(HttpRequestMessage req)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            using var resp = await _http.SendAsync(req);
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

    /// <summary>Open loop: requests start on a fixed schedule whatever the server does, so slowness shows as latency.</summary>
    public async Task<JsonObject> RateAsync(int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var tasks = new List<Task<(bool Ok, double Ms)>>(total);
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(interval.TotalSeconds * i * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            else while (Stopwatch.GetTimestamp() < due) Thread.SpinWait(20);
            var scheduled = due;
            tasks.Add(Task.Run(async () =>
            {
                var (ok, _) = await SendAsync(Next());
                // Latency from when the request was due, so a stalled sender cannot hide server slowness.
                return (ok, Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds);
            }));
        }
        var results = await Task.WhenAll(tasks);
        var ms = results.Select(r => r.Ms).Order().ToArray();
        return new JsonObject
        {
            ["mode"] = "rate",
            ["rate"] = rate,
            ["requests"] = total,
            ["errors"] = results.LongCount(r => !r.Ok),
            ["p50_ms"] = Math.Round(Pct(ms, 0.50), 2),
            ["p99_ms"] = Math.Round(Pct(ms, 0.99), 2),
            ["max_ms"] = Math.Round(ms[^1], 2),
        };
    }

    /// <summary>Closed loop: as many requests as the server will take with N in flight.</summary>
    public async Task<JsonObject> SaturateAsync(int concurrency, TimeSpan duration)
    {
        long done = 0, errors = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var (ok, _) = await SendAsync(Next());
                if (ok) Interlocked.Increment(ref done); else Interlocked.Increment(ref errors);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new JsonObject { ["mode"] = "saturate", ["concurrency"] = concurrency, ["ok"] = done, ["errors"] = errors, ["rps"] = Math.Round(done / seconds, 1) };
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
