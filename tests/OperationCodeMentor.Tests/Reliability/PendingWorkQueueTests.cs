using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Reliability;

public sealed class PendingWorkQueueTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ocm-queue-").FullName;
    private readonly ManualTimeProvider _clock = new();

    private sealed class Recorder : IPendingJobHandler
    {
        public string Kind => "record";
        public ConcurrentQueue<string> Ran { get; } = new();
        public Func<PendingJob, int> FailTimes { get; set; } = _ => 0;
        public bool Permanent { get; set; }
        private readonly ConcurrentDictionary<long, int> _tries = new();

        public async Task RunAsync(PendingJob job, Func<CancellationToken, Task> saveProgress, CancellationToken ct)
        {
            var n = _tries.AddOrUpdate(job.Id, 1, (_, t) => t + 1);
            job.Progress["seen"] = (job.Progress["seen"]?.GetValue<int>() ?? 0) + 1;
            await saveProgress(ct);
            if (Permanent) throw new PermanentJobFailure("bad data");
            if (n <= FailTimes(job)) throw new IOException("store unreachable");
            Ran.Enqueue(job.Payload["name"]!.ToString());
        }
    }

    private PendingWorkQueue Queue(Recorder handler) =>
        new([handler], Options.Create(new ReliabilityOptions { QueuePath = Path.Combine(_folder, "pending.db") }), _clock, NullLogger<PendingWorkQueue>.Instance);

    private static JsonObject Named(string name) => new() { ["name"] = name };

    [Fact]
    public async Task Jobs_RunInTheOrderTheyWereAcknowledged()
    {
        var handler = new Recorder();
        using var queue = Queue(handler);
        for (var i = 0; i < 20; i++) queue.Enqueue("record", $"k{i}", Named($"job {i}"));
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"job {i}"), handler.Ran);
    }

    [Fact]
    public async Task ARepeatedKey_IsIgnored()
    {
        var handler = new Recorder();
        using var queue = Queue(handler);
        Assert.True(queue.Enqueue("record", "view-V1", Named("first")));
        Assert.False(queue.Enqueue("record", "view-V1", Named("second")));
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(queue.Enqueue("record", "view-V1", Named("after it finished")));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(["first"], handler.Ran);
    }

    [Fact]
    public async Task AFailingJob_IsRetriedWithGrowingDelays_AndLaterJobsWaitTheirTurn()
    {
        var handler = new Recorder { FailTimes = j => j.Payload["name"]!.ToString() == "a" ? 3 : 0 };
        using var queue = Queue(handler);
        queue.Enqueue("record", "a", Named("a"));
        queue.Enqueue("record", "b", Named("b"));
        await queue.StartAsync(CancellationToken.None);

        foreach (var delay in new[] { 1, 2, 4 })
        {
            await Eventually.TrueAsync(() => _clock.ActiveDelays > 0, "the retry to be scheduled");
            Assert.Empty(handler.Ran);
            _clock.Advance(TimeSpan.FromSeconds(delay - 0.5));
            await Task.Delay(50);
            Assert.Empty(handler.Ran);
            _clock.Advance(TimeSpan.FromSeconds(0.5));
        }
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(["a", "b"], handler.Ran);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task HighestPendingProgress_LooksOnlyAtPendingJobsOfThatKind()
    {
        var handler = new Recorder { FailTimes = job => job.Key == "stuck" ? int.MaxValue : 0 };
        using var queue = Queue(handler);
        queue.Enqueue("record", "done", Named("done"));
        queue.Enqueue("record", "stuck", Named("stuck"));
        await queue.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _clock.ActiveDelays > 0, "the stuck job to fail once");

        // The recorder writes "seen" into each job's progress: 1 for both, but only the stuck one is still pending.
        Assert.Equal(1, queue.HighestPendingProgress("record", "seen"));
        Assert.Null(queue.HighestPendingProgress("other-kind", "seen"));
        Assert.Null(queue.HighestPendingProgress("record", "absent"));
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AfterARestart_PendingJobsRunWithTheProgressTheyRecorded()
    {
        var failing = new Recorder { FailTimes = _ => int.MaxValue };
        using (var first = Queue(failing))
        {
            first.Enqueue("record", "x", Named("x"));
            await first.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => _clock.ActiveDelays > 0, "the first attempt to fail");
            await first.StopAsync(CancellationToken.None);
            Assert.Equal(1, first.Depth);
        }

        var handler = new Recorder();
        using var second = Queue(handler);
        Assert.Equal(1, second.Depth);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await second.StartAsync(CancellationToken.None);
        await second.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await second.StopAsync(CancellationToken.None);
        Assert.Equal(["x"], handler.Ran);
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "pending.db")}");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "SELECT progress, state, attempts FROM jobs WHERE key = 'x'";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(2, JsonNode.Parse(r.GetString(0))!["seen"]!.GetValue<int>());
        Assert.Equal("done", r.GetString(1));
        Assert.Equal(2, r.GetInt32(2));
    }

    [Fact]
    public async Task AJobThatCanNeverSucceed_IsSetAside_AndTheQueueMovesOn()
    {
        var handler = new Recorder { Permanent = true };
        using var queue = Queue(handler);
        queue.Enqueue("record", "bad", Named("bad"));
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(1, queue.Failed);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public void RetryDelay_DoublesUpToTheCap()
    {
        using var queue = Queue(new Recorder());
        Assert.Equal(TimeSpan.FromSeconds(1), queue.RetryDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(8), queue.RetryDelay(4));
        Assert.Equal(TimeSpan.FromMinutes(5), queue.RetryDelay(30));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }
}
