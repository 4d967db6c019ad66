using System.Text.Json.Nodes;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Postgres;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// A job's first step taken with the write that records it (<see cref="FirstStep"/>). A submission's: its number and the
/// mentors' loads, where that write leased the intake's lane here or wrote it behind a numbered one; and the mark that
/// tells the first take of a job written behind that nobody has tried it. A press's: the read its change starts with,
/// handed to the job only where that write leased its lane here, used once by its first attempt while fresh, and
/// overruled by the conditional write when the request changed in between.
/// </summary>
public sealed class FirstStepTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(T0);
    private string _database = "";
    private PostgresJobLedger _ledger = null!;
    private PostgresMentorshipStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.NewSchemaAsync();
        _ledger = new PostgresJobLedger(_database, "replica-a");
        _ledger.Open();
        _store = new PostgresMentorshipStore(new PostgresConnection(_database), _clock);
        await _store.SaveMentorAsync(new MentorProfile("UMENTOR01", "Dev", ["Python"], null, 2, null), T0);
        await _store.SaveMentorAsync(new MentorProfile("UMENTOR02", "Ana", ["Python"], null, 2, null), T0);
        var number = await _store.ReserveRequestNumberAsync();
        // One request stored already: numbers taken with writes must follow it without a gap.
        await _store.CreateRequestAsync(
            new NewMentorRequest(number, "UMENTEE01", "Mentee", "Resume Review", ["Python"], "Help with my résumé, please.", "Veteran", T0, "view:1"));
    }

    public async Task DisposeAsync()
    {
        if (_preparing is not null) await _preparing.DisposeAsync();
        await _store.DisposeAsync();
        await _ledger.DisposeAsync();
    }

    private async Task<Job?> WriteAsync(DurableWork work) =>
        (await _ledger.InsertAsync([work], _clock.GetUtcNow(), new LaneOffer(_clock.GetUtcNow().AddSeconds(30), [], 16)))[0];

    private DurableWork Submission(string key) =>
        new DurableWork("submit-request", key, "intake", new JsonObject())
        {
            FirstStep = _store.NumberWithTheWrite(new JsonObject { ["stage"] = "Numbered", ["number"] = null }, "number", withLoads: true),
        };

    // The keys are the tests' own constants.
    private Task<string> ProgressAsync(string key) => PostgresServer.ScalarAsync<string>(_database, $"SELECT progress FROM work_jobs WHERE key = '{key}'");

    private static readonly string[] Kinds = ["submit-request"];

    private Task<LaneHandoff> FinishAsync(Job job) =>
        _ledger.FinishAsync(job, "done", null, _clock.GetUtcNow(), _clock.GetUtcNow().AddDays(-1), Kinds);

    private static long? NumberOf(DurableWork work) => ((NumberingStep)work.FirstStep!).Number;

    [Fact]
    public async Task ASubmissionWhoseWriteLeasesTheIntake_IsNumberedByThatWrite_AsIsOneBehindIt_ARepeatIsNot()
    {
        var first = Submission("view:a");
        var job = await WriteAsync(first);
        var number = NumberOf(first);
        Assert.True(job!.LeasedHere);
        Assert.True(job.Untried);
        Assert.NotNull(number);
        Assert.Equal(2, ((NumberingStep)first.FirstStep!).Loads!.Count);
        Assert.Equal(number, job.Progress["number"]!.GetValue<long>());
        Assert.Contains($"\"number\": {number}", await ProgressAsync("view:a"));
        Assert.DoesNotContain(Job.UntriedMark, await ProgressAsync("view:a"));

        // Behind it: numbered next by its own write, and marked untried for its turn.
        var behind = Submission("view:b");
        var second = await WriteAsync(behind);
        Assert.False(second!.LeasedHere);
        Assert.False(second.Untried);
        Assert.Equal(number + 1, NumberOf(behind));
        Assert.Equal(2, ((NumberingStep)behind.FirstStep!).Loads!.Count);
        Assert.Same(behind.FirstStep, second.FirstStep);
        var written = await ProgressAsync("view:b");
        Assert.Contains($"\"number\": {number + 1}", written);
        Assert.Contains($"\"{Job.UntriedMark}\": true", written);

        // A repeat of the first writes nothing and takes no number.
        var repeat = Submission("view:a");
        Assert.Null(await WriteAsync(repeat));
        Assert.Null(NumberOf(repeat));
        Assert.Equal(number + 2, await _store.ReserveRequestNumberAsync());
    }

    [Fact]
    public async Task ASubmissionBehindOneWithoutItsNumber_TakesNoNumberWithItsWrite_OneWrittenByAnotherReplica_Does()
    {
        // The first was written without a first step: it numbers itself when it runs, so the one behind it must wait to keep the order.
        Assert.True((await WriteAsync(new DurableWork("submit-request", "view:a", "intake", new JsonObject())))!.LeasedHere);
        var behind = Submission("view:b");
        Assert.False((await WriteAsync(behind))!.LeasedHere);
        Assert.Null(NumberOf(behind));
        Assert.Equal("{}", await ProgressAsync("view:b"));

        // Once it has its number, the next one written, by another replica while this one holds the lane, takes the next.
        await PostgresServer.ExecAsync(_database, "UPDATE work_jobs SET progress = '{\"number\": 1500}' WHERE key = 'view:b'");
        await using var other = new PostgresJobLedger(_database, "replica-b");
        var elsewhere = new DurableWork("submit-request", "view:c", "intake", new JsonObject())
        {
            FirstStep = _store.NumberWithTheWrite(new JsonObject { ["stage"] = "Numbered", ["number"] = null }, "number", withLoads: true),
        };
        var written = (await other.InsertAsync([elsewhere], _clock.GetUtcNow(), new LaneOffer(_clock.GetUtcNow().AddSeconds(30), [], 16)))[0];
        Assert.False(written!.LeasedHere);
        Assert.NotNull(NumberOf(elsewhere));
        Assert.Contains($"\"{Job.UntriedMark}\": true", await ProgressAsync("view:c"));
    }

    [Fact]
    public async Task ASubmissionWrittenIntoAnEmptyLaneItCannotTake_IsNumberedByItsWrite_AndMarkedUntried()
    {
        // Another replica still holds the intake, its last job done there and the lane's release on its way.
        await PostgresServer.ExecAsync(_database,
            $"INSERT INTO work_lanes (lane, leased_by, lease_token, lease_until) VALUES ('intake', 'replica-b', gen_random_uuid(), {_clock.GetUtcNow().AddSeconds(30).ToUnixTimeMilliseconds()})");
        var first = Submission("view:a");
        var job = await WriteAsync(first);
        Assert.False(job!.LeasedHere);
        Assert.NotNull(NumberOf(first));
        Assert.Contains($"\"{Job.UntriedMark}\": true", await ProgressAsync("view:a"));

        // The one written behind it follows with the next number; the replica that takes the lane finds the first untried.
        var second = Submission("view:b");
        await WriteAsync(second);
        Assert.Equal(NumberOf(first) + 1, NumberOf(second));
        await PostgresServer.ExecAsync(_database, "UPDATE work_lanes SET leased_by = NULL, lease_token = NULL, lease_until = NULL WHERE lane = 'intake'");
        var taken = Assert.Single((await _ledger.AdoptAsync(_clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(30), [], Kinds, 16)).Jobs);
        Assert.Equal("view:a", taken.Key);
        Assert.True(taken.Untried);
        Assert.Equal(NumberOf(first), taken.Progress["number"]!.GetValue<long>());
    }

    [Fact]
    public async Task ARepeatOfTheSubmissionAtTheLanesHead_NumbersNothing_ItsFirstAttemptMayBeUnderWay()
    {
        // Written without its number (another replica held the lane), then taken to run there: nothing recorded yet.
        Assert.False((await _ledger.InsertAsync([new DurableWork("submit-request", "view:a", "intake", new JsonObject())], _clock.GetUtcNow()))[0]!.LeasedHere);
        var repeat = Submission("view:a");
        Assert.Null(await WriteAsync(repeat));
        Assert.Null(NumberOf(repeat));
        Assert.Equal("{}", await ProgressAsync("view:a"));
    }

    [Fact]
    public async Task AJobNumberedBehindAnother_IsUntriedOnlyForTheFirstTakeOfIt_ThroughTheFinishBeforeIt()
    {
        var first = await WriteAsync(Submission("view:a"));
        await WriteAsync(Submission("view:b"));

        // The finish of the first hands the lane on to it: the first take, which finds the mark and removes it.
        var handoff = await FinishAsync(first!);
        var next = handoff.Next!;
        Assert.Equal("view:b", next.Key);
        Assert.True(next.Untried);
        Assert.False(next.Progress.ContainsKey(Job.UntriedMark));
        Assert.NotNull(next.Progress["number"]);
        Assert.DoesNotContain(Job.UntriedMark, await ProgressAsync("view:b"));

        // This replica dies with it under way: the replica that takes the lane once the lease runs out finds it tried.
        _clock.Advance(TimeSpan.FromSeconds(31));
        await using var other = new PostgresJobLedger(_database, "replica-b");
        var adopted = await other.AdoptAsync(_clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(30), [], Kinds, 16);
        var again = Assert.Single(adopted.Jobs);
        Assert.Equal("view:b", again.Key);
        Assert.False(again.Untried);
        Assert.Equal(next.Progress["number"]!.GetValue<long>(), again.Progress["number"]!.GetValue<long>());
    }

    [Fact]
    public async Task AJobNumberedBehindAnother_WhoseLaneWasLetGoWithoutIt_IsUntriedForTheLookThatTakesIt_AndOnlyThatOne()
    {
        await WriteAsync(Submission("view:a"));
        await WriteAsync(Submission("view:b"));
        // The first's finish did not see the second (written at the same moment) and let the lane go: here, with the first
        // finished by hand and the lane let go.
        await PostgresServer.ExecAsync(_database, "UPDATE work_jobs SET state = 'done', finished_at = 0 WHERE key = 'view:a'");
        _ledger.Release("intake");

        await using var other = new PostgresJobLedger(_database, "replica-b");
        var looked = await other.AdoptAsync(_clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(30), [], Kinds, 16);
        var taken = Assert.Single(looked.Jobs);
        Assert.Equal("view:b", taken.Key);
        Assert.True(taken.Untried);
        Assert.DoesNotContain(Job.UntriedMark, await ProgressAsync("view:b"));

        // The lane let go again with the job not done (a replica leaving): the next look finds it tried.
        other.Release("intake");
        var relooked = await _ledger.AdoptAsync(_clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(30), [], Kinds, 16);
        Assert.False(Assert.Single(relooked.Jobs).Untried);
    }

    private string _reference = "R-1001";

    /// <summary>The store as a connection that prepares its statements has it: a press's read goes with its write there.</summary>
    private PostgresMentorshipStore? _preparing;

    private PostgresMentorshipStore Preparing => _preparing ??= new PostgresMentorshipStore(new PostgresConnection(_database + ";Max Auto Prepare=20"), _clock);

    private DurableWork Claim(string key, string mentor) =>
        new DurableWork("claim", key, _reference, new JsonObject()) { FirstStep = Preparing.ReadWithTheWrite(_reference, mentor) };

    [Fact]
    public async Task APressReadsWithItsWrite_OnlyWhereTheConnectionPreparesItsStatements_AsADirectOneDoesByDefault()
    {
        await using var notPreparing = new PostgresMentorshipStore(new PostgresConnection(_database + ";Max Auto Prepare=0"), _clock);
        Assert.Null(notPreparing.ReadWithTheWrite(_reference, "UMENTOR01"));
        Assert.NotNull(_store.ReadWithTheWrite(_reference, "UMENTOR01"));
        Assert.NotNull(Preparing.ReadWithTheWrite(_reference, "UMENTOR01"));
        Assert.NotNull(Preparing.ReadWithTheWrite(_reference, null));
    }

    private JobContext Context(Job job) =>
        new(job, (p, _) => _ledger.SaveProgressAsync(job, p), _ => Task.FromResult(true), _ledger.StoreLink with { Clock = _clock, Kinds = ["claim"] });

    /// <summary>A claim as the claim job makes it, with its ride offered; records what each decision was made on.</summary>
    private async Task<(Decision? Decision, List<TrackedRequest> DecidedOn)> ClaimAsync(Job job, string mentor)
    {
        var decidedOn = new List<TrackedRequest>();
        using var ride = Context(job).Ride(new { stage = "applied" });
        var decision = await Preparing.ChangeRequestAsync(_reference, mentor, (t, read) =>
        {
            decidedOn.Add(t);
            return RequestLifecycle.Decide(t, new Actor(mentor), new RequestCommand.Claim(read.Load), _clock.GetUtcNow(), job.Key);
        });
        return (decision, decidedOn);
    }

    /// <summary>Renames the mentee: a column no change writes and the version does not cover, so which copy a decision saw tells the write's read from a read of its own.</summary>
    private Task RenameMenteeAsync(string name) => PostgresServer.ExecAsync(_database, $"UPDATE requests SET mentee_name = '{name}'");

    [Fact]
    public async Task AClaimWhoseWriteLeasedItsLane_IsDecidedOnWhatThatWriteRead_WithoutReadingAgain()
    {
        var job = await WriteAsync(Claim("claim:1", "UMENTOR01"));
        Assert.NotNull(job);
        Assert.True(job.LeasedHere);
        await RenameMenteeAsync("Renamed after the write");

        var (decision, decidedOn) = await ClaimAsync(job, "UMENTOR01");

        Assert.Equal("Mentee", Assert.Single(decidedOn).Request.MenteeName);
        Assert.Null(decision!.Refused);
        Assert.Equal("UMENTOR01", (await _store.GetRequestAsync(_reference))!.Request.ClaimedBy);
    }

    [Fact]
    public async Task AReadMadeStaleByAnotherClaim_LosesTheConditionalWrite_AndTheClaimIsDecidedAgainOnAFreshRead()
    {
        var job = await WriteAsync(Claim("claim:1", "UMENTOR01"));
        Assert.True(job!.LeasedHere);
        // Another mentor's claim lands between the write and the job (a change made outside the lane, as a coordinator's can be).
        await _store.ChangeRequestAsync(_reference, "UMENTOR02", (t, read) =>
            RequestLifecycle.Decide(t, new Actor("UMENTOR02"), new RequestCommand.Claim(read.Load), T0, "claim:other"));

        var (decision, decidedOn) = await ClaimAsync(job, "UMENTOR01");

        Assert.Equal(2, decidedOn.Count);
        Assert.Equal(Refusal.AlreadyClaimed, decision!.Refused);
        Assert.Equal("UMENTOR02", (await _store.GetRequestAsync(_reference))!.Request.ClaimedBy);
    }

    [Fact]
    public async Task AClaimWrittenBehindAnotherInItsLane_GetsNoRead_AndReadsForItself()
    {
        var first = await WriteAsync(Claim("claim:1", "UMENTOR01"));
        var second = await WriteAsync(Claim("claim:2", "UMENTOR02"));
        Assert.True(first!.LeasedHere);
        Assert.False(second!.LeasedHere);
        await RenameMenteeAsync("Renamed after the writes");

        var (_, decidedOn) = await ClaimAsync(second, "UMENTOR02");

        Assert.Equal("Renamed after the writes", Assert.Single(decidedOn).Request.MenteeName);
    }

    [Fact]
    public async Task AClaimsRead_IsUsedOnce_NotByALaterAttempt_NorOnceItIsOld()
    {
        var retried = await WriteAsync(Claim("claim:1", "UMENTOR01"));
        retried!.Attempts = 1;
        await RenameMenteeAsync("Renamed");
        Assert.Equal("Renamed", Assert.Single((await ClaimAsync(retried, "UMENTOR01")).DecidedOn).Request.MenteeName);

        // A second request's claim, written and then run after the read has gone stale.
        var number = await _store.ReserveRequestNumberAsync();
        _reference = (await _store.CreateRequestAsync(
            new NewMentorRequest(number, "UMENTEE02", "Second", "Resume Review", ["Python"], "Another one.", "Veteran", T0, "view:2"))).Reference;
        var late = await WriteAsync(Claim("claim:2", "UMENTOR02"));
        Assert.True(late!.LeasedHere);
        await RenameMenteeAsync("Renamed again");
        _clock.Advance(FirstStep.FreshFor + TimeSpan.FromMilliseconds(1));
        Assert.Equal("Renamed again", Assert.Single((await ClaimAsync(late, "UMENTOR02")).DecidedOn).Request.MenteeName);
    }
}
