using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Tests.Fakes;
using Xunit.Abstractions;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>
/// The real bot as a separate process, killed with SIGKILL in the middle of a burst of submissions and started
/// again over the same data folder: every acknowledged request is stored, posted and confirmed exactly once.
/// </summary>
public sealed class KillRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Burst = 100;
    private readonly string _data = Directory.CreateTempSubdirectory("ocm-kill-").FullName;
    private FakeSlack _slack = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _slack = await FakeSlack.StartAsync();
        // Slow enough that the queue is busy when the process dies.
        _slack.Latency = TimeSpan.FromMilliseconds(15);
        // Message timestamps in real time, as Slack gives them: the bot reads history back from a point in time.
        _slack.Clock = TimeProvider.System;
    }

    [Fact]
    public async Task SigkillDuringABurst_ThenRestart_NothingLostNothingDoubled()
    {
        var port = FreePort();
        var signer = new SlackRequests(MentorBot.SigningSecret, TimeProvider.System);
        var submissions = Enumerable.Range(0, Burst).Select(i => SlackRequests.ViewSubmission(RequestModal.CallbackId, $"UKILL{i:D4}",
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, $"Request number {i}: please review my project."), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))).ToList();
        var acked = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();

        var first = Start(port);
        await WaitHealthyAsync(port);

        // Eight at a time, like a busy morning; kill the process once a third of the burst is acknowledged.
        var next = -1;
        var killed = false;
        async Task SenderAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Burst)
            {
                if (Volatile.Read(ref killed)) return;
                if (await SubmitAsync(signer, port, submissions[i])) acked[i] = true;
                if (acked.Count >= Burst / 3 && !Volatile.Read(ref killed))
                {
                    Volatile.Write(ref killed, true);
                    first.Kill(entireProcessTree: true); // SIGKILL: no shutdown hooks, no flushing
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SenderAsync()));
        await first.WaitForExitAsync();
        Assert.True(killed);
        var ackedBeforeKill = acked.Count;
        var postsBeforeKill = CardPosts().Count;
        Assert.InRange(ackedBeforeKill, Burst / 3, Burst - 1);

        // Start again over the same data folder. Submissions that never got an answer are sent again, as Slack
        // keeps the modal open and the person presses Send once more (the same view); the rest of the burst follows.
        using var second = Start(port);
        await WaitHealthyAsync(port);
        for (var i = 0; i < Burst; i++)
            if (!acked.ContainsKey(i))
                Assert.True(await SubmitAsync(signer, port, submissions[i]), $"submission {i} after the restart");
        await Eventually.TrueAsync(() => QueueDepthAsync(port).Result == 0 && CardPosts().Count >= Burst, "the restarted bot to finish the burst", TimeSpan.FromSeconds(60));
        second.Kill(entireProcessTree: true);
        await second.WaitForExitAsync();
        output.WriteLine($"acknowledged before SIGKILL: {ackedBeforeKill}; cards posted before it: {postsBeforeKill}; " +
            $"after the restart: {StoredMentees().Count} stored, {CardPosts().Count} cards");

        var stored = StoredMentees();
        Assert.Equal(Burst, stored.Count);
        Assert.Equal(Burst, stored.Distinct().Count());

        var posts = CardPosts();
        Assert.Equal(Burst, posts.Count);
        Assert.Equal(Burst, posts.Distinct().Count());

        var confirmations = _slack.CallsTo("chat.postMessage").Where(c => c["channel"]!.StartsWith("DUKILL", StringComparison.Ordinal) && c.AllText.Contains("received-")).Select(c => c["channel"]!).ToList();
        Assert.Equal(Burst, confirmations.Count);
        Assert.Equal(Burst, confirmations.Distinct().Count());
        Assert.True(postsBeforeKill < Burst, "the kill should land before the queue finished");
    }

    private List<string> CardPosts() => _slack.CallsTo("chat.postMessage")
        .Where(c => c["channel"] == MentorBot.MentorsChannelId && c.Body["blocks"] is JsonArray b && b.Any(x => x?["block_id"]?.ToString()?.StartsWith("request-", StringComparison.Ordinal) == true))
        .Select(c => c.Body["blocks"]![0]!["block_id"]!.ToString()).ToList();

    private List<string> StoredMentees()
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(_data, "mentorship.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT mentee_slack_id FROM requests";
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    private Process Start(int port) => Process.Start(BotProcess.StartInfo(new Dictionary<string, string?>
    {
        ["SLACK_BOT_TOKEN"] = FakeSlack.BotToken,
        ["SLACK_SIGNING_SECRET"] = MentorBot.SigningSecret,
        ["Slack__ApiBaseUrl"] = _slack.ApiUrl,
        ["Slack__MentorsChannel"] = MentorBot.MentorsChannelId,
        ["Slack__ChannelInterval"] = "00:00:00",
        ["Storage__SqlitePath"] = Path.Combine(_data, "mentorship.db"),
        ["Mentorship__Digest"] = "off",
        ["Urls"] = $"http://127.0.0.1:{port}",
        ["Logging__LogLevel__Default"] = "Warning",
    }))!;

    private async Task<bool> SubmitAsync(SlackRequests signer, int port, JsonObject payload)
    {
        using var request = signer.Interaction(payload);
        request.RequestUri = new Uri($"http://127.0.0.1:{port}/slack/interactions");
        try
        {
            using var response = await _http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException) { return false; }
        catch (TaskCanceledException) { return false; }
    }

    private async Task WaitHealthyAsync(int port)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            try
            {
                using var r = await _http.GetAsync($"http://127.0.0.1:{port}/healthz");
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("the bot did not become healthy");
    }

    private async Task<int> QueueDepthAsync(int port)
    {
        try
        {
            var body = JsonNode.Parse(await _http.GetStringAsync($"http://127.0.0.1:{port}/healthz"))!;
            return body["pendingQueue"]!["depth"]!.GetValue<int>();
        }
        catch (HttpRequestException) { return -1; }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _slack.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
