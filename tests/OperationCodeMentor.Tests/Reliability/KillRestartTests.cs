using System.Text.Json.Nodes;
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
    private ProcessBot _bot = null!;

    public async Task InitializeAsync()
    {
        _bot = await ProcessBot.CreateAsync();
        // Slow enough that the queue is busy when the process dies.
        _bot.Slack.Latency = TimeSpan.FromMilliseconds(15);
    }

    [Fact]
    public async Task SigkillDuringABurst_ThenRestart_NothingLostNothingDoubled()
    {
        var submissions = Enumerable.Range(0, Burst).Select(i => SlackRequests.ViewSubmission(RequestModal.CallbackId, $"UKILL{i:D4}",
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, $"Request number {i}: please review my project."), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))).ToList();
        var acked = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();

        var first = await _bot.StartHealthyAsync();

        // Eight at a time, like a busy morning; kill the process once a third of the burst is acknowledged.
        var next = -1;
        var killed = false;
        async Task SenderAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Burst)
            {
                if (Volatile.Read(ref killed)) return;
                if (await _bot.InteractAsync(submissions[i])) acked[i] = true;
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
        var second = await _bot.StartHealthyAsync();
        for (var i = 0; i < Burst; i++)
            if (!acked.ContainsKey(i))
                Assert.True(await _bot.InteractAsync(submissions[i]), $"submission {i} after the restart");
        await Eventually.TrueAsync(async () => (await _bot.QueueAsync()).Depth == 0 && CardPosts().Count >= Burst, "the restarted bot to finish the burst", TimeSpan.FromSeconds(60));
        await ProcessBot.KillAsync(second);
        output.WriteLine($"acknowledged before SIGKILL: {ackedBeforeKill}; cards posted before it: {postsBeforeKill}; " +
            $"after the restart: {StoredMentees().Count} stored, {CardPosts().Count} cards");

        var stored = StoredMentees();
        Assert.Equal(Burst, stored.Count);
        Assert.Equal(Burst, stored.Distinct().Count());

        var posts = CardPosts();
        Assert.Equal(Burst, posts.Count);
        Assert.Equal(Burst, posts.Distinct().Count());

        var confirmations = _bot.Slack.CallsTo("chat.postMessage").Where(c => c["channel"]!.StartsWith("DUKILL", StringComparison.Ordinal) && c.AllText.Contains("received-")).Select(c => c["channel"]!).ToList();
        Assert.Equal(Burst, confirmations.Count);
        Assert.Equal(Burst, confirmations.Distinct().Count());
        Assert.True(postsBeforeKill < Burst, "the kill should land before the queue finished");
    }

    private List<string> CardPosts() => _bot.Slack.CallsTo("chat.postMessage")
        .Where(c => c["channel"] == MentorBot.MentorsChannelId && c.Body["blocks"] is JsonArray b && b.Any(x => x?["block_id"]?.ToString()?.StartsWith("request-", StringComparison.Ordinal) == true))
        .Select(c => c.Body["blocks"]![0]!["block_id"]!.ToString()).ToList();

    private List<string> StoredMentees() => _bot.Query("SELECT mentee_slack_id FROM requests", r => r.GetString(0));

    public async Task DisposeAsync() => await _bot.DisposeAsync();
}
