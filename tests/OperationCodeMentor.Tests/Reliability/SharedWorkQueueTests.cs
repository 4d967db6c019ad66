using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Storage.Postgres;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>
/// The work queue on PostgreSQL, shared by replicas: two queues in this process on one real database stand for two
/// replicas (the two-process tests in <c>ReplicaTests</c> kill one for real). A fake clock moves leases along.
/// </summary>
public sealed class SharedWorkQueueTests : IAsyncDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly List<WorkQueue> _queues = [];
    private readonly List<PostgresJobLedger> _ledgers = [];
    private string _database = "";

    /// <summary>Every attempt and every completed run, by job name, across all replicas.</summary>
    private sealed class Recorder(string replica, ConcurrentQueue<(string Replica, string Name)> ran) : IJobHandler
    {
        public string Kind => "record";
        public Func<Job, Task>? Hold { get; set; }
        public ConcurrentDictionary<string, int> Running { get; } = new();

        public async Task RunAsync(JobContext job, CancellationToken ct)
        {
            var name = job.Job.Payload["name"]!.ToString();
            var lane = job.Job.Lane;
            // Two jobs of one lane must never run at the same moment, on any replica.
            if (Running.AddOrUpdate(lane, 1, (_, n) => n + 1) > 1) throw new InvalidOperationException($"two jobs of {lane} at once");
            try
            {
                if (Hold is not null) await Hold(job.Job);
                await Task.Yield();
                ran.Enqueue((replica, name));
            }
            finally
            {
                Running.AddOrUpdate(lane, 0, (_, n) => n - 1);
            }
        }
    }

    /// <param name="application">Names the replica's connections, so that a test can see its statements wait.</param>
    private async Task<(WorkQueue Queue, PostgresJobLedger Ledger)> ReplicaAsync(IJobHandler handler, string name, TimeSpan? poll = null,
        string? application = null)
    {
        if (_database.Length == 0) _database = await PostgresServer.NewSchemaAsync();
        var ledger = new PostgresJobLedger(Named(_database, application), name);
        var queue = new WorkQueue([handler], [], new Dependencies(),
            Options.Create(new ReliabilityOptions { LeaseTime = TimeSpan.FromSeconds(30), PollInterval = poll ?? TimeSpan.FromSeconds(1) }), _clock,
            NullLogger<WorkQueue>.Instance, ledger);
        _ledgers.Add(ledger);
        _queues.Add(queue);
        return (queue, ledger);
    }

    private static DurableWork Work(string key, string name, string lane) => new("record", key, lane, new JsonObject { ["name"] = name });

    private static string Named(string database, string? application) =>
        application is null ? database : database + $";Application Name={application}";

    /// <summary>
    /// One replica's ledger on a new schema, opened (tables made), with no queue running it; with <paramref name="application"/>,
    /// its connections carry that name, so that a test can see its statements wait.
    /// </summary>
    private async Task<PostgresJobLedger> OpenLedgerAloneAsync(string? application = null, string name = "a")
    {
        _database = await PostgresServer.NewSchemaAsync();
        var ledger = new PostgresJobLedger(Named(_database, application), name);
        _ledgers.Add(ledger);
        ledger.Open();
        return ledger;
    }

    private Task<long> CountAsync(string where) => PostgresServer.ScalarAsync<long>(_database, $"SELECT COUNT(*) FROM work_jobs WHERE {where}");

    [Fact]
    public async Task TwoReplicas_RunEveryJobOnce_EachLaneInOrder_NeverTwoOfALaneAtOnce()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var a = new Recorder("a", ran);
        var b = new Recorder("b", ran);
        var (qa, _) = await ReplicaAsync(a, "replica-a");
        var (qb, _) = await ReplicaAsync(b, "replica-b");
        await qa.StartAsync(CancellationToken.None);
        await qb.StartAsync(CancellationToken.None);

        // 60 jobs over 6 lanes, written alternately through both replicas, as a load balancer would spread clicks.
        for (var i = 0; i < 60; i++)
            Assert.True(await (i % 2 == 0 ? qa : qb).EnqueueAsync(Work($"k{i}", $"{i % 6}:{i:D2}", $"R-{1000 + i % 6}")));
        // Idle: nothing pending on either, every finish written (one put off waits for its replica's next look, which
        // waiting for idle asks for).
        await Task.WhenAll(qa.WhenIdleAsync(), qb.WhenIdleAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(60, await CountAsync("state = 'done'"));

        Assert.Equal(60, ran.Count);
        Assert.Equal(60, ran.Select(r => r.Name).Distinct().Count());
        foreach (var lane in ran.GroupBy(r => r.Name[..1]))
        {
            var names = lane.Select(r => r.Name).ToList();
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
        }
        Assert.Equal(0, await CountAsync("state <> 'done'"));
    }

    [Fact]
    public async Task AKeyWrittenThroughOneReplica_IsARepeatOnTheOther()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (qa, _) = await ReplicaAsync(new Recorder("a", ran), "replica-a");
        var (qb, _) = await ReplicaAsync(new Recorder("b", ran), "replica-b");
        Assert.True(await qa.EnqueueAsync(Work("claim:U1:1733400000.1", "first", "R-1042")));
        Assert.False(await qb.EnqueueAsync(Work("claim:U1:1733400000.1", "again", "R-1042")));
        await qa.StartAsync(CancellationToken.None);
        await qb.StartAsync(CancellationToken.None);
        await Task.WhenAll(qa.WhenIdleAsync(), qb.WhenIdleAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await CountAsync("state = 'done'"));
        Assert.Equal(["first"], ran.Select(r => r.Name));
        Assert.False(await qb.EnqueueAsync(Work("claim:U1:1733400000.1", "after it finished", "R-1042")));
    }

    [Fact]
    public async Task ALaneHeldByAReplicaThatDied_IsTakenOverOnceItsLeaseRunsOut_AndItsJobsRunOnce()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (dead, deadLedger) = await ReplicaAsync(new Recorder("dead", ran), "replica-dead");
        for (var i = 0; i < 3; i++) await dead.EnqueueAsync(Work($"k{i}", $"job {i}", "R-1042"));
        // The dead replica took the lane with its first write and then stopped answering: no run, no renewal, no release.
        // (It was never started.) Nobody else may take the lane meanwhile.
        Assert.Empty((await deadLedger.AdoptAsync(_clock.GetUtcNow(), _clock.GetUtcNow() + TimeSpan.FromSeconds(30), [], ["record"], 16)).Jobs);
        await using (var c = new NpgsqlConnection(_database))
        {
            await c.OpenAsync();
            await using var holder = new NpgsqlCommand("SELECT leased_by FROM work_lanes WHERE lane = 'R-1042'", c);
            Assert.Equal("replica-dead", await holder.ExecuteScalarAsync());
        }

        var (survivor, _) = await ReplicaAsync(new Recorder("survivor", ran), "replica-survivor");
        await survivor.StartAsync(CancellationToken.None);
        Assert.Equal(3, survivor.Depth);
        // Within the lease nothing runs, however often the survivor looks.
        for (var s = 0; s < 29; s++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        Assert.Empty(ran);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => ran.Count == 3, "the survivor to finish the dead replica's lane");
        Assert.Equal(["job 0", "job 1", "job 2"], ran.Select(r => r.Name));
        Assert.All(ran, r => Assert.Equal("survivor", r.Replica));
        await Eventually.TrueAsync(() => survivor.Depth == 0, "the survivor's count to reach zero");
    }

    [Fact]
    public async Task ADeadReplicasLane_IsTakenTheMomentItsLeaseEnds_NotAtTheNextPoll()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (dead, _) = await ReplicaAsync(new Recorder("dead", ran), "replica-dead");
        var leaseEnds = _clock.GetUtcNow() + TimeSpan.FromSeconds(30);
        for (var i = 0; i < 2; i++) await dead.EnqueueAsync(Work($"k{i}", $"job {i}", "R-1042"));

        // A survivor that polls only every ten minutes still plans a look for the moment the dead replica's lease ends.
        var (survivor, _) = await ReplicaAsync(new Recorder("survivor", ran), "replica-survivor", poll: TimeSpan.FromMinutes(10));
        await survivor.StartAsync(CancellationToken.None);
        var lookAt = leaseEnds + TimeSpan.FromMilliseconds(1);
        await Eventually.TrueAsync(() => _clock.DueTimes.Contains(lookAt), "the survivor to plan a look at the lease's end");
        _clock.Advance(lookAt - _clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        await Task.Delay(20);
        Assert.Empty(ran);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => ran.Count == 2, "the survivor to take the lane as its lease ended");
        Assert.Equal(["job 0", "job 1"], ran.Select(r => r.Name));
    }

    [Fact]
    public async Task ADeadReplicasLane_IsStillTakenTheMomentItsLeaseEnds_AfterLooksThatDidNotCount()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (dead, _) = await ReplicaAsync(new Recorder("dead", ran), "replica-dead");
        var leaseEnds = _clock.GetUtcNow() + TimeSpan.FromSeconds(30);
        await dead.EnqueueAsync(Work("k0", "dead's job", "R-1042"));
        var (survivor, ledger) = await CountedReplicaAsync(new Recorder("survivor", ran), "replica-survivor", poll: TimeSpan.FromMinutes(1));

        // The survivor's own work makes it look again within its poll interval: those looks neither count nor ask when
        // lanes free, and must not lose the moment the first look found.
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await survivor.EnqueueAsync(Work("s0", "own first", "R-2000")));
        await Eventually.TrueAsync(() => ran.Count == 1, "the survivor's own job to run");
        Assert.True(await survivor.EnqueueAsync(Work("s1", "own second", "R-2000")));
        await Eventually.TrueAsync(() => ran.Count == 2, "the survivor's second job to run");
        Assert.True(ledger.Looks >= 2, $"expected a look after the first, saw {ledger.Looks}");
        Assert.Equal(1, ledger.Counts);

        _clock.Advance(leaseEnds - _clock.GetUtcNow());
        await Task.Delay(20);
        Assert.Equal(2, ran.Count);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => ran.Count == 3, "the survivor to take the lane as its lease ended");
        Assert.Equal("dead's job", ran.Last().Name);
        Assert.Equal(1, ledger.Counts);
    }

    [Fact]
    public async Task ALiveReplicaRenewsItsLease_SoALongJobIsNotTakenOver()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new Recorder("a", ran) { Hold = _ => { started.TrySetResult(); return release.Task; } };
        var (qa, _) = await ReplicaAsync(slow, "replica-a");
        var (qb, _) = await ReplicaAsync(new Recorder("b", ran), "replica-b");
        await qa.StartAsync(CancellationToken.None);
        await qa.EnqueueAsync(Work("k0", "long job", "R-1042"));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await qb.StartAsync(CancellationToken.None);

        // Two minutes of a job under way, in steps shorter than a renewal: the other replica never takes the lane. A renewal
        // is due every third of the lease and made at the next tick of the renewal timer, so the lease stays at least a third
        // of it (10 s) ahead of the clock; each step waits until it is more than 2 s ahead, so that on a busy machine the
        // clock never runs past a renewal still on its way to the database.
        for (var s = 0; s < 120; s++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            await Eventually.TrueAsync(async () =>
                await PostgresServer.ScalarAsync<long>(_database, "SELECT COALESCE(MAX(lease_until), 0) FROM work_lanes WHERE lane = 'R-1042' AND leased_by = 'replica-a'") >= now + 2_000,
                $"replica-a's lease renewed, {s + 1} s into the job");
        }
        release.SetResult();
        await Task.WhenAll(qa.WhenIdleAsync(), qb.WhenIdleAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await CountAsync("state = 'done'"));
        Assert.Equal([("a", "long job")], ran);
    }

    /// <summary>Two replicas' ledgers on a fresh database, its tables made: for looking at leases without the queues.</summary>
    private async Task<(PostgresJobLedger A, PostgresJobLedger B)> TwoLedgersAsync()
    {
        _database = await PostgresServer.NewSchemaAsync();
        var a = new PostgresJobLedger(_database, "replica-a");
        var b = new PostgresJobLedger(_database, "replica-b");
        _ledgers.AddRange([a, b]);
        a.Open();
        return (a, b);
    }

    [Fact]
    public async Task ARenewal_CountsALaneAsLost_OnlyWhenAnotherReplicaHoldsIt()
    {
        var (a, b) = await TwoLedgersAsync();
        var now = _clock.GetUtcNow();
        var lease = TimeSpan.FromSeconds(30);
        await a.InsertAsync([Work("k0", "first", "R-1041"), Work("k1", "second", "R-1042")], now);
        var taken = await a.AdoptAsync(now, now + lease, [], ["record"], 16);
        Assert.Equal(2, taken.Jobs.Count);

        // R-1041's job finished, freeing its lane, while the renewal was on its way: that lane was not lost.
        await a.FinishAsync(taken.Jobs.Single(j => j.Lane == "R-1041"), "done", null, now, now - TimeSpan.FromDays(1), ["record"]);
        Assert.Empty(a.Renew(["R-1041", "R-1042"], now, now + lease));

        // Then a stops renewing; once its lease has passed the other replica takes R-1042, and a's next renewal says so.
        var later = now + lease + TimeSpan.FromSeconds(1);
        Assert.Single((await b.AdoptAsync(later, later + lease, [], ["record"], 16)).Jobs);
        Assert.Equal(["R-1042"], a.Renew(["R-1041", "R-1042"], later, later + lease));
    }

    [Fact]
    public async Task FinishingAJob_CarriesItsLaneOnToTheNextDueJob_AndLetsTheLaneGoOnlyWhenNothingIsDue()
    {
        var (a, b) = await TwoLedgersAsync();
        var now = _clock.GetUtcNow();
        var lease = TimeSpan.FromSeconds(30);
        var forget = now - TimeSpan.FromDays(1);
        await a.InsertAsync([Work("k0", "first", "R-1041"), Work("k1", "second", "R-1041"), Work("k2", "later", "R-1041")], now);
        var first = Assert.Single((await a.AdoptAsync(now, now + lease, [], ["record"], 16)).Jobs);

        // The second job comes back with the finish of the first, and the lane stays a's: b finds nothing to take.
        var second = (await a.FinishAsync(first, "done", null, now, forget, ["record"])).Next;
        Assert.Equal("second", second?.Payload["name"]?.ToString());
        Assert.Empty((await b.AdoptAsync(now, now + lease, [], ["record"], 16)).Jobs);

        // The third is not due yet (a retry waits, say): the lane is let go, and b takes it once the job is due.
        await using (var delay = new NpgsqlConnection(_database))
        {
            await delay.OpenAsync();
            await using var cmd = new NpgsqlCommand($"UPDATE work_jobs SET next_attempt_at = {(now + TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds()} WHERE key = 'k2'", delay);
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Null((await a.FinishAsync(second!, "done", null, now, forget, ["record"])).Next);
        Assert.Empty((await b.AdoptAsync(now, now + lease, [], ["record"], 16)).Jobs);
        var later = now + TimeSpan.FromMinutes(2);
        var third = Assert.Single((await b.AdoptAsync(later, later + lease, [], ["record"], 16)).Jobs);
        Assert.Equal("later", third.Payload["name"]!.ToString());

        // A lane another replica holds is never carried on by a finish that comes late: the job ends, the lane stays b's.
        await a.InsertAsync([Work("k3", "fourth", "R-1041")], later);
        Assert.Null((await a.FinishAsync(third, "done", null, later, forget, ["record"])).Next);
        Assert.Empty((await a.AdoptAsync(later, later + lease, [], ["record"], 16)).Jobs);
        Assert.Equal("fourth", (await b.FinishAsync(third, "done", null, later, forget, ["record"])).Next?.Payload["name"]?.ToString());
    }

    /// <summary>The shared ledger, with its finishes held back after they are on disk: the moment before the queue hears of one.</summary>
    private sealed class FinishHeldBack(PostgresJobLedger inner) : IJobLedger
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Go { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<Job> Inserted { get; } = new();

        /// <summary>What the held-back finish hands the queue in place of what the ledger answered, when set.</summary>
        public Func<LaneHandoff, LaneHandoff>? Answer { get; set; }

        public bool Shared => inner.Shared;
        public StoreLink? StoreLink => inner.StoreLink;
        public bool RemembersDeliveries => inner.RemembersDeliveries;
        public bool TakesFirstSteps => inner.TakesFirstSteps;
        public LedgerStart Open() => inner.Open();

        public async Task<List<Job?>> InsertAsync(IReadOnlyList<DurableWork> batch, DateTimeOffset now, LaneOffer? take = null)
        {
            var jobs = await inner.InsertAsync(batch, now, take);
            foreach (var job in jobs.OfType<Job>()) Inserted.Enqueue(job);
            return jobs;
        }

        public Task RecordRetryAsync(Job job, string error) => inner.RecordRetryAsync(job, error);
        public Task SaveProgressAsync(Job job, JsonObject progress) => inner.SaveProgressAsync(job, progress);

        public async Task<LaneHandoff> FinishAsync(Job job, string state, string? error, DateTimeOffset now, DateTimeOffset forgetBefore,
            IReadOnlyCollection<string> kinds, LaneOffer? take = null)
        {
            var handoff = await inner.FinishAsync(job, state, error, now, forgetBefore, kinds, take);
            if (!Written.TrySetResult()) return handoff;
            await Go.Task;
            return Answer is null ? handoff : Answer(handoff);
        }

        public Task<Adoption> AdoptAsync(DateTimeOffset now, DateTimeOffset leaseUntil, IReadOnlyCollection<string> held, IReadOnlyCollection<string> kinds, int limit,
            IReadOnlyList<PutOffFinish>? finishes = null, bool counts = true) =>
            inner.AdoptAsync(now, leaseUntil, held, kinds, limit, finishes, counts);

        public IReadOnlyList<string> Renew(IReadOnlyCollection<string> lanes, DateTimeOffset now, DateTimeOffset leaseUntil) => inner.Renew(lanes, now, leaseUntil);
        public OperationCodeMentor.Hosting.StartupException Unusable(Exception e) => inner.Unusable(e);
        public void Release(string lane) => inner.Release(lane);
    }

    /// <summary>
    /// A replica whose first job, "first" in the intake, has its finish on disk (its lane free there) but not yet heard by
    /// the queue; a second job, "second", written then, took the lane with its write. The finish waits for <c>Go</c>.
    /// </summary>
    private async Task<(WorkQueue Queue, FinishHeldBack Ledger, ConcurrentQueue<(string Replica, string Name)> Ran, Job Second)> WrittenBehindAHeldFinishAsync()
    {
        _database = await PostgresServer.NewSchemaAsync();
        var inner = new PostgresJobLedger(_database, "replica-a");
        _ledgers.Add(inner);
        var ledger = new FinishHeldBack(inner);
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var queue = new WorkQueue([new Recorder("a", ran)], [], new Dependencies(),
            Options.Create(new ReliabilityOptions { LeaseTime = TimeSpan.FromSeconds(30), PollInterval = TimeSpan.FromSeconds(1) }), _clock,
            NullLogger<WorkQueue>.Instance, ledger);
        _queues.Add(queue);
        await queue.StartAsync(CancellationToken.None);

        Assert.True(await queue.EnqueueAsync(Work("k1", "first", "intake")));
        await ledger.Written.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await CountAsync("state <> 'done'"));

        Assert.True(await queue.EnqueueAsync(Work("k2", "second", "intake")));
        var second = ledger.Inserted.Single(j => j.Key == "k2");
        Assert.True(second.LeasedHere, "the lane was free on disk: the write should take it");
        return (queue, ledger, ran, second);
    }

    [Fact]
    public async Task AJobWrittenAfterTheFinishBeforeItLetTheLaneGo_ButBeforeTheQueueHeardSo_TakesTheLaneWithItsWrite_AndRunsOnceAfterIt()
    {
        var (_, ledger, ran, _) = await WrittenBehindAHeldFinishAsync();
        ledger.Go.SetResult();

        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 2, "both jobs done");
        Assert.Equal(["first", "second"], ran.Select(r => r.Name));
        await Eventually.TrueAsync(async () => await PostgresServer.ScalarAsync<long>(_database, "SELECT COUNT(*) FROM work_lanes WHERE leased_by IS NOT NULL") == 0,
            "the lane let go once its work was done");
    }

    [Fact]
    public async Task AJobHandedToTheQueueAgain_WhileItWaitsInItsLaneHere_RunsOnce_AndTheLaneKeepsItsOrder()
    {
        // A finish that hands on a job this replica's write had already taken with its lane (the write and the finish
        // crossing on the wire) gives the queue that job a second time. It must run once, and what is written behind it after.
        var (queue, ledger, ran, second) = await WrittenBehindAHeldFinishAsync();
        for (var i = 3; i <= 5; i++) Assert.True(await queue.EnqueueAsync(Work($"k{i}", $"job {i}", "intake")));
        ledger.Answer = handoff => handoff with { Next = handoff.Next ?? second };
        ledger.Go.SetResult();

        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 5, "every job done");
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first", "second", "job 3", "job 4", "job 5"], ran.Select(r => r.Name));
    }

    /// <summary>
    /// The shared ledger as the queue uses it, counted: its own finishes, and the looks with the finishes they carried. Once
    /// <see cref="Dead"/>, every call fails, as from a replica whose process has gone.
    /// </summary>
    private sealed class Counted(PostgresJobLedger inner) : IJobLedger
    {
        private int _finishes, _looks, _carried, _counts;
        public int Finishes => Volatile.Read(ref _finishes);
        public int Looks => Volatile.Read(ref _looks);
        public int Carried => Volatile.Read(ref _carried);
        /// <summary>Looks that counted the open jobs too.</summary>
        public int Counts => Volatile.Read(ref _counts);
        public volatile bool Dead;

        public bool Shared => inner.Shared;
        public StoreLink? StoreLink => inner.StoreLink;
        public bool RemembersDeliveries => inner.RemembersDeliveries;
        public bool TakesFirstSteps => inner.TakesFirstSteps;
        public bool PutsOffFinishes => inner.PutsOffFinishes;
        public LedgerStart Open() => inner.Open();
        private void Alive() { if (Dead) throw new IOException("gone"); }

        public ConcurrentQueue<Job> Inserted { get; } = new();

        public async Task<List<Job?>> InsertAsync(IReadOnlyList<DurableWork> batch, DateTimeOffset now, LaneOffer? take = null)
        {
            Alive();
            var jobs = await inner.InsertAsync(batch, now, take);
            foreach (var job in jobs.OfType<Job>()) Inserted.Enqueue(job);
            return jobs;
        }

        public Task RecordRetryAsync(Job job, string error) => inner.RecordRetryAsync(job, error);
        public Task SaveProgressAsync(Job job, JsonObject progress) => inner.SaveProgressAsync(job, progress);

        public Task<LaneHandoff> FinishAsync(Job job, string state, string? error, DateTimeOffset now, DateTimeOffset forgetBefore,
            IReadOnlyCollection<string> kinds, LaneOffer? take = null)
        {
            Alive();
            Interlocked.Increment(ref _finishes);
            return inner.FinishAsync(job, state, error, now, forgetBefore, kinds, take);
        }

        public async Task<Adoption> AdoptAsync(DateTimeOffset now, DateTimeOffset leaseUntil, IReadOnlyCollection<string> held, IReadOnlyCollection<string> kinds, int limit,
            IReadOnlyList<PutOffFinish>? finishes = null, bool counts = true)
        {
            Alive();
            var found = await inner.AdoptAsync(now, leaseUntil, held, kinds, limit, finishes, counts);
            Interlocked.Add(ref _carried, finishes?.Count ?? 0);
            if (counts) Interlocked.Increment(ref _counts);
            Interlocked.Increment(ref _looks);
            return found;
        }

        public IReadOnlyList<string> Renew(IReadOnlyCollection<string> lanes, DateTimeOffset now, DateTimeOffset leaseUntil)
        {
            Alive();
            return inner.Renew(lanes, now, leaseUntil);
        }

        public OperationCodeMentor.Hosting.StartupException Unusable(Exception e) => inner.Unusable(e);
        public void Release(string lane) => inner.Release(lane);
    }

    /// <summary>A replica on a counted ledger (<see cref="Counted"/>), started, its first look (at start) made.</summary>
    private async Task<(WorkQueue Queue, Counted Ledger)> CountedReplicaAsync(IJobHandler handler, string name, TimeSpan? poll = null)
    {
        if (_database.Length == 0) _database = await PostgresServer.NewSchemaAsync();
        var inner = new PostgresJobLedger(_database, name);
        _ledgers.Add(inner);
        var ledger = new Counted(inner);
        var queue = new WorkQueue([handler], [], new Dependencies(),
            Options.Create(new ReliabilityOptions { LeaseTime = TimeSpan.FromSeconds(30), PollInterval = poll ?? TimeSpan.FromSeconds(1) }), _clock,
            NullLogger<WorkQueue>.Instance, ledger);
        _queues.Add(queue);
        await queue.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => ledger.Looks == 1, $"{name}'s first look");
        return (queue, ledger);
    }

    /// <summary>
    /// A replica on a counted ledger that has run one job, "<paramref name="name"/>" in R-1042, its write having taken the
    /// lane: the job is done here, with its finish put off (the clock stands still, so no poll comes).
    /// </summary>
    private async Task<(WorkQueue Queue, Counted Ledger, ConcurrentQueue<(string Replica, string Name)> Ran)> OneJobDoneAsync(string replica, string name)
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (queue, ledger) = await CountedReplicaAsync(new Recorder(replica, ran), $"replica-{replica}");
        Assert.True(await queue.EnqueueAsync(Work("k0", name, "R-1042")));
        await Eventually.TrueAsync(() => ran.Count == 1, "the job to run");
        await Task.Delay(50);
        return (queue, ledger, ran);
    }

    /// <summary>The replica holding the lane, or "" when none does.</summary>
    private Task<string> HolderAsync(string lane) =>
        PostgresServer.ScalarAsync<string>(_database, $"SELECT COALESCE(MAX(leased_by), '') FROM work_lanes WHERE lane = '{lane}'");

    [Fact]
    public async Task AJobWhoseWriteTookItsLane_IsMarkedDoneByTheNextLook_NotByARoundTripOfItsOwn()
    {
        var (queue, ledger, ran) = await OneJobDoneAsync("a", "claim");
        // Done here, and still pending on disk with its lane held: nothing was written for its finish yet.
        Assert.Equal(1, await CountAsync("state = 'pending'"));
        Assert.Equal("replica-a", await HolderAsync("R-1042"));
        Assert.Equal(1, queue.Depth);

        // The regular poll, a second later, writes it: one look, and still no finish of its own.
        _clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 1, "the finish written by the look");
        Assert.Equal("", await HolderAsync("R-1042"));
        Assert.Equal(1, ledger.Carried);
        Assert.Equal(2, ledger.Looks);
        Assert.Equal(0, ledger.Finishes);
        await Eventually.TrueAsync(() => queue.Depth == 0, "the count to reach zero");
        Assert.Equal(["claim"], ran.Select(r => r.Name));
    }

    [Fact]
    public async Task AJobWrittenBehindAFinishPutOff_RunsAtOnce_HandedTheLaneByTheLookThatWritesTheFinish()
    {
        var (queue, ledger, ran) = await OneJobDoneAsync("a", "first click");
        Assert.Equal(0, ledger.Carried);

        // The clock stands still: no poll is due, yet the second job runs, after the first's finish.
        Assert.True(await queue.EnqueueAsync(Work("k1", "second click", "R-1042")));
        await Eventually.TrueAsync(() => ran.Count == 2, "the second job to run without waiting for a poll");
        Assert.Equal(["first click", "second click"], ran.Select(r => r.Name));
        Assert.Equal(1, ledger.Carried);
        // Handed on by the look, the second job is finished at once (only the ledger knows what may wait behind it).
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 2, "both finished");
        Assert.Equal(1, ledger.Finishes);
        Assert.Equal("", await HolderAsync("R-1042"));
    }

    [Fact]
    public async Task ALooksCountOfTheOpenJobs_IsReadOnceAPollInterval_AndTheDepthStaysRightBetweenCounts()
    {
        var (queue, ledger, ran) = await OneJobDoneAsync("a", "first click");
        Assert.Equal((1, 1), (ledger.Looks, ledger.Counts)); // the look at start, counted
        Assert.Equal(1, queue.Depth);

        // A look within the same poll interval (it writes the finish put off, and hands the lane on): the jobs are taken,
        // the count is not read.
        Assert.True(await queue.EnqueueAsync(Work("k1", "second click", "R-1042")));
        await Eventually.TrueAsync(() => ran.Count == 2, "the second job to run");
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 2, "both finished");
        Assert.Equal((2, 1), (ledger.Looks, ledger.Counts));
        // The replica's own writes and finishes kept its depth meanwhile.
        await Eventually.TrueAsync(() => queue.Depth == 0, "the depth to reach zero without a count");

        // The next poll counts again.
        _clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => ledger.Counts == 2, "the poll's look to count");
        Assert.Equal(3, ledger.Looks);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task AWaitForTheSharedQueueToEmpty_LastsWhileAnotherReplicaHasWork_ThoughThisOnesOwnDepthIsZero()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (qa, la) = await CountedReplicaAsync(new Recorder("a", ran), "replica-a");
        var held = new Recorder("b", ran) { Hold = job => job.Key == "held" ? release.Task : Task.CompletedTask };
        var (qb, _) = await ReplicaAsync(held, "replica-b");
        await qb.StartAsync(CancellationToken.None);

        // After a's last count: b writes a job that runs there and does not finish yet.
        Assert.True(await qb.EnqueueAsync(Work("held", "held on b", "R-2000")));
        await Eventually.TrueAsync(() => held.Running.GetValueOrDefault("R-2000") == 1, "b's job to start");
        // a writes two of its own and finishes them within the same poll interval: its own depth is back to zero, and no
        // look of a's has counted b's job.
        Assert.True(await qa.EnqueueAsync(Work("k0", "first on a", "R-1042")));
        await Eventually.TrueAsync(() => ran.Count == 1, "a's first job to run");
        Assert.True(await qa.EnqueueAsync(Work("k1", "second on a", "R-1042")));
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 2, "a's two jobs finished");
        await Eventually.TrueAsync(() => qa.Depth == 0, "a's own depth to reach zero");
        Assert.Equal(1, la.Counts);

        // So the wait counts before it ends, and finds b's job.
        var waiting = qa.WhenIdleAsync();
        await Eventually.TrueAsync(() => la.Counts == 2, "the wait's count");
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "a's wait ended while b still had work");
        Assert.Equal(1, qa.Depth);

        release.SetResult();
        await Task.WhenAll(waiting, qb.WhenIdleAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await CountAsync("state <> 'done'"));
        Assert.Equal(["first on a", "second on a", "held on b"], ran.Select(r => r.Name));
    }

    [Fact]
    public async Task AWaitForTheSharedQueueToEmpty_BeforeTheQueueStartsOrAfterItStops_GoesOnItsOwnDepth()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (queue, _) = await ReplicaAsync(new Recorder("a", ran), "replica-a");
        // Nothing looks at the ledger yet, so no count can come: an empty replica is idle at once.
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(5));

        await queue.StartAsync(CancellationToken.None);
        Assert.True(await queue.EnqueueAsync(Work("k0", "one", "R-1042")));
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await queue.StopAsync(CancellationToken.None);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["one"], ran.Select(r => r.Name));
    }

    [Fact]
    public async Task AJobWithAnotherWrittenBehindItHere_IsFinishedAtOnce_SoTheNextRunsWithoutALook()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new Recorder("a", ran) { Hold = job => job.Key == "k0" ? release.Task : Task.CompletedTask };
        var (queue, ledger) = await CountedReplicaAsync(recorder, "replica-a");
        Assert.True(await queue.EnqueueAsync(Work("k0", "first click", "R-1042")));
        Assert.True(await queue.EnqueueAsync(Work("k1", "second click", "R-1042")));
        release.SetResult();

        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 2, "both finished, the clock standing still");
        Assert.Equal(["first click", "second click"], ran.Select(r => r.Name));
        Assert.Equal(0, ledger.Carried);
        Assert.Equal(2, ledger.Finishes);
    }

    /// <summary>
    /// Keeps the jobs table's statements that <c>when</c> picks (SQL on OLD and NEW) waiting inside the server until
    /// released: a trigger waits for an advisory lock this gate holds. So a write, or a finish, stays on its way.
    /// </summary>
    private sealed class ServerGate : IAsyncDisposable
    {
        private readonly NpgsqlConnection _holder;
        private readonly long _key = Random.Shared.Next(1, int.MaxValue);
        private bool _released;

        private ServerGate(NpgsqlConnection holder) => _holder = holder;

        public static async Task<ServerGate> HoldAsync(string database, string timing, string when)
        {
            var holder = new NpgsqlConnection(database);
            await holder.OpenAsync();
            var gate = new ServerGate(holder);
            await using var cmd = new NpgsqlCommand($"""
                SELECT pg_advisory_lock({gate._key});
                CREATE FUNCTION gate_{gate._key}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock({gate._key}); RETURN NEW; END $$;
                CREATE TRIGGER gate_{gate._key} {timing} ON work_jobs FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION gate_{gate._key}();
                """, holder);
            await cmd.ExecuteNonQueryAsync();
            return gate;
        }

        /// <summary>Whether a statement waits at the gate now.</summary>
        public async Task<bool> WaitingAsync()
        {
            await using var cmd = new NpgsqlCommand($"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {_key} AND NOT granted", _holder);
            return (long)(await cmd.ExecuteScalarAsync())! > 0;
        }

        public async Task ReleaseAsync()
        {
            if (_released) return;
            _released = true;
            await using var cmd = new NpgsqlCommand($"SELECT pg_advisory_unlock({_key})", _holder);
            await cmd.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await ReleaseAsync();
            await _holder.DisposeAsync();
        }
    }

    /// <summary>A first step that reads nothing of use and waits for the finish ahead of its write, as a submission's number does.</summary>
    private sealed class WaitingStep : FirstStep
    {
        public override bool WaitsForTheFinishAhead => true;

        public override IEnumerable<NpgsqlBatchCommand> Statements(FirstStepWrite write) => [new NpgsqlBatchCommand("SELECT 1")];

        public override async Task ReadAsync(NpgsqlDataReader r) => await r.ReadAsync();
    }

    /// <summary>
    /// A replica on a counted ledger running "first" (k0) in R-1042, held until <paramref name="release"/> completes. The
    /// job was written by another replica and found by this one's first look, so its finish is never put off: it is a
    /// finish of its own, on its way when the job ends.
    /// </summary>
    private async Task<(WorkQueue Queue, Counted Ledger, ConcurrentQueue<(string Replica, string Name)> Ran)> FoundJobRunningAsync(Task release)
    {
        _database = await PostgresServer.NewSchemaAsync();
        await using (var writer = new PostgresJobLedger(_database, "replica-b"))
        {
            writer.Open();
            await writer.InsertAsync([Work("k0", "first", "R-1042")], _clock.GetUtcNow());
        }
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var recorder = new Recorder("a", ran) { Hold = job => job.Key == "k0" ? release : Task.CompletedTask };
        var (queue, ledger) = await CountedReplicaAsync(recorder, "replica-a");
        Assert.Equal("replica-a", await HolderAsync("R-1042"));
        return (queue, ledger, ran);
    }

    /// <summary>
    /// <see cref="FoundJobRunningAsync"/>, its job ended, and the job's finish on its way: waiting inside the server,
    /// uncommitted, until the gate opens.
    /// </summary>
    private async Task<(WorkQueue Queue, Counted Ledger, ConcurrentQueue<(string Replica, string Name)> Ran, ServerGate Gate)> FinishOnItsWayAsync()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (queue, ledger, ran) = await FoundJobRunningAsync(release.Task);
        var gate = await ServerGate.HoldAsync(_database, "BEFORE UPDATE", "OLD.key = 'k0' AND NEW.state = 'done'");
        release.SetResult();
        await Eventually.TrueAsync(gate.WaitingAsync, "the first job's finish to be on its way");
        return (queue, ledger, ran, gate);
    }

    [Fact]
    public async Task AFinish_WaitsForAWriteOfItsLaneOnItsWayFromHere_AndHandsThatWritesJobTheLane_WithoutALook()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (queue, ledger, ran) = await FoundJobRunningAsync(release.Task);
        // The second job's write waits inside the server, uncommitted, until the gate opens.
        await using var gate = await ServerGate.HoldAsync(_database, "BEFORE INSERT", "NEW.key = 'k1'");
        var second = queue.EnqueueAsync(Work("k1", "second", "R-1042"));
        await Eventually.TrueAsync(gate.WaitingAsync, "the second write to be on its way");

        // The first job ends while that write is on its way. A finish sent now could not see the second job: it would let
        // the lane go, and a look would have to find the job.
        release.SetResult();
        await Eventually.TrueAsync(() => ran.Count == 1, "the first job to run");
        await Task.Delay(100);
        Assert.Equal(0, ledger.Finishes);
        await gate.ReleaseAsync();

        Assert.True(await second);
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 2, "both finished, the clock standing still");
        Assert.Equal(["first", "second"], ran.Select(r => r.Name));
        Assert.Equal(1, ledger.Looks);
        Assert.Equal("", await HolderAsync("R-1042"));
    }

    [Fact]
    public async Task AWriteWhoseStepWaitsForTheFinishAhead_TakesTheLaneOnceThatFinishIsIn_WithoutALook()
    {
        var (queue, ledger, ran, gate) = await FinishOnItsWayAsync();
        await using var _ = gate;

        // Written now, the second job could not take the lane its finishing job still holds: a look would have to find it.
        var second = queue.EnqueueAsync(Work("k1", "second", "R-1042") with { FirstStep = new WaitingStep() });
        await Task.Delay(100);
        Assert.Empty(ledger.Inserted);
        await gate.ReleaseAsync();

        Assert.True(await second);
        Assert.True(Assert.Single(ledger.Inserted).LeasedHere, "the write should find the lane free, and take it");
        await Eventually.TrueAsync(() => ran.Count == 2, "the second job to run, the clock standing still");
        Assert.Equal(["first", "second"], ran.Select(r => r.Name));
        Assert.Equal(1, ledger.Looks);
    }

    [Fact]
    public async Task APress_DoesNotWaitForTheFinishAhead_NorForAWriteThatDoes()
    {
        var (queue, ledger, ran, gate) = await FinishOnItsWayAsync();
        await using var _ = gate;

        // A submission waits for that finish; a click's job, with no first step that asks to wait, is written while the
        // finish ahead is still in the server, and so is another lane's, not held back by the waiting one.
        var waiting = queue.EnqueueAsync(Work("k3", "waits", "R-1042") with { FirstStep = new WaitingStep() });
        Assert.True(await queue.EnqueueAsync(Work("k1", "second", "R-1042")).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await queue.EnqueueAsync(Work("k2", "elsewhere", "R-1043")).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(waiting.IsCompleted);
        Assert.True(await gate.WaitingAsync());
        await gate.ReleaseAsync();
        Assert.True(await waiting);
        await Eventually.TrueAsync(() => ran.Count == 4, "every job to run once the finish is in");
        Assert.Equal(["first", "second", "waits"], ran.Where(r => r.Name != "elsewhere").Select(r => r.Name));
    }

    [Fact]
    public async Task AWriteWaitsForTheFinishAhead_NoLongerThanItsLimit_ThenGoesAllTheSame()
    {
        var (queue, ledger, ran, gate) = await FinishOnItsWayAsync();
        await using var _ = gate;

        var second = queue.EnqueueAsync(Work("k1", "second", "R-1042") with { FirstStep = new WaitingStep() });
        _clock.Advance(WorkQueue.FinishAheadWait);

        // The finish still waits in the server; the write went without it, and its job waits behind the finishing one.
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(Assert.Single(ledger.Inserted).LeasedHere);
        Assert.True(await gate.WaitingAsync());
        await gate.ReleaseAsync();
        await Eventually.TrueAsync(() => ran.Count == 2, "the second job to run once the finish is in");
        Assert.Equal(["first", "second"], ran.Select(r => r.Name));
    }

    [Fact]
    public async Task AReplicaThatStops_WritesTheFinishesItPutOff_AndLetsTheirLanesGo()
    {
        var (queue, ledger, _) = await OneJobDoneAsync("a", "claim");
        Assert.Equal(1, await CountAsync("state = 'pending'"));

        await queue.StopAsync(CancellationToken.None);
        Assert.Equal(1, await CountAsync("state = 'done'"));
        Assert.Equal("", await HolderAsync("R-1042"));
        Assert.Equal(1, ledger.Carried);
    }

    [Fact]
    public async Task AReplicaThatDiesBeforeItsFinishPutOffIsWritten_LeavesTheJobToAnother_WhichRunsItAgainAfterTheLease()
    {
        var (_, ledger, ran) = await OneJobDoneAsync("dying", "claim");
        ledger.Dead = true;

        // Another replica finds the lane held until the lease has run out, then replays the job (a press's messages are
        // read back from Slack then, not sent again: OutboxTests, DurabilityTests) and finishes it.
        var (survivor, _) = await ReplicaAsync(new Recorder("survivor", ran), "replica-survivor");
        await survivor.StartAsync(CancellationToken.None);
        for (var s = 0; s < 29; s++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        Assert.Single(ran);
        _clock.Advance(TimeSpan.FromSeconds(2));
        await survivor.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([("dying", "claim"), ("survivor", "claim")], ran);
        Assert.Equal(1, await CountAsync("state = 'done'"));
    }

    [Fact]
    public async Task AReplicaThatStops_HandsItsLanesBack_AtOnce()
    {
        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var failing = new FailingOnce();
        var (qa, _) = await ReplicaAsync(failing, "replica-a");
        await qa.StartAsync(CancellationToken.None);
        await qa.EnqueueAsync(Work("k0", "retried job", "R-1042"));
        await Eventually.TrueAsync(() => failing.Attempts == 1, "the first attempt");
        await qa.StopAsync(CancellationToken.None);

        // Its retry is due in a second; the other replica takes it then, without waiting out a 30 s lease.
        var (qb, _) = await ReplicaAsync(new Recorder("b", ran), "replica-b");
        await qb.StartAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => ran.Count == 1, "the other replica to run the job");
        Assert.Equal([("b", "retried job")], ran);
    }

    /// <summary>Holds its job, then writes progress: the write a replica frozen past its lease makes when it wakes up.</summary>
    private sealed class SavesAfterHold(Task hold) : IJobHandler
    {
        private int _runs;
        public int Runs => Volatile.Read(ref _runs);
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string Kind => "record";

        public async Task RunAsync(JobContext job, CancellationToken ct)
        {
            Interlocked.Increment(ref _runs);
            Started.TrySetResult();
            await hold;
            try
            {
                await job.SaveAsync(new JsonObject { ["stage"] = "after the pause" }, ct);
            }
            catch (Exception e)
            {
                Refused.TrySetResult(e);
                throw;
            }
        }

        public TaskCompletionSource<Exception> Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [Fact]
    public async Task AJobWhoseLaneWasTakenWhileItWasPaused_StopsAtItsNextWrite_AndIsNeitherRetriedNorFinished()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var paused = new SavesAfterHold(release.Task);
        var (qa, _) = await ReplicaAsync(paused, "replica-a");
        await qa.StartAsync(CancellationToken.None);
        await qa.EnqueueAsync(Work("k0", "paused job", "R-1042"));
        await paused.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Meanwhile another replica took the lane, as it would once a frozen replica's lease had passed.
        await using (var c = new NpgsqlConnection(_database))
        {
            await c.OpenAsync();
            await using var take = new NpgsqlCommand("UPDATE work_lanes SET leased_by = 'replica-b', lease_token = gen_random_uuid() WHERE lane = 'R-1042'", c);
            Assert.Equal(1, await take.ExecuteNonQueryAsync());
        }
        release.SetResult();

        Assert.IsType<LeaseLostException>(await paused.Refused.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        // Neither finished nor retried: the lane and its job are the other replica's now.
        for (var s = 0; s < 5; s++)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            await Task.Delay(20);
        }
        Assert.Equal(1, paused.Runs);
        Assert.Equal(1, await CountAsync("state = 'pending' AND attempts = 0 AND last_error IS NULL AND progress = '{}'"));
    }

    private sealed class FailingOnce : IJobHandler
    {
        private int _attempts;
        public int Attempts => Volatile.Read(ref _attempts);
        public string Kind => "record";

        public Task RunAsync(JobContext job, CancellationToken ct)
        {
            Interlocked.Increment(ref _attempts);
            throw new IOException("Slack did not answer");
        }
    }

    [Fact]
    public async Task Deliveries_AreRememberedAcrossReplicas()
    {
        var (ledgerA, ledgerB) = await TwoLedgersAsync();
        // The database decides here, however slowly a busy test run lets it answer: after half a second (the bot's
        // patience on the acknowledgement path) each replica would decide from its own memory, as it is meant to.
        var a = new PostgresDeliveryMemory(ledgerA, _clock, NullLogger<PostgresDeliveryMemory>.Instance) { Patience = TimeSpan.FromSeconds(30) };
        var b = new PostgresDeliveryMemory(ledgerB, _clock, NullLogger<PostgresDeliveryMemory>.Instance) { Patience = TimeSpan.FromSeconds(30) };

        // A retried event reaching the other replica is a repeat; a failed one forgotten is taken again.
        Assert.True(await a.FirstAsync(Deliveries.Event("Ev1"), Deliveries.RetryWindow));
        Assert.False(await b.FirstAsync(Deliveries.Event("Ev1"), Deliveries.RetryWindow));
        await a.ForgetAsync(Deliveries.Event("Ev1"));
        Assert.True(await b.FirstAsync(Deliveries.Event("Ev1"), Deliveries.RetryWindow));

        // A double click split over two replicas counts once; the same press after the window is a new one.
        var click = Deliveries.Click("U1", "claim_request", "R-1042", "1733400000.1");
        var together = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? a : b).FirstAsync(click, Deliveries.DoubleClickWindow)));
        Assert.Single(together, first => first);
        _clock.Advance(Deliveries.DoubleClickWindow);
        Assert.True(await b.FirstAsync(click, Deliveries.DoubleClickWindow));
    }

    [Fact]
    public async Task WorkFromAClick_IsWrittenOnlyForTheFirstPress_InTheWriteThatRemembersIt_OnEitherReplica()
    {
        var (ledgerA, ledgerB) = await TwoLedgersAsync();
        var click = new DeliveryOnce(Deliveries.Click("U1", "claim_request", "R-1042", "1733400000.1"), Deliveries.DoubleClickWindow);
        DurableWork Press(string actionTs) => Work("claim:U1:" + actionTs, actionTs, "R-1042") with { Once = click };

        // Two presses in one write (one batch), then a third on the other replica: only the first is work.
        var batch = await ledgerA.InsertAsync([Press("1.1"), Press("1.2"), Work("other", "other", "R-7")], _clock.GetUtcNow());
        Assert.NotNull(batch[0]);
        Assert.Null(batch[1]);
        Assert.NotNull(batch[2]);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(Assert.Single(await ledgerB.InsertAsync([Press("1.3")], _clock.GetUtcNow())));
        Assert.Equal(1, await CountAsync("key LIKE 'claim:U1:%'"));

        // The same press after the window is a new one; the memory it shares with PostgresDeliveryMemory says so too.
        _clock.Advance(Deliveries.DoubleClickWindow);
        Assert.NotNull(Assert.Single(await ledgerB.InsertAsync([Press("1.4")], _clock.GetUtcNow())));
        var memory = new PostgresDeliveryMemory(ledgerA, _clock, NullLogger<PostgresDeliveryMemory>.Instance) { Patience = TimeSpan.FromSeconds(30) };
        Assert.False(await memory.FirstAsync(click.Key, click.Window));
        Assert.Equal(2, await CountAsync("key LIKE 'claim:U1:%'"));
    }

    [Fact]
    public async Task TheReplicaThatWritesAJob_TakesItsLaneInTheSameWrite_OnlyWhenTheLaneIsFreeAndNothingWaitsInIt()
    {
        var (a, b) = await TwoLedgersAsync();
        var now = _clock.GetUtcNow();
        var offer = new LaneOffer(now.AddSeconds(30), [], 16);
        async Task<string?> HolderAsync(string lane)
        {
            await using var c = new NpgsqlConnection(_database);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT leased_by FROM work_lanes WHERE lane = @lane", c);
            cmd.Parameters.AddWithValue("lane", lane);
            return await cmd.ExecuteScalarAsync() as string;
        }

        // A free lane: taken with the job, which is its head (of two new ones in the same lane, the first).
        var first = await a.InsertAsync([Work("k1", "one", "R-1"), Work("k2", "two", "R-1"), Work("k3", "three", "R-2")], now, offer);
        Assert.Equal([true, false, true], first.Select(j => j!.LeasedHere));
        Assert.Equal(("replica-a", "replica-a"), (await HolderAsync("R-1"), await HolderAsync("R-2")));

        // Held by another replica, held here already, or with a job already waiting in it: not taken.
        var second = await b.InsertAsync([Work("k4", "four", "R-1"), Work("k5", "five", "R-3")], now, new LaneOffer(now.AddSeconds(30), ["R-3"], 16));
        Assert.All(second, j => Assert.False(j!.LeasedHere));
        Assert.Equal("replica-a", await HolderAsync("R-1"));
        Assert.Null(await HolderAsync("R-3"));
        await a.FinishAsync(first[2]!, "done", null, now, now.AddDays(-1), ["record"]);
        Assert.Null(await HolderAsync("R-2"));
        await a.InsertAsync([Work("k6", "six", "R-9")], now);
        var third = await b.InsertAsync([Work("k7", "seven", "R-9"), Work("k8", "eight", "R-2")], now, offer);
        Assert.Equal([false, true], third.Select(j => j!.LeasedHere));
        Assert.Equal((null, "replica-b"), (await HolderAsync("R-9"), await HolderAsync("R-2")));

        // No room to run more: nothing taken.
        Assert.False(Assert.Single(await a.InsertAsync([Work("k9", "nine", "R-5")], now, offer with { Room = 0 }))!.LeasedHere);
        Assert.Null(await HolderAsync("R-5"));
    }

    [Fact]
    public async Task AFinishThatAsksToTakeALane_TakesTheOldestDueLaneNobodyHolds_InTheSameRoundTrip()
    {
        var (a, _) = await TwoLedgersAsync();
        var now = _clock.GetUtcNow();
        var running = Assert.Single(await a.InsertAsync([Work("k1", "running", "R-1")], now, new LaneOffer(now.AddSeconds(30), [], 16)))!;
        Assert.True(running.LeasedHere);
        // Work this replica wrote but had no room to take: two lanes nobody holds.
        await a.InsertAsync([Work("k2", "waiting", "R-2")], now.AddMilliseconds(1));
        await a.InsertAsync([Work("k3", "waiting too", "R-3")], now.AddMilliseconds(2));

        var later = now.AddSeconds(1);
        var handoff = await a.FinishAsync(running, "done", null, later, now.AddDays(-1), ["record"], new LaneOffer(later.AddSeconds(30), ["R-1"], 1));
        Assert.Null(handoff.Next);

        Assert.Equal("k2", Assert.Single(handoff.Taken).Key);
        Assert.Equal(1, handoff.TakeAsked);
        Assert.Equal(1, await CountAsync("state = 'done'"));
        // Asked for nothing: the other lane stays free for whoever looks.
        var other = Assert.Single(handoff.Taken);
        var otherHandoff = await a.FinishAsync(other, "done", null, later, now.AddDays(-1), ["record"]);
        Assert.Null(otherHandoff.Next);
        Assert.Empty(otherHandoff.Taken);
        var look = await a.AdoptAsync(later, later.AddSeconds(30), [], ["record"], 16);
        Assert.Equal("k3", Assert.Single(look.Jobs).Key);
    }

    [Fact]
    public async Task JobsOfManyLanesFinishingAtOnce_EachHandTheirLaneToTheirOwnNextJob_OrLetItGo()
    {
        var ledger = await OpenLedgerAloneAsync();
        var now = _clock.GetUtcNow();
        var written = await ledger.InsertAsync([.. Enumerable.Range(0, 8).SelectMany(l => new[] { Work($"j{l}-1", "first", $"R-{l}"), Work($"j{l}-2", "second", $"R-{l}") })], now);
        var heads = (await ledger.AdoptAsync(now, now.AddSeconds(30), [], ["record"], 16)).Jobs;
        Assert.Equal(8, heads.Count);

        // The finishes of all eight go out together (some in one write): each answer is its own lane's next job.
        var nexts = (await Task.WhenAll(heads.Select(h => ledger.FinishAsync(h, "done", null, now, now.AddDays(-1), ["record"])))).Select(h => h.Next).ToArray();
        for (var i = 0; i < heads.Count; i++) Assert.Equal(heads[i].Key.Replace("-1", "-2", StringComparison.Ordinal), nexts[i]!.Key);
        var lasts = (await Task.WhenAll(nexts.Select(n => ledger.FinishAsync(n!, "done", null, now, now.AddDays(-1), ["record"])))).Select(h => h.Next);
        Assert.All(lasts, Assert.Null);
        Assert.Equal(16, await CountAsync("state = 'done'"));
        await using var c = new NpgsqlConnection(_database);
        await c.OpenAsync();
        await using var held = new NpgsqlCommand("SELECT COUNT(*) FROM work_lanes WHERE leased_by IS NOT NULL", c);
        Assert.Equal(0L, (long)(await held.ExecuteScalarAsync())!);
        Assert.Equal(16, written.Count(j => j is not null));
    }

    [Fact]
    public async Task OpenJobCounts_ReadOnlyTheOpenJobs_NotTheDayOfDoneOnes_AlsoOnADatabaseMadeBeforeTheIndex()
    {
        _database = await PostgresServer.NewSchemaAsync();
        Task ExecAsync(string sql) => PostgresServer.ExecAsync(_database, sql);
        // A database the first version of the queue made: its tables, without the index.
        var first = new PostgresJobLedger(_database, "first");
        _ledgers.Add(first);
        first.Open();
        await ExecAsync("DROP INDEX IF EXISTS ix_work_jobs_open; DELETE FROM work_queue_migrations WHERE version > 1");
        // A busy day: thousands of jobs done (each updated on its way, as jobs are), a few still open.
        await ExecAsync("""
            INSERT INTO work_jobs(kind, key, lane, payload, next_attempt_at, created_at)
            SELECT 'record', 'done-' || i, 'lane-' || (i % 50), '{}', i, i FROM generate_series(1, 20000) i;
            UPDATE work_jobs SET progress = '{"step":1}';
            UPDATE work_jobs SET state = 'done', finished_at = created_at;
            INSERT INTO work_jobs(kind, key, lane, payload, next_attempt_at, created_at)
            VALUES ('record', 'open-1', 'lane-a', '{}', 500, 500), ('record', 'open-2', 'lane-b', '{}', 700, 700);
            INSERT INTO work_jobs(kind, key, lane, payload, state, next_attempt_at, created_at)
            VALUES ('record', 'failed-1', 'lane-c', '{}', 'failed', 100, 100);
            """);

        // The next replica to start brings the database up to date.
        var (_, ledger) = await ReplicaAsync(new Recorder("a", new()), "a");
        var start = ledger.Open();
        Assert.Equal((2, 1), (start.Waiting, start.Failed));
        await ExecAsync("ANALYZE work_jobs");

        await using var conn = new NpgsqlConnection(_database);
        await conn.OpenAsync();
        await using (var counts = new NpgsqlCommand(PostgresJobLedger.OpenCounts, conn))
        await using (var r = await counts.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            Assert.Equal((2L, 1L, 500L), (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        }
        await using var explain = new NpgsqlCommand("EXPLAIN " + PostgresJobLedger.OpenCounts, conn);
        var plan = new System.Text.StringBuilder();
        await using (var r = await explain.ExecuteReaderAsync())
            while (await r.ReadAsync()) plan.AppendLine(r.GetString(0));
        Assert.Contains("ix_work_jobs_open", plan.ToString());
        Assert.DoesNotContain("Seq Scan", plan.ToString());
    }

    [Fact]
    public async Task AJobsWritesWhileItRuns_StayOnItsOwnPage_SoTheyWriteNoIndexEntries()
    {
        var ledger = await OpenLedgerAloneAsync();
        var now = _clock.GetUtcNow();
        // Presses as big as a submission's (the form's answers, and where to answer), written in a burst, each of its own
        // request; the jobs are then taken to run and write their progress twice, as a job does after each message.
        var answers = new string('x', 1200);
        var works = Enumerable.Range(0, 24)
            .Select(i => new DurableWork("record", $"k{i}", $"R-{i}", new JsonObject { ["name"] = $"n{i}", ["details"] = answers }, "U0MENTEE", "https://hooks.slack.test/actions/T0/1/abc"))
            .ToList();
        Assert.All(await ledger.InsertAsync(works, now), Assert.NotNull);
        Task<Dictionary<long, long>> PagesAsync() => RowsAsync("SELECT id, (ctid::text::point)[0]::bigint FROM work_jobs");
        async Task<Dictionary<long, long>> RowsAsync(string sql)
        {
            await using var c = new NpgsqlConnection(_database);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, c);
            await using var r = await cmd.ExecuteReaderAsync();
            var rows = new Dictionary<long, long>();
            while (await r.ReadAsync()) rows[r.GetInt64(0)] = r.GetInt64(1);
            return rows;
        }
        var written = await PagesAsync();
        Assert.True(written.Values.Distinct().Count() > 1, "the jobs should fill more than one page");

        var taken = (await ledger.AdoptAsync(now, now.AddSeconds(30), [], ["record"], 32)).Jobs;
        Assert.Equal(24, taken.Count);
        foreach (var job in taken)
        {
            await ledger.SaveProgressAsync(job, new JsonObject { ["card"] = "1733400000.000100" });
            await ledger.SaveProgressAsync(job, new JsonObject { ["card"] = "1733400000.000100", ["told"] = "1733400000.000200" });
        }

        // No indexed column changed, so a new version kept on the row's page is a heap-only one: PostgreSQL wrote no index
        // entry for it. A version that had to go to another page would have written one in each of the table's indexes.
        Assert.Equal(written, await PagesAsync());
        Assert.Equal(24, await CountAsync("progress LIKE '%told%'"));
    }

    /// <summary>
    /// Another taker in the middle of leasing <paramref name="lane"/>: its lease is written, not yet committed, so a look
    /// that picks the lane waits on the row until <see cref="RacingTake.CommitAsync"/>, then finds it taken.
    /// </summary>
    private sealed class RacingTake(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<RacingTake> BeginAsync(string database, string lane, DateTimeOffset until)
        {
            var c = new NpgsqlConnection(database);
            await c.OpenAsync();
            var tx = await c.BeginTransactionAsync();
            await using var take = new NpgsqlCommand("""
                INSERT INTO work_lanes (lane, leased_by, lease_until) VALUES (@lane, 'replica-racing', @until)
                ON CONFLICT (lane) DO UPDATE SET leased_by = EXCLUDED.leased_by, lease_until = EXCLUDED.lease_until
                """, c, tx);
            take.Parameters.AddWithValue("lane", lane);
            take.Parameters.AddWithValue("until", until.ToUnixTimeMilliseconds());
            await take.ExecuteNonQueryAsync();
            return new RacingTake(c, tx);
        }

        /// <summary>Once a statement of the connections named <paramref name="application"/> waits on the row, lets the take through.</summary>
        public async Task CommitAsync(string database, string application)
        {
            await Eventually.TrueAsync(async () => await PostgresServer.ScalarAsync<long>(database,
                $"SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '{application}' AND wait_event_type = 'Lock'") > 0,
                "a look waiting on the lane's row");
            await transaction.CommitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task ALookThatLosesALaneToARacingTaker_SaysHowManyWereDue_NotJustHowManyItGot()
    {
        var application = "race-" + Guid.NewGuid().ToString("N")[..8];
        var ledger = await OpenLedgerAloneAsync(application);
        var now = _clock.GetUtcNow();
        await ledger.InsertAsync([Work("k1", "one", "R-1"), Work("k2", "two", "R-2"), Work("k3", "three", "R-3")], now);

        await using var racing = await RacingTake.BeginAsync(_database, "R-1", now.AddSeconds(30));
        var look = ledger.AdoptAsync(now, now.AddSeconds(30), [], ["record"], 2);
        await racing.CommitAsync(_database, application);
        var found = await look;

        // Room for two: it found due, lost R-1 to the other taker, and R-3 still waits.
        Assert.Equal("k2", Assert.Single(found.Jobs).Key);
        Assert.Equal(2, found.Due);
        // Room to spare: the one lane left is all there is.
        var next = await ledger.AdoptAsync(now, now.AddSeconds(30), ["R-2"], ["record"], 4);
        Assert.Equal("k3", Assert.Single(next.Jobs).Key);
        Assert.Equal(1, next.Due);
    }

    [Fact]
    public async Task AFinishThatLosesTheLaneItWouldTakeToARacingTaker_SaysOneWasDue()
    {
        var application = "race-" + Guid.NewGuid().ToString("N")[..8];
        var ledger = await OpenLedgerAloneAsync(application);
        var now = _clock.GetUtcNow();
        var running = Assert.Single(await ledger.InsertAsync([Work("k1", "running", "R-1")], now, new LaneOffer(now.AddSeconds(30), [], 16)))!;
        await ledger.InsertAsync([Work("k2", "waiting", "R-2")], now.AddMilliseconds(1));
        await ledger.InsertAsync([Work("k3", "waiting too", "R-3")], now.AddMilliseconds(2));

        var later = now.AddSeconds(1);
        await using var racing = await RacingTake.BeginAsync(_database, "R-2", later.AddSeconds(30));
        var finish = ledger.FinishAsync(running, "done", null, later, now.AddDays(-1), ["record"], new LaneOffer(later.AddSeconds(30), ["R-1"], 1));
        await racing.CommitAsync(_database, application);
        var handoff = await finish;

        // It found R-2 due, lost it, and took nothing: R-3 is still due, which "nothing taken" alone would have hidden.
        Assert.Empty(handoff.Taken);
        Assert.Equal((1, 1), (handoff.TakeAsked, handoff.TakeDue));
        var look = await ledger.AdoptAsync(later, later.AddSeconds(30), [], ["record"], 16);
        Assert.Equal("k3", Assert.Single(look.Jobs).Key);
    }

    [Fact]
    public async Task AfterALookLosesALaneToARacingTaker_TheReplicaStillTakesTheWorkLeft_WithoutWaitingForThePoll()
    {
        var application = "race-" + Guid.NewGuid().ToString("N")[..8];
        var now = _clock.GetUtcNow();
        // Twenty requests' jobs written by another replica, which took none of them: more than the sixteen lanes this one
        // runs at once.
        var writer = await OpenLedgerAloneAsync(name: "writer");
        await writer.InsertAsync([.. Enumerable.Range(0, 20).Select(i => Work($"k{i}", $"job {i}", $"R-{i}"))], now);

        var ran = new ConcurrentQueue<(string Replica, string Name)>();
        var (queue, _) = await ReplicaAsync(new Recorder("a", ran), "a", TimeSpan.FromMinutes(10), application);

        // The first look finds sixteen lanes due and gets fifteen: the oldest goes to a racing taker.
        await using var racing = await RacingTake.BeginAsync(_database, "R-0", now.AddSeconds(30));
        var start = queue.StartAsync(CancellationToken.None);
        await racing.CommitAsync(_database, application);
        await start;

        // Its finishes take the four lanes left, one each, with no poll to come for ten minutes (the clock does not move).
        await Eventually.TrueAsync(() => ran.Count == 19, "every job but the racing taker's run here");
        Assert.Equal(19, ran.Select(r => r.Name).Distinct().Count());
        Assert.DoesNotContain(ran, r => r.Name == "job 0");
    }

    [Fact]
    public async Task Deliveries_WhenTheDatabaseDoesNotAnswer_ThisReplicasOwnMemoryDecides()
    {
        var ledger = new PostgresJobLedger("Host=127.0.0.1;Port=1;Username=ocm;Database=ocm", "a");
        _ledgers.Add(ledger);
        var memory = new PostgresDeliveryMemory(ledger, _clock, NullLogger<PostgresDeliveryMemory>.Instance);
        var click = Deliveries.Click("U1", "claim_request", "R-1042", "1733400000.1");
        Assert.True(await memory.FirstAsync(click, Deliveries.DoubleClickWindow));
        Assert.False(await memory.FirstAsync(click, Deliveries.DoubleClickWindow));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var q in _queues)
        {
            try { await q.StopAsync(CancellationToken.None); }
            catch (InvalidOperationException) { }
        }
        foreach (var l in _ledgers) await l.DisposeAsync();
    }
}
