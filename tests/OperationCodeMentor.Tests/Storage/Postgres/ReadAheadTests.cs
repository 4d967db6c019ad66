using System.Text.Json.Nodes;
using OperationCodeMentor.Tests.Fakes;
using Npgsql;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Postgres;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// A press's first read made with the write that records it (<see cref="ReadAhead"/>): handed to the job only when that
/// write leased its lane here, used once by its first attempt while fresh, and overruled by the conditional write when
/// the request changed in between.
/// </summary>
public sealed class ReadAheadTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(T0);
    private string _database = "";
    private PostgresJobLedger _ledger = null!;
    private PostgresMentorshipStore _store = null!;
    private string _reference = "";

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.NewSchemaAsync();
        _ledger = new PostgresJobLedger(_database, "replica-a");
        _ledger.Open();
        _store = new PostgresMentorshipStore(new PostgresConnection(_database), _clock);
        await _store.SaveMentorAsync(new MentorProfile("UMENTOR01", "Dev", ["Python"], null, 2, null), T0);
        await _store.SaveMentorAsync(new MentorProfile("UMENTOR02", "Ana", ["Python"], null, 2, null), T0);
        var number = await _store.ReserveRequestNumberAsync();
        _reference = (await _store.CreateRequestAsync(
            new NewMentorRequest(number, "UMENTEE01", "Mentee", "Resume Review", ["Python"], "Help with my résumé, please.", "Veteran", T0, "view:1"))).Reference;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _ledger.DisposeAsync();
    }

    private DurableWork Claim(string key, string mentor) =>
        new DurableWork("claim", key, _reference, new JsonObject()) { Ahead = _store.ReadAheadForChange(_reference, mentor) };

    private async Task<Job?> WriteAsync(DurableWork work) =>
        (await _ledger.InsertAsync([work], _clock.GetUtcNow(), new LaneOffer(_clock.GetUtcNow().AddSeconds(30), [], 16)))[0];

    private JobContext Context(Job job) =>
        new(job, (p, _) => _ledger.SaveProgressAsync(job, p), _ => Task.FromResult(true), _ledger.StoreLink with { Clock = _clock, Kinds = ["claim"] });

    /// <summary>A claim as the claim job makes it, with its ride offered; records what each decision was made on.</summary>
    private async Task<(Decision? Decision, List<TrackedRequest> DecidedOn)> ClaimAsync(Job job, string mentor)
    {
        var decidedOn = new List<TrackedRequest>();
        using var ride = Context(job).Ride(new { stage = "applied" });
        var decision = await _store.ChangeRequestAsync(_reference, mentor, (t, read) =>
        {
            decidedOn.Add(t);
            return RequestLifecycle.Decide(t, new Actor(mentor), new RequestCommand.Claim(read.Load), _clock.GetUtcNow(), job.Key);
        });
        return (decision, decidedOn);
    }

    private async Task RenameMenteeAsync(string name)
    {
        // A column no change writes and the version does not cover: which copy a decision saw tells a read ahead from a read.
        await using var c = new NpgsqlConnection(_database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("UPDATE requests SET mentee_name = @n", c);
        cmd.Parameters.AddWithValue("n", name);
        await cmd.ExecuteNonQueryAsync();
    }

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
    public async Task AReadAheadMadeStaleByAnotherClaim_LosesTheConditionalWrite_AndTheClaimIsDecidedAgainOnAFreshRead()
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
    public async Task AJobWrittenBehindAnotherInItsLane_GetsNoReadAhead_AndReadsForItself()
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
    public async Task AReadAhead_IsUsedOnce_NotByALaterAttempt_NorOnceItIsOld()
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
        _clock.Advance(ReadAhead.FreshFor + TimeSpan.FromMilliseconds(1));
        Assert.Equal("Renamed again", Assert.Single((await ClaimAsync(late, "UMENTOR02")).DecidedOn).Request.MenteeName);
    }

    private DurableWork Submission(string key) =>
        new DurableWork("submit-request", key, "intake", new JsonObject())
        {
            Ahead = _store.NumberAhead(new JsonObject { ["stage"] = "Numbered", ["number"] = null }, "number", withLoads: true),
        };

    private async Task<string> ProgressAsync(string key)
    {
        await using var c = new NpgsqlConnection(_database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT progress FROM work_jobs WHERE key = @k", c);
        cmd.Parameters.AddWithValue("k", key);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task ASubmissionWhoseWriteLeasesTheIntake_IsNumberedByThatWrite_OneBehindItOrARepeat_IsNot()
    {
        var first = Submission("view:a");
        var job = await WriteAsync(first);
        var number = ((NumberingAhead)first.Ahead!).Number;
        Assert.True(job!.LeasedHere);
        Assert.NotNull(number);
        Assert.Equal(2, ((NumberingAhead)first.Ahead!).Loads!.Count);
        Assert.Equal(number, job.Progress["number"]!.GetValue<long>());
        Assert.Contains($"\"number\": {number}", await ProgressAsync("view:a"));

        // Behind it in the lane: its own number step hands one out when its turn comes, in the lane's order.
        var behind = Submission("view:b");
        Assert.False((await WriteAsync(behind))!.LeasedHere);
        Assert.Null(((NumberingAhead)behind.Ahead!).Number);
        Assert.Equal("{}", await ProgressAsync("view:b"));

        // A repeat of the first writes nothing and takes no number.
        var repeat = Submission("view:a");
        Assert.Null(await WriteAsync(repeat));
        Assert.Null(((NumberingAhead)repeat.Ahead!).Number);
        Assert.Equal(number + 1, await _store.ReserveRequestNumberAsync());
    }
}
