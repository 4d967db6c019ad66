using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using Npgsql;
using OperationCodeMentor.Tests.Storage.Postgres;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// Several replicas of the built bot, each a process of its own on its own port, sharing one PostgreSQL database (store
/// and work queue) and one <see cref="FakeSlack"/>, as behind a load balancer. A test sends signed requests to whichever
/// replica it likes, kills one with SIGKILL, and at the end stops the rest the way an operator does (SIGTERM).
/// </summary>
internal sealed class ReplicaBots : IAsyncDisposable
{
    /// <summary>
    /// Short leases, so a dead replica's work is taken over within seconds rather than the half minute of the default. Not
    /// shorter: on a loaded two-CPU machine a live replica's renewal (every third of this) was seen to come more than three
    /// seconds late, and with a 5-second lease the other replica then took a lane whose job was still running.
    /// </summary>
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<Replica> _replicas = [];

    private ReplicaBots(FakeSlack slack, string connectionString)
    {
        Slack = slack;
        ConnectionString = connectionString;
    }

    public FakeSlack Slack { get; }

    /// <summary>The shared database, with a schema of its own as search path.</summary>
    public string ConnectionString { get; }

    /// <summary>Where each replica would keep files; with PostgreSQL as the store nothing should be written there.</summary>
    public string DataFolder { get; } = Directory.CreateTempSubdirectory("ocm-replicas-").FullName;

    public SlackRequests Requests { get; } = new(MentorBot.SigningSecret, TimeProvider.System);

    public IReadOnlyList<Replica> Replicas => _replicas;

    public Replica this[int index] => _replicas[index];

    /// <summary>Everything the replicas wrote to stdout and stderr, each line marked with the replica's number.</summary>
    public string Output => string.Join(Environment.NewLine, _replicas.SelectMany(r => r.Lines.Select(l => $"[{r.Index}] {l}")));

    /// <summary>Starts <paramref name="count"/> replicas on a fresh schema and waits until each answers its health check.</summary>
    /// <param name="firstOnly">Settings for the first replica alone, over <paramref name="settings"/>.</param>
    public static async Task<ReplicaBots> StartAsync(int count, IReadOnlyDictionary<string, string?>? settings = null,
        IReadOnlyDictionary<string, string?>? firstOnly = null)
    {
        var slack = await FakeSlack.StartAsync();
        // Message timestamps in real time, as Slack gives them: a replay reads history back from a point in time.
        slack.Clock = TimeProvider.System;
        var bots = new ReplicaBots(slack, await PostgresServer.NewSchemaAsync());
        try
        {
            for (var i = 0; i < count; i++)
                bots._replicas.Add(bots.Launch(i, i == 0 && firstOnly is not null ? (settings ?? new Dictionary<string, string?>()).Concat(firstOnly).ToDictionary() : settings));
            foreach (var r in bots._replicas) await r.WaitHealthyAsync();
            return bots;
        }
        catch
        {
            await bots.DisposeAsync();
            throw;
        }
    }

    private Replica Launch(int index, IReadOnlyDictionary<string, string?>? extra)
    {
        var port = ProcessBot.FreePort();
        var env = ProcessBot.Settings(Slack, Path.Combine(DataFolder, $"replica-{index}", "mentorship.db"), port);
        env["Storage__Postgres__ConnectionString"] = ConnectionString;
        env["Reliability__LeaseTime"] = LeaseTime.ToString();
        env["Reliability__PollInterval"] = "00:00:00.500";
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) env[k] = v;
        var lines = new ConcurrentQueue<string>();
        return new Replica(this, index, port, ProcessBot.Launch(env, lines), lines);
    }

    /// <summary>Reads the shared database as it is now.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<T>();
        while (await r.ReadAsync()) list.Add(read(r));
        return list;
    }

    public async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters) =>
        (await QueryAsync(sql, r => r.GetInt64(0), parameters)).Single();

    /// <summary>Waits until the shared queue holds no job that is not done (none pending, none set aside).</summary>
    public Task QueueDrainedAsync(string what, TimeSpan? within = null) =>
        Eventually.TrueAsync(async () => await CountAsync("SELECT COUNT(*) FROM work_jobs WHERE state <> 'done'") == 0, what, within ?? TimeSpan.FromSeconds(30));

    /// <summary>
    /// Stops every replica still running with SIGTERM and waits for it to exit; returns each one's exit code. A replica
    /// that shut down cleanly exits with 0 and leaves no lane leased behind it.
    /// </summary>
    public async Task<List<int>> StopAllAsync()
    {
        var codes = new List<int>();
        foreach (var r in _replicas.Where(r => !r.Process.HasExited)) r.Terminate();
        foreach (var r in _replicas.Where(r => !r.Killed))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await r.Process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"replica {r.Index} did not stop within 30 s of SIGTERM:{Environment.NewLine}{Output}"); }
            codes.Add(r.Process.ExitCode);
        }
        return codes;
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed half-way leaves no replica running behind it.
        foreach (var r in _replicas)
        {
            if (!r.Process.HasExited) await r.KillAsync();
            r.Process.Dispose();
        }
        _http.Dispose();
        await Slack.DisposeAsync();
        try { Directory.Delete(DataFolder, true); } catch (IOException) { }
    }

    /// <summary>One replica: a bot process on its own port.</summary>
    public sealed class Replica(ReplicaBots bots, int index, int port, Process process, ConcurrentQueue<string> lines)
    {
        public int Index { get; } = index;

        public int Port { get; } = port;

        public Process Process { get; } = process;

        /// <summary>Its output so far (warnings and errors, and whatever a test turned on).</summary>
        public IReadOnlyCollection<string> Lines => lines;

        /// <summary>Whether a test killed it with SIGKILL.</summary>
        public bool Killed { get; private set; }

        private Uri At(string path) => new($"http://127.0.0.1:{Port}{path}");

        /// <summary>Sends a signed interaction payload; true when this replica acknowledged it with 200.</summary>
        public async Task<bool> InteractAsync(JsonObject payload)
        {
            using var request = bots.Requests.Interaction(payload);
            request.RequestUri = At("/slack/interactions");
            return await SendAsync(request) == HttpStatusCode.OK;
        }

        /// <summary>Sends a signed Events API callback, as a Slack retry when <paramref name="retry"/> is set; the status, or null when nothing answered.</summary>
        public async Task<HttpStatusCode?> EventAsync(JsonObject callback, int? retry = null)
        {
            using var request = bots.Requests.Event(callback);
            request.RequestUri = At("/slack/events");
            if (retry is { } n)
            {
                request.Headers.Add("X-Slack-Retry-Num", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
            }
            return await SendAsync(request);
        }

        private async Task<HttpStatusCode?> SendAsync(HttpRequestMessage request)
        {
            try
            {
                using var response = await bots._http.SendAsync(request);
                return response.StatusCode;
            }
            catch (HttpRequestException) { return null; }
            catch (TaskCanceledException) { return null; }
        }

        public async Task WaitHealthyAsync()
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < until)
            {
                if (Process.HasExited) break;
                try
                {
                    using var r = await bots._http.GetAsync(At("/healthz"));
                    if (r.IsSuccessStatusCode) return;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(50);
            }
            throw new TimeoutException($"replica {Index} did not become healthy:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        }

        /// <summary>SIGKILL: no shutdown hooks, no lanes handed back, work in flight cut off where it stands.</summary>
        public async Task KillAsync()
        {
            Killed = true;
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        /// <summary>SIGTERM, as systemd or a container runtime stops a service: the host shuts down in order.</summary>
        public void Terminate()
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
            kill.WaitForExit();
        }

        /// <summary>Whether a lease holder's name in the shared queue is this process (the name holds its process id).</summary>
        public bool Holds(string? leasedBy) =>
            leasedBy?.Split(':') is { Length: >= 3 } parts && parts[^2] == Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
