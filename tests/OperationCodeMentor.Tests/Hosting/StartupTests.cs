using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Hosting;

/// <summary>The real program started as a process: how it fails to start, where it listens, what it says first.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("ocm-start-").FullName;
    private readonly List<Process> _started = [];
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private string Db => Path.Combine(_data, "m.db");

    public static TheoryData<string, string, string> Failures => new()
    {
        // variable, value ({data} is this test's data folder), what the sentence must say
        { "Mentorship__MaxMentions", "five", "Mentorship:MaxMentions is 'five', which is not a whole number" },
        { "Slack__MaxClockSkew", "5 minutes", "Slack:MaxClockSkew is '5 minutes', which is not a duration such as 00:05:00" },
        { "Reliability__ProbeInterval", "soon", "Reliability:ProbeInterval is 'soon', which is not a duration" },
        { "SLACK_BOT_TOKEN", "xoxb-1-2-secretpart", "Slack:SigningSecret (SLACK_SIGNING_SECRET) is required" },
        { "Storage__SqlitePath", "{data}/a-file/sub/m.db", "the data folder is not usable: the queue file {data}/a-file/sub/pending.db cannot be opened or created" },
        { "Storage__SqlitePath", "{data}/not-sqlite.db", "Storage:SqlitePath: the SQLite database at {data}/not-sqlite.db cannot be opened or created (SQLite Error 26: 'file is not a database')" },
        { "PORT", "eighty", "PORT is 'eighty', which is not a port number" },
        { "Metrics__Port", "metrics", "Metrics:Port is 'metrics', which is not a port number" },
        // Prometheus is off: nothing would be served on the port.
        { "Metrics__Port", "9464", "Metrics:Port is set, but Metrics:Prometheus is not true, so there would be nothing to serve on port 9464" },
        // Nothing listens on port 1: the database is refused, and the sentence names it without the password.
        { "DATABASE_URL", "postgres://ocm:secretpart@127.0.0.1:1/ocm", "Storage:Postgres:ConnectionString (or DATABASE_URL): the PostgreSQL database ocm on 127.0.0.1:1 cannot be used" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task AFailedStart_EndsInOneSentence_ExitCode1_NoStackTrace(string variable, string value, string says)
    {
        File.WriteAllText(Path.Combine(_data, "a-file"), "a file where a folder should be");
        File.WriteAllText(Path.Combine(_data, "not-sqlite.db"), "this is not a database, and SQLite will say so");
        var env = new Dictionary<string, string?> { ["Storage__SqlitePath"] = Db, [variable] = value.Replace("{data}", _data) };
        if (variable != "PORT") env["Urls"] = "http://127.0.0.1:0";

        var (exit, stdout, stderr) = await BotProcess.RunToExitAsync(env, TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        var line = Assert.Single(Lines(stderr));
        Assert.Contains(says.Replace("{data}", _data), line);
        Assert.StartsWith("The bot cannot start", line);
        Assert.DoesNotContain("   at ", stdout + stderr);
        Assert.DoesNotContain("secretpart", stdout + stderr);
    }

    [Fact]
    public async Task APortInUse_IsNamed_WithWhatToDo()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;

        var (exit, stdout, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["Storage__SqlitePath"] = Db,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        }, TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        var line = Assert.Single(Lines(stderr));
        Assert.Contains($"another program is already listening on http://127.0.0.1:{port}; stop it, or choose another port with PORT", line);
        Assert.DoesNotContain("   at ", stdout + stderr);
    }

    [Fact]
    public async Task WithDebugLogging_TheStackTraceFollowsTheSentence()
    {
        var (exit, _, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["Storage__SqlitePath"] = Db,
            ["Mentorship__MaxMentions"] = "five",
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging__LogLevel__Default"] = "Debug",
        }, TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        Assert.Contains("Mentorship:MaxMentions is 'five'", stderr);
        Assert.Contains("   at ", stderr);
    }

    [Fact]
    public async Task AnUnknownCommand_IsMisuse_ExitCode2()
    {
        var (exit, stdout, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), "serve");

        Assert.Equal(2, exit);
        Assert.Contains("Unknown command 'serve'", Assert.Single(Lines(stderr)));
        Assert.Empty(stdout.Trim());
    }

    [Fact]
    public async Task AspNetCoreUrls_BeatsPort_AndTheFirstLinesSayTheStoreTheSlackModeAndTheAddress()
    {
        var (urls, port) = (FreePort(), FreePort());
        var output = Start(new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{urls}", ["PORT"] = port.ToString() });

        var listening = await output.WaitForAsync("Listening on");

        Assert.Contains($"http://127.0.0.1:{urls}", listening);
        var messages = output.Messages();
        Assert.Equal($"Store: SQLite at {Db}", messages[0]);
        Assert.StartsWith("Slack: offline", messages[1]);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{urls}/healthz/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{urls}/healthz/ready")).StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => Http.GetAsync($"http://127.0.0.1:{port}/healthz/live"));
    }

    [Fact]
    public async Task Port_IsHonoured_OnEveryInterface_IPv6AndIPv4()
    {
        var port = FreePort();
        var output = Start(new() { ["PORT"] = port.ToString() });

        Assert.Contains($"http://[::]:{port}", await output.WaitForAsync("Listening on"));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{port}/healthz/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://[::1]:{port}/healthz/live")).StatusCode);
    }

    [Fact]
    public async Task HttpPorts_BeatsPort()
    {
        var (ports, port) = (FreePort(), FreePort());
        var output = Start(new() { ["ASPNETCORE_HTTP_PORTS"] = ports.ToString(), ["PORT"] = port.ToString() });

        Assert.Contains($":{ports}", await output.WaitForAsync("Listening on"));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{ports}/healthz/ready")).StatusCode);
    }

    [Fact]
    public async Task UnderSystemd_ItSaysReadyOnceItListens_LogsForTheJournal_AndSaysStopping()
    {
        var port = FreePort();
        var (notify, output) = StartUnderSystemd(new() { ["PORT"] = port.ToString() });
        using var _ = notify;

        Assert.Contains("READY=1", await ReceiveAsync(notify));
        // Ready comes once it listens, its start-up checks done.
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{port}/healthz/ready")).StatusCode);
        var store = await output.WaitForAsync("Store: SQLite at");
        Assert.Equal($"<6>OperationCodeMentor.Hosting.BotStartup[1693628758] Store: SQLite at {Db}", store);
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d", store);

        var pid = int.Parse((await output.WaitForAsync("bot pid ")).Split(' ')[2]);
        using (var term = Process.Start("kill", ["-TERM", pid.ToString()])) await term.WaitForExitAsync();
        Assert.Contains("STOPPING=1", await ReceiveAsync(notify));
        await _started[^1].WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task UnderSystemd_AFormatAskedFor_IsKept()
    {
        var (notify, output) = StartUnderSystemd(new() { ["PORT"] = FreePort().ToString(), ["Logging__Console__FormatterName"] = "json" });
        using var _ = notify;

        Assert.Contains("READY=1", await ReceiveAsync(notify));
        var store = JsonNode.Parse(await output.WaitForAsync("Store: SQLite at"))!;
        Assert.Equal($"Store: SQLite at {Db}", store["Message"]!.ToString());
    }

    /// <summary>
    /// Starts the bot as systemd starts a Type=notify unit: a datagram socket named in NOTIFY_SOCKET, and a parent process
    /// called systemd (here a shell copied under that name: how a service manager older than 248 is recognised). The
    /// shell prints the bot's process id as "bot pid N".
    /// </summary>
    private (Socket Notify, RunningOutput Output) StartUnderSystemd(Dictionary<string, string?> env)
    {
        var notifyPath = Path.Combine(_data, "notify");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        var manager = Path.Combine(_data, "systemd");
        File.Copy("/bin/sh", manager);
        env["Storage__SqlitePath"] = Db;
        env["NOTIFY_SOCKET"] = notifyPath;
        env["Mentorship__Digest"] = "off";
        env["Mentorship__CheckIn"] = "off";
        var bot = BotProcess.StartInfo(env);
        var psi = new ProcessStartInfo(manager)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = bot.WorkingDirectory,
        };
        foreach (var a in (string[])["-c", "\"$0\" \"$@\" & echo \"bot pid $!\"; wait", bot.FileName, .. bot.ArgumentList]) psi.ArgumentList.Add(a);
        foreach (var (k, v) in bot.Environment) psi.Environment[k] = v;
        return (notify, Launch(psi));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[1024];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public async Task JsonLogs_ForAPlatform_CarryTheDateAndZone_NotTheTerminalsTimeOfDay()
    {
        var port = FreePort();
        var output = Start(new() { ["PORT"] = port.ToString(), ["Logging__Console__FormatterName"] = "json" });

        await output.WaitForAsync("Listening on");

        var entries = output.All.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal($"Store: SQLite at {Db}", entries[0]["Message"]!.ToString());
        Assert.All(entries, e => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e["Timestamp"]!.ToString()));
        var stamped = DateTimeOffset.Parse(entries[0]["Timestamp"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow - stamped, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task MetricsPort_ServesMetricsThereAlone_AndTheSlackPortNeverShowsThem()
    {
        var (port, metrics) = (FreePort(), FreePort());
        var output = Start(new() { ["PORT"] = port.ToString(), ["Metrics__Prometheus"] = "true", ["Metrics__Port"] = metrics.ToString() });

        var listening = await output.WaitForAsync("Listening on");

        Assert.Contains($"http://[::]:{port}", listening);
        Assert.Contains($"http://[::]:{metrics}", listening);
        Assert.Contains($"Metrics: Prometheus at /metrics on port {metrics} only", output.Messages());
        var scrape = await Http.GetAsync($"http://127.0.0.1:{metrics}/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("ocm_queue_depth", await scrape.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{metrics}/healthz/ready")).StatusCode);
        // The metrics port takes nothing meant for Slack; the bot's own port shows no metrics, whatever Host is claimed.
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync($"http://127.0.0.1:{metrics}/slack/commands", new StringContent(""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode);
        using var claimed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/metrics");
        claimed.Headers.Host = $"127.0.0.1:{metrics}";
        Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(claimed)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{port}/healthz/ready")).StatusCode);
    }

    [Fact]
    public async Task MetricsPort_BesideAspNetCoreHttpPorts_KeepsThem_AndWarnsOfNothing()
    {
        var (ports, metrics) = (FreePort(), FreePort());
        var output = Start(new() { ["ASPNETCORE_HTTP_PORTS"] = ports.ToString(), ["Metrics__Prometheus"] = "true", ["Metrics__Port"] = metrics.ToString() });

        await output.WaitForAsync("Listening on");

        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{ports}/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{metrics}/metrics")).StatusCode);
        Assert.DoesNotContain("warn:", output.All);
    }

    [Fact]
    public async Task MetricsPort_OnTheSlackPort_IsRefused_InOneSentence()
    {
        var port = FreePort();

        var (exit, stdout, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["Storage__SqlitePath"] = Db,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Metrics__Prometheus"] = "true",
            ["Metrics__Port"] = port.ToString(),
        }, TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        Assert.Contains($"Metrics:Port is {port}, a port the bot already serves Slack on (http://127.0.0.1:{port}); choose another port", Assert.Single(Lines(stderr)));
        Assert.DoesNotContain("   at ", stdout + stderr);
    }

    [Fact]
    public async Task InHttpMode_TheFirstLinesSaySo_WithoutTheToken_AndHealthzAskedSlack()
    {
        await using var slack = await FakeSlack.StartAsync();
        var port = FreePort();
        var output = Start(new()
        {
            ["SLACK_BOT_TOKEN"] = FakeSlack.BotToken,
            ["SLACK_SIGNING_SECRET"] = MentorBot.SigningSecret,
            ["Slack__ApiBaseUrl"] = slack.ApiUrl,
            ["PORT"] = port.ToString(),
        });

        await output.WaitForAsync("Listening on");

        var messages = output.Messages();
        Assert.Equal($"Store: SQLite at {Db}", messages[0]);
        Assert.StartsWith("Slack: HTTP", messages[1]);
        Assert.DoesNotContain(FakeSlack.BotToken, output.All);
        var health = JsonNode.Parse(await Http.GetStringAsync($"http://127.0.0.1:{port}/healthz"))!;
        Assert.Equal("online", health["slack"]!["mode"]!.ToString());
        Assert.True(health["slack"]!["reachable"]!.GetValue<bool>());
        Assert.NotEmpty(slack.CallsTo("auth.test"));
    }

    [Fact]
    public async Task StartedFromAnotherFolder_TheSettingsPublishedBesideTheProgramStillApply()
    {
        // As a systemd unit starts it: the working directory is the data folder, the program and its settings elsewhere.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_data, "working")).FullName;
        var port = FreePort();
        var output = Start(new() { ["PORT"] = port.ToString() }, elsewhere);

        await output.WaitForAsync("Listening on");
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{port}/healthz/live")).StatusCode);

        // appsettings.json gives each log header a time of day; the host's defaults alone give none.
        var headers = output.All.Split(Environment.NewLine).Where(l => l.Contains("info: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(headers);
        Assert.All(headers, h => Assert.Matches(@"^\d\d:\d\d:\d\d info: ", h));
        Assert.False(File.Exists(Path.Combine(elsewhere, SettingsBesideTheProgram.FileName)));
    }

    private RunningOutput Start(Dictionary<string, string?> env, string? workingDirectory = null)
    {
        env["Storage__SqlitePath"] = Db;
        env["Mentorship__Digest"] = "off";
        env["Mentorship__CheckIn"] = "off";
        var psi = BotProcess.StartInfo(env);
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        return Launch(psi);
    }

    /// <summary>Starts a process (killed with its children when the test ends) and collects what it prints.</summary>
    private RunningOutput Launch(ProcessStartInfo psi)
    {
        var p = Process.Start(psi)!;
        _started.Add(p);
        var output = new RunningOutput();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Add(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Add(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return output;
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(); }
            p.Dispose();
        }
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }

    /// <summary>What a running bot printed, line by line.</summary>
    private sealed class RunningOutput
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public void Add(string line) => _lines.Enqueue(line);

        public string All => string.Join(Environment.NewLine, _lines);

        /// <summary>The log messages in order: the console puts each under a "hh:mm:ss level: category" header line.</summary>
        public List<string> Messages()
        {
            var lines = _lines.ToList();
            return lines.Select((l, i) => (l, i))
                .Where(x => x.i > 0 && x.l.StartsWith("      ", StringComparison.Ordinal) && !lines[x.i - 1].StartsWith("      ", StringComparison.Ordinal))
                .Select(x => x.l.Trim()).ToList();
        }

        public async Task<string> WaitForAsync(string text)
        {
            var until = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < until)
            {
                if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line) return line;
                await Task.Delay(25);
            }
            throw new TimeoutException($"the bot never said '{text}':{Environment.NewLine}{All}");
        }
    }
}
