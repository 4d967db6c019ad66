using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Reliability;

public sealed class WorkQueueTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ocm-queue-").FullName;
    private readonly ManualTimeProvider _clock = new();
    private readonly Dependencies _signals = new();

    private sealed class Outage : Exception
    {
        public Outage() : base("Slack is down") { }
    }

    /// <summary>A dependency whose state the test sets; it counts the times it was asked.</summary>
    private sealed class FakeDependency : IDependency
    {
        public string Name => Dependencies.Slack;
        public volatile bool Up;
        private int _probes;
        public int Probes => Volatile.Read(ref _probes);

        public bool Explains(Exception failure) => failure is Outage;

        public Task ProbeAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _probes);
            return Up ? Task.CompletedTask : throw new Outage();
        }
    }

    private sealed class Recorder : IJobHandler
    {
        public string Kind => "record";
        public ConcurrentQueue<string> Ran { get; } = new();
        /// <summary>Every attempt, by the job's name, successful or not.</summary>
        public ConcurrentQueue<string> Tried { get; } = new();
        public Func<Job, int> FailTimes { get; set; } = _ => 0;
        public Func<bool> Down { get; set; } = () => false;
        public bool Permanent { get; set; }
        public Func<Job, Task>? Hold { get; set; }
        private readonly ConcurrentDictionary<long, int> _tries = new();

        public async Task RunAsync(JobContext job, CancellationToken ct)
        {
            var n = _tries.AddOrUpdate(job.Job.Id, 1, (_, t) => t + 1);
            Tried.Enqueue(job.Job.Payload["name"]!.ToString());
            job.Job.Progress["seen"] = (job.Job.Progress["seen"]?.GetValue<int>() ?? 0) + 1;
            await job.SaveAsync(ct);
            if (Hold is not null) await Hold(job.Job);
            if (Permanent) throw new PermanentJobFailure("bad data");
            if (Down()) throw new Outage();
            if (n <= FailTimes(job.Job)) throw new IOException("store unreachable");
            Ran.Enqueue(job.Job.Payload["name"]!.ToString());
        }
    }

    private WorkQueue Queue(Recorder handler, params IDependency[] dependencies) =>
        new([handler], dependencies, _signals, Options.Create(new ReliabilityOptions()), _clock,
            NullLogger<WorkQueue>.Instance, new SqliteJobLedger(Path.Combine(_folder, "pending.db")));

    private static DurableWork Work(string key, string name, string lane = "lane") => new("record", key, lane, new JsonObject { ["name"] = name });

    [Fact]
    public async Task Jobs_RunInTheOrderTheyWereAcknowledged()
    {
        var handler = new Recorder();
        var queue = Queue(handler);
        for (var i = 0; i < 20; i++) await queue.EnqueueAsync(Work($"k{i}", $"job {i}"));
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"job {i}"), handler.Ran);
    }

    [Fact]
    public async Task ARepeatedKey_IsIgnored_EvenWithinOneBatchAndAfterItFinished()
    {
        var handler = new Recorder();
        var queue = Queue(handler);
        var together = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => queue.EnqueueAsync(Work("view-V1", "first")))));
        Assert.Single(together, added => added);
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(await queue.EnqueueAsync(Work("view-V1", "after it finished")));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(["first"], handler.Ran);
    }

    [Fact]
    public async Task ManyConcurrentEnqueues_AreAllOnDisk_WhenTheirTasksComplete()
    {
        var handler = new Recorder();
        var queue = Queue(handler);
        {
            var added = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => queue.EnqueueAsync(Work($"k{i}", $"job {i}", lane: $"L{i % 7}")))));
            Assert.All(added, Assert.True);
            Assert.Equal(200, queue.Depth);
        }
        // A fresh queue over the same file (as after a crash) finds every one of them.
        var again = Queue(handler);
        Assert.Equal(200, again.Depth);
    }

    [Fact]
    public async Task AFailingJob_IsRetriedWithGrowingDelays_AndLaterJobsOfItsLaneWaitTheirTurn()
    {
        var handler = new Recorder { FailTimes = j => j.Payload["name"]!.ToString() == "a" ? 3 : 0 };
        var queue = Queue(handler);
        await queue.EnqueueAsync(Work("a", "a"));
        await queue.EnqueueAsync(Work("b", "b"));
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
    public async Task AFailingJob_HoldsUpOnlyItsOwnLane()
    {
        var handler = new Recorder { FailTimes = j => j.Lane == "R-1001" ? int.MaxValue : 0 };
        var queue = Queue(handler);
        await queue.EnqueueAsync(Work("stuck", "stuck", lane: "R-1001"));
        await queue.EnqueueAsync(Work("after-stuck", "after stuck", lane: "R-1001"));
        await queue.EnqueueAsync(Work("other", "other request", lane: "R-1002"));
        await queue.StartAsync(CancellationToken.None);

        // The other request's job is done once the queue has counted it off (its handler returns a moment before that).
        await Eventually.TrueAsync(() => queue.Depth == 2, "the other request's job to finish");
        Assert.Equal(["other request"], handler.Ran);
        // The stuck job is tried again and again; the job behind it in its lane is never started meanwhile.
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var tried = attempt;
            await Eventually.TrueAsync(() => handler.Tried.Count(n => n == "stuck") == tried && _clock.ActiveDelays > 0, $"attempt {tried} of the stuck job to fail");
            Assert.DoesNotContain("after stuck", handler.Tried);
            Assert.Equal(2, queue.Depth);
            _clock.Advance(queue.RetryDelay(attempt));
        }
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task LanesRunSideBySide()
    {
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var handler = new Recorder
        {
            Hold = async _ =>
            {
                if (Interlocked.Increment(ref started) == 2) bothStarted.TrySetResult();
                await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            },
        };
        var queue = Queue(handler);
        await queue.EnqueueAsync(Work("x", "x", lane: "R-1"));
        await queue.EnqueueAsync(Work("y", "y", lane: "R-2"));
        await queue.StartAsync(CancellationToken.None);
        // Each job waits until the other has started: only concurrent lanes can finish.
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(2, handler.Ran.Count);
    }

    [Fact]
    public async Task WhenTheDependencyAnswersAgain_WaitingJobsGoAtOnce_InOrder_NotAfterTheirBackoff()
    {
        var slack = new FakeDependency();
        var handler = new Recorder { Down = () => !slack.Up };
        var queue = Queue(handler, slack);
        await queue.StartAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++) await queue.EnqueueAsync(Work($"k{i}", $"job {i}"));

        // Down for a long stretch: the first job's backoff grows past a minute.
        for (var t = 0; t < 150; t += 5)
        {
            await Task.Delay(10);
            _clock.Advance(TimeSpan.FromSeconds(5));
        }
        await Eventually.TrueAsync(() => _clock.DueTimes.Count > 0, "the queue to wait on the clock");
        Assert.Empty(handler.Ran);
        Assert.True(slack.Probes > 3, $"the dependency should have been asked every few seconds; asked {slack.Probes} times");

        slack.Up = true;
        // The next probe is at most a probe interval away; the backoff is much longer.
        _clock.Advance(TimeSpan.FromSeconds(5));
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"job {i}"), handler.Ran);
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AnyCallThatGetsAnAnswer_WakesTheJobsWaitingOnThatDependency()
    {
        var slack = new FakeDependency();
        var handler = new Recorder { Down = () => !slack.Up };
        var queue = Queue(handler, slack);
        await queue.StartAsync(CancellationToken.None);
        await queue.EnqueueAsync(Work("k", "job"));
        await Eventually.TrueAsync(() => _clock.ActiveDelays > 0, "the first attempt to fail");

        slack.Up = true;
        _signals.ReportAnswered(Dependencies.Slack);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["job"], handler.Ran);
        Assert.Equal(0, slack.Probes);
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task WhenWokenWorkFailsAgain_TheDependencyIsAskedLessOften()
    {
        // The dependency answers its probe, but the job keeps failing on it (a half-working service).
        var slack = new FakeDependency { Up = true };
        var handler = new Recorder { Down = () => true };
        var queue = Queue(handler, slack);
        await queue.StartAsync(CancellationToken.None);
        await queue.EnqueueAsync(Work("k", "job"));
        for (var t = 0; t < 120; t++)
        {
            await Task.Delay(5);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        // Probing every 5 s would be 24 probes in two minutes; doubling after each failed wake-up is far fewer.
        Assert.InRange(slack.Probes, 1, 8);
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AfterARestart_PendingJobsRunWithTheProgressTheyRecorded()
    {
        var failing = new Recorder { FailTimes = _ => int.MaxValue };
        var first = Queue(failing);
        {
            await first.EnqueueAsync(Work("x", "x"));
            await first.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => _clock.ActiveDelays > 0, "the first attempt to fail");
            await first.StopAsync(CancellationToken.None);
            Assert.Equal(1, first.Depth);
        }

        var handler = new Recorder();
        var second = Queue(handler);
        Assert.Equal(1, second.Depth);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await second.StartAsync(CancellationToken.None);
        await second.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await second.StopAsync(CancellationToken.None);
        Assert.Equal(["x"], handler.Ran);
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "pending.db")}");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "SELECT progress, state, attempts, lane FROM jobs WHERE key = 'x'";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(2, JsonNode.Parse(r.GetString(0))!["seen"]!.GetValue<int>());
        Assert.Equal("done", r.GetString(1));
        Assert.Equal(2, r.GetInt32(2));
        Assert.Equal("lane", r.GetString(3));
    }

    [Fact]
    public void ForgettingDoneJobs_ReadsOnlyThosePastTheirDay_ThroughTheirOwnIndex()
    {
        // Every finish forgets the done jobs older than a day; read through the state index it cost a read of every done
        // job kept, which on a busy day grew with every job and slowed every finish.
        var path = Path.Combine(_folder, "pending.db");
        new SqliteJobLedger(path).Open();
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + SqliteJobLedger.ForgetDoneSql;
        cmd.Parameters.AddWithValue("$forget", 0L);
        using var r = cmd.ExecuteReader();
        var plan = new List<string>();
        while (r.Read()) plan.Add(r.GetString(3));
        Assert.Equal(["SEARCH jobs USING INDEX ix_jobs_done (finished_at<?)"], plan);
    }

    [Fact]
    public async Task AQueueFileFromBeforeLanes_IsUpgraded_AndItsJobsRun()
    {
        var path = Path.Combine(_folder, "pending.db");
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,
                    progress TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, last_error TEXT);
                INSERT INTO jobs(kind, key, payload, next_attempt_at, created_at) VALUES ('record', 'old', '{"name":"old"}', 0, 0);
                """;
            cmd.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var handler = new Recorder();
        var queue = Queue(handler);
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(["old"], handler.Ran);
    }

    [Fact]
    public async Task AJobThatCanNeverSucceed_IsSetAside_AndTheQueueMovesOn()
    {
        var handler = new Recorder { Permanent = true };
        var queue = Queue(handler);
        await queue.EnqueueAsync(Work("bad", "bad"));
        await queue.StartAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(1, queue.Failed);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task TransientWork_RunsAtOnce_AndCountsTowardsIdle()
    {
        var queue = Queue(new Recorder());
        await queue.StartAsync(CancellationToken.None);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = false;
        queue.Run(new TransientWork("test", async _ =>
        {
            await release.Task;
            ran = true;
        }));
        Assert.Equal(1, queue.Pending);
        var idle = queue.WhenIdleAsync();
        await Task.Delay(50);
        Assert.False(idle.IsCompleted);
        release.SetResult();
        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ran);
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_WaitsForWorkUnderWay_ButNotForQueuedWork()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Recorder
        {
            Hold = j =>
            {
                if (j.Key != "first") return Task.CompletedTask;
                started.TrySetResult();
                return release.Task;
            },
        };
        var queue = Queue(handler);
        await queue.EnqueueAsync(Work("first", "first"));
        await queue.EnqueueAsync(Work("second", "second"));
        await queue.StartAsync(CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stop = queue.StopAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(stop.IsCompleted);
        release.SetResult();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first"], handler.Ran);
        Assert.Equal(1, queue.Depth);
    }

    [Fact]
    public void RetryDelay_DoublesUpToTheCap()
    {
        var queue = Queue(new Recorder());
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
