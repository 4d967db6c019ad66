using System.Text.Json.Nodes;
using OperationCodeMentor.Tests.Fakes;
using Npgsql;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Postgres;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// A submission's first step taken with the write that records it (<see cref="FirstStep"/>): its number and the mentors'
/// loads, only where that write leased the intake's lane here.
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
        var number = ((NumberingStep)first.FirstStep!).Number;
        Assert.True(job!.LeasedHere);
        Assert.NotNull(number);
        Assert.Equal(2, ((NumberingStep)first.FirstStep!).Loads!.Count);
        Assert.Equal(number, job.Progress["number"]!.GetValue<long>());
        Assert.Contains($"\"number\": {number}", await ProgressAsync("view:a"));

        // Behind it in the lane: its own number step hands one out when its turn comes, in the lane's order.
        var behind = Submission("view:b");
        Assert.False((await WriteAsync(behind))!.LeasedHere);
        Assert.Null(((NumberingStep)behind.FirstStep!).Number);
        Assert.Equal("{}", await ProgressAsync("view:b"));

        // A repeat of the first writes nothing and takes no number.
        var repeat = Submission("view:a");
        Assert.Null(await WriteAsync(repeat));
        Assert.Null(((NumberingStep)repeat.FirstStep!).Number);
        Assert.Equal(number + 1, await _store.ReserveRequestNumberAsync());
    }
}
