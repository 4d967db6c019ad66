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
//   AckLoad submit   --target URL --secret S --count 10000 --concurrency 16 [--pause-ms 0]
//   AckLoad claim    --target URL --secret S --first 1002 --count 400 --concurrency 16 [--mentors 50] [--pause-ms 0]
//   AckLoad pgproxy  --listen 55433 --upstream 127.0.0.1:55432 --stats 55434
// The stand-in counts the messages the bot posts (GET /stats): the cards in the mentors channel and every post, with the
// time of the last of each, so a benchmark can tell when a batch of work has reached Slack. It keeps what was posted
// where and answers conversations.history with it, so a job replayed after a crash finds its message as in Slack.
// The PostgreSQL proxy forwards a database connection untouched and counts the client's round trips (each time it ends
// what it sends with a Sync or a simple Query and waits for the server), served as JSON on GET http://127.0.0.1:<stats>/.
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
        await StandIn.RunAsync(opts.Int("port", 5099), opts.Str("channel", "G0BENCH01"));
        return 0;
    case "pgproxy":
        await PgProxy.RunAsync(opts.Int("listen", 55433), opts.Str("upstream", "127.0.0.1:55432"), opts.Int("stats", 55434));
        return 0;
    case "presign":
        Console.WriteLine(new Load("http://unused", opts.Str("secret", "bench-secret"))
            .Presign(opts.Int("count", 60_000), opts.Str("out", "signed.txt")).ToJsonString());
        return 0;
    case "seed":
    case "rate":
    case "submit":
    case "claim":
        var load = new Load(opts.Str("target", "http://127.0.0.1:5080"), opts.Str("secret", "bench-secret"));
        var result = mode switch
        {
            "seed" => await load.SeedAsync(opts.Int("capacity", 3)),
            "claim" => await load.ClaimAsync(opts.Int("first", 1002), opts.Int("count", 400), opts.Int("concurrency", 16), opts.Int("mentors", 50), opts.Int("pause-ms", 0)),
            "rate" => await load.RateAsync(opts.Int("rate", 200), TimeSpan.FromSeconds(opts.Int("seconds", 10)),
                TimeSpan.FromSeconds(opts.Int("warmup", 3)), opts.Int("connections", 16)),
            _ => await load.SubmitAsync(opts.Int("count", 10_000), opts.Int("concurrency", 16), opts.Int("pause-ms", 0)),
        };
        Console.WriteLine(result.ToJsonString());
        return result["errors"]?.GetValue<long>() > 0 && mode == "seed" ? 1 : 0;
    default:
        Console.Error.WriteLine("usage: AckLoad standin|seed|rate|presign|submit|claim|pgproxy [--target URL] [--secret S] [--rate N] [--seconds N] [--warmup N] [--connections N] [--concurrency N] [--count N] [--first N] [--mentors N] [--pause-ms N] [--capacity N] [--out FILE] [--port N] [--channel C] [--listen N] [--upstream HOST:PORT] [--stats N]");
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
    public static async Task RunAsync(int port, string mentorsChannel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        long ts = 0, posts = 0, cards = 0, lastPost = 0, lastCard = 0;
        // What was posted where, so that a replica replaying a job after a crash reads the conversation back and finds its
        // message, as it would in Slack, instead of posting it again: each message's ts and the first block's ID (its marker).
        var history = new System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentQueue<(string Ts, string? Marker)>>();
        app.MapPost("/api/{method}", async (string method, HttpRequest request) =>
        {
            var n = Interlocked.Increment(ref ts);
            var messageTs = $"1700000000.{n:D6}";
            if (method == "conversations.history")
            {
                // Read-backs are form posts; every message of the channel in one page (the bot stops paging without a cursor).
                var form = await request.ReadFormAsync();
                var kept = history.TryGetValue(form["channel"].ToString(), out var q) ? q.Reverse().ToArray() : [];
                return Results.Json(new
                {
                    ok = true,
                    messages = kept.Select(m => new { ts = m.Ts, blocks = m.Marker is null ? Array.Empty<object>() : [new { type = "section", block_id = m.Marker }] }),
                });
            }
            if (method == "chat.postMessage")
            {
                // The bot posts JSON; the channel says whether this is a card for the mentors or a message to someone.
                var channel = "";
                try
                {
                    var body = await JsonNode.ParseAsync(request.Body);
                    channel = body?["channel"]?.ToString() ?? "";
                    // DMs all answer as one conversation here (conversations.open), so they are kept under it.
                    history.GetOrAdd(channel, _ => new()).Enqueue((messageTs, body?["blocks"]?[0]?["block_id"]?.ToString()));
                }
                catch (JsonException) { }
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                Interlocked.Increment(ref posts);
                Interlocked.Exchange(ref lastPost, now);
                if (channel == mentorsChannel)
                {
                    Interlocked.Increment(ref cards);
                    Interlocked.Exchange(ref lastCard, now);
                }
            }
            return method switch
            {
                "conversations.open" => Results.Json(new { ok = true, channel = new { id = "DBENCH" } }),
                "chat.postMessage" => Results.Json(new { ok = true, channel = "G0BENCH01", ts = messageTs }),
                _ => Results.Json(new { ok = true }),
            };
        });
        // A new phase of the bench starts on a new database, whose requests are numbered from R-1001 again: in Slack they
        // would be new requests in a channel without the earlier ones, so what was posted before is forgotten.
        app.MapPost("/reset", () =>
        {
            history.Clear();
            return Results.Json(new { ok = true });
        });
        app.MapGet("/stats", () => Results.Json(new
        {
            posts = Interlocked.Read(ref posts),
            cards = Interlocked.Read(ref cards),
            last_post_ms = Interlocked.Read(ref lastPost),
            last_card_ms = Interlocked.Read(ref lastCard),
        }));
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
    // Where this process's numbering starts: every run of the generator sends bodies no earlier run sent (a different
    // user, trigger and action_ts), so a bot that keeps its keys for a day takes each click as new, as Slack's would be,
    // rather than as a repeat of the same click from an earlier round.
    private long _n = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1_000_000_000 * 100;

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
    // trigger, and the Claim card's message), within a run and across runs (see _n), so no click is mistaken for a
    // double click of an earlier one and every request takes the bot's full path: a modal opened, or a claim checked
    // and answered.
    private (string Path, byte[] Body) NextBody()
    {
        var n = Interlocked.Increment(ref _n);
        if ((n & 1) == 0)
            return ("/slack/commands", Encoding.UTF8.GetBytes(Form(("team_id", "TBENCH"), ("channel_id", "CBENCH"), ("user_id", $"U{n % 5000:D6}"),
                ("command", "/mentor"), ("text", ""), ("trigger_id", $"{n}.1.bench"), ("response_url", "http://127.0.0.1:5099/respond/1"),
                ("api_app_id", "ABENCH"))));
        var payload = ClaimClick($"UMENTOR{n % 50:D3}", $"{n}.2.bench", $"1700000000.{n:D6}", "1001", $"{n}.1", "http://127.0.0.1:5099/respond/2");
        return ("/slack/interactions", Encoding.UTF8.GetBytes(Form(("payload", payload.ToJsonString()))));
    }

    /// <summary>A Claim button pressed on a card in the mentors channel.</summary>
    private static JsonObject ClaimClick(string user, string triggerId, string messageTs, string reference, string actionTs, string responseUrl) => new()
    {
        ["type"] = "block_actions",
        ["user"] = new JsonObject { ["id"] = user, ["username"] = "mentor" },
        ["team"] = new JsonObject { ["id"] = "TBENCH" },
        ["api_app_id"] = "ABENCH",
        ["trigger_id"] = triggerId,
        ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = messageTs, ["channel_id"] = "G0BENCH01" },
        ["channel"] = new JsonObject { ["id"] = "G0BENCH01" },
        ["response_url"] = responseUrl,
        ["actions"] = new JsonArray(new JsonObject { ["action_id"] = "claim_request", ["block_id"] = "request_actions", ["type"] = "button", ["value"] = reference, ["action_ts"] = actionTs }),
    };

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

    public async Task<JsonObject> SeedAsync(int capacity)
    {
        long errors = 0;
        for (var i = 0; i < 50; i++)
        {
            var view = Submission("mentor_volunteer_modal", $"UMENTOR{i:D3}", new JsonObject
            {
                ["skills"] = Multi("Python", "JavaScript"),
                ["max_mentees"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "number_input", ["value"] = capacity.ToString(CultureInfo.InvariantCulture) } },
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
    /// the clock starts; a dedicated thread keeps the schedule (sleeping until each send is due, never spinning) and
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
            Favour();
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)((double)i / rate * Stopwatch.Frequency);
                long now;
                while ((now = Stopwatch.GetTimestamp()) < due)
                    Pause(due - now);
                sends[i] = TimeAsync(http, requests[i], due);
            }
        }) { IsBackground = true, Priority = ThreadPriority.Highest, Name = "pacer" };
        pacer.Start();
        await Task.Run(pacer.Join);
        return await Task.WhenAll(sends);
    }

    // Waits about the given number of Stopwatch ticks without spinning. The generator shares a CPU with the Slack
    // stand-in and PostgreSQL (standing in for a database on another machine); a pacer spinning out the last
    // stretch before each send took about half of that CPU at 200 req/s and slowed the database down with it.
    // On Linux the kernel's timer wakes the pacer within tens of microseconds of the due time (the send lag in
    // the output shows how close it kept); elsewhere a millisecond's sleep, and the lag shows that too.
    private static void Pause(long ticks)
    {
        if (OperatingSystem.IsLinux())
            usleep((uint)Math.Max(1, ticks * 1_000_000 / Stopwatch.Frequency));
        else
            Thread.Sleep(1);
    }

    // The pacer's thread alone gets a larger share of its CPU (nice -10, where allowed), so that waking for the
    // next send does not wait behind the stand-in's or the database's work.
    private static void Favour()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { setpriority(0, gettid(), -10); } catch (EntryPointNotFoundException) { }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int usleep(uint microseconds);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int gettid();

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int setpriority(int which, int who, int priority);

    private static async Task<Timed> TimeAsync(HttpClient http, HttpRequestMessage req, long due)
    {
        var sent = Stopwatch.GetTimestamp();
        var (ok, _) = await SendAsync(http, req);
        var end = Stopwatch.GetTimestamp();
        return new Timed(ok, Stopwatch.GetElapsedTime(due, end).TotalMilliseconds, Stopwatch.GetElapsedTime(sent, end).TotalMilliseconds);
    }

    /// <summary>Submits N mentor requests (each stored, posted and confirmed by the bot).</summary>
    /// <param name="pauseMs">A pause after each answer before the worker's next send: with one worker, a quiet day's pace.</param>
    public async Task<JsonObject> SubmitAsync(int count, int concurrency, int pauseMs = 0)
    {
        long errors = 0, next = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) <= count)
            {
                if (!(await SendAsync(Signed("/slack/interactions", Form(("payload", RequestSubmission($"UMENTEE{i:D6}").ToJsonString()))))).Ok)
                    Interlocked.Increment(ref errors);
                if (pauseMs > 0) await Task.Delay(pauseMs);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return new JsonObject { ["mode"] = "submit", ["count"] = count, ["errors"] = errors, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1) };
    }

    /// <summary>
    /// Claims requests <paramref name="first"/> onwards, one click each, by the seeded mentors in turn: every click is a
    /// claim that wins (as long as the mentors have room), so each takes the bot's whole claim path.
    /// </summary>
    public async Task<JsonObject> ClaimAsync(int first, int count, int concurrency, int mentors, int pauseMs = 0)
    {
        long errors = 0, next = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) <= count)
            {
                var number = first + i - 1;
                var payload = ClaimClick($"UMENTOR{i % mentors:D3}", $"{number}.3.bench", $"1800000000.{number:D6}", $"R-{number}", $"{number}.3",
                    "http://127.0.0.1:5099/respond/3");
                if (!(await SendAsync(Signed("/slack/interactions", Form(("payload", payload.ToJsonString()))))).Ok) Interlocked.Increment(ref errors);
                if (pauseMs > 0) await Task.Delay(pauseMs);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return new JsonObject { ["mode"] = "claim", ["count"] = count, ["errors"] = errors, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1) };
    }

    private static double Pct(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}


/// <summary>
/// A pass-through proxy in front of PostgreSQL that counts round trips from the client's side: each time the client
/// ends what it sends with a Sync (the end of an extended-protocol exchange) or a simple Query and has nothing more queued,
/// it waits for the server, and that is one round trip. Messages the client sends ahead in the same write (Npgsql puts a
/// transaction's BEGIN, or a pooled connection's reset, in front of the next command) ride along with it, and a batch of
/// statements sent together is one round trip; a COMMIT sent on its own is another. Bytes are forwarded unchanged.
/// </summary>
static class PgProxy
{
    private static long _roundTrips, _syncs, _queries, _parses, _executes, _connections;

    public static async Task RunAsync(int listen, string upstream, int statsPort)
    {
        var colon = upstream.LastIndexOf(':');
        var (host, port) = (upstream[..colon], int.Parse(upstream[(colon + 1)..], CultureInfo.InvariantCulture));
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, listen);
        listener.Start(512);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{statsPort}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Json(new
        {
            round_trips = Interlocked.Read(ref _roundTrips),
            syncs = Interlocked.Read(ref _syncs),
            simple_queries = Interlocked.Read(ref _queries),
            parses = Interlocked.Read(ref _parses),
            executes = Interlocked.Read(ref _executes),
            connections = Interlocked.Read(ref _connections),
        }));
        // Started before the proxy accepts, so a stats port that cannot be had fails here, saying why.
        await app.StartAsync();
        var web = app.WaitForShutdownAsync();
        // SIGTERM stops the web host; the proxy stops with it.
        var stopping = app.Lifetime.ApplicationStopping;
        while (!stopping.IsCancellationRequested)
        {
            System.Net.Sockets.TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stopping); }
            catch (OperationCanceledException) { break; }
            _ = Task.Run(async () =>
            {
                using var c = client;
                using var server = new System.Net.Sockets.TcpClient();
                try
                {
                    await server.ConnectAsync(host, port);
                    c.NoDelay = server.NoDelay = true;
                    Interlocked.Increment(ref _connections);
                    var up = CountAsync(c.Client, c.GetStream(), server.GetStream());
                    var down = server.GetStream().CopyToAsync(c.GetStream());
                    await Task.WhenAny(up, down);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException) { }
            });
        }
        listener.Stop();
        await web;
    }

    // Client to server. Before start-up the messages carry no type byte (an SSL or GSS request, then the start-up message);
    // after it each is a type byte and a length that counts itself.
    private static async Task CountAsync(System.Net.Sockets.Socket socket, Stream from, Stream to)
    {
        var header = new byte[5];
        var body = new byte[64 * 1024];
        var started = false;
        while (true)
        {
            if (!started)
            {
                await from.ReadExactlyAsync(header.AsMemory(0, 4));
                var len = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
                if (body.Length < len) body = new byte[len];
                await from.ReadExactlyAsync(body.AsMemory(0, len - 4));
                var code = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body);
                await to.WriteAsync(header.AsMemory(0, 4));
                await to.WriteAsync(body.AsMemory(0, len - 4));
                // 80877103: SSLRequest, 80877104: GSSENCRequest (answered with one byte; the start-up message follows).
                started = code is not (80877103 or 80877104);
                continue;
            }
            await from.ReadExactlyAsync(header.AsMemory(0, 5));
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
            if (body.Length < length) body = new byte[length];
            await from.ReadExactlyAsync(body.AsMemory(0, length - 4));
            var type = (char)header[0];
            switch (type)
            {
                case 'S': Interlocked.Increment(ref _syncs); break;
                case 'Q': Interlocked.Increment(ref _queries); break;
                case 'P': Interlocked.Increment(ref _parses); break;
                case 'E': Interlocked.Increment(ref _executes); break;
            }
            // Nothing more sent behind it: the client now waits for the server's answer.
            if (type is 'S' or 'Q' && socket.Available == 0) Interlocked.Increment(ref _roundTrips);
            await to.WriteAsync(header.AsMemory(0, 5));
            await to.WriteAsync(body.AsMemory(0, length - 4));
            if (type == 'X') return;
        }
    }
}
