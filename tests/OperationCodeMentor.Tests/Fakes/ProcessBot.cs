using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// The built bot as a child process, on one port and one data folder, talking to a <see cref="FakeSlack"/> over real
/// HTTP: a test starts it, drives it with signed requests, kills it (SIGKILL) and starts it again over the same files.
/// </summary>
internal sealed class ProcessBot : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<Process> _started = [];

    private ProcessBot(FakeSlack slack)
    {
        Slack = slack;
    }

    public FakeSlack Slack { get; }

    public string DataFolder { get; } = Directory.CreateTempSubdirectory("ocm-kill-").FullName;

    public int Port { get; } = FreePort();

    public SlackRequests Requests { get; } = new(MentorBot.SigningSecret, TimeProvider.System);

    public string StorePath => Path.Combine(DataFolder, "mentorship.db");

    /// <summary>What the processes started so far wrote to stdout and stderr (warnings and errors only), for a failing test to show.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    public static async Task<ProcessBot> CreateAsync()
    {
        var slack = await FakeSlack.StartAsync();
        // Message timestamps in real time, as Slack gives them: the bot reads history back from a point in time.
        slack.Clock = TimeProvider.System;
        return new ProcessBot(slack);
    }

    /// <summary>Starts a bot process over this data folder and port (without waiting for it to listen).</summary>
    public Process Start()
    {
        var p = Launch(Settings(Slack, StorePath, Port), _output);
        _started.Add(p);
        return p;
    }

    /// <summary>What every test bot process is started with: the fake Slack, one port, a store file, and only warnings logged.</summary>
    internal static Dictionary<string, string?> Settings(FakeSlack slack, string storePath, int port) => new()
    {
        ["SLACK_BOT_TOKEN"] = FakeSlack.BotToken,
        ["SLACK_SIGNING_SECRET"] = MentorBot.SigningSecret,
        ["Slack__ApiBaseUrl"] = slack.ApiUrl,
        ["Slack__MentorsChannel"] = MentorBot.MentorsChannelId,
        ["Slack__ChannelInterval"] = "00:00:00",
        ["Storage__SqlitePath"] = storePath,
        ["Mentorship__Digest"] = "off",
        ["Mentorship__CheckIn"] = "off",
        ["Mentorship__QuietMentorMentions"] = "0",
        ["Urls"] = $"http://127.0.0.1:{port}",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>Starts the bot with these settings, its output collected line by line into <paramref name="output"/>.</summary>
    internal static Process Launch(IReadOnlyDictionary<string, string?> settings, ConcurrentQueue<string> output)
    {
        var p = Process.Start(BotProcess.StartInfo(settings))!;
        // Drained as it comes, so a chatty process never blocks on a full pipe.
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Starts a bot process and waits until it answers its health check.</summary>
    public async Task<Process> StartHealthyAsync()
    {
        var p = Start();
        await WaitHealthyAsync();
        return p;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, work in flight cut off where it stands.</summary>
    public static async Task KillAsync(Process p)
    {
        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
    }

    /// <summary>Sends a signed interaction payload; true when the bot acknowledged it with 200.</summary>
    public async Task<bool> InteractAsync(JsonObject payload)
    {
        using var request = Requests.Interaction(payload);
        request.RequestUri = new Uri($"http://127.0.0.1:{Port}/slack/interactions");
        try
        {
            using var response = await _http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException) { return false; }
        catch (TaskCanceledException) { return false; }
    }

    public async Task WaitHealthyAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            try
            {
                using var r = await _http.GetAsync($"http://127.0.0.1:{Port}/healthz");
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException("the bot did not become healthy:" + Environment.NewLine + Output);
    }

    /// <summary>Durable jobs acknowledged and not finished, and those set aside as failed; (-1, -1) when the bot does not answer.</summary>
    public async Task<(int Depth, int Failed)> QueueAsync()
    {
        try
        {
            var body = JsonNode.Parse(await _http.GetStringAsync($"http://127.0.0.1:{Port}/healthz"))!;
            return (body["pendingQueue"]!["depth"]!.GetValue<int>(), body["pendingQueue"]!["failed"]!.GetValue<int>());
        }
        catch (HttpRequestException) { return (-1, -1); }
    }

    /// <summary>Waits until the running bot has no durable work left.</summary>
    public Task QueueEmptyAsync(string what) =>
        Eventually.TrueAsync(async () => (await QueueAsync()).Depth == 0, what, TimeSpan.FromSeconds(20));

    /// <summary>Reads the store file as it is on disk (read-only, so a running bot is not disturbed).</summary>
    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        using var c = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(read(r));
        return list;
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed half-way leaves no bot running behind it.
        foreach (var p in _started)
        {
            if (!p.HasExited) await KillAsync(p);
            p.Dispose();
        }
        _http.Dispose();
        await Slack.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataFolder, true); } catch (IOException) { }
    }
}
