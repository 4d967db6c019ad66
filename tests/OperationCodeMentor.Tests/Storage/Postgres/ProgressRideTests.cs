using System.Text.Json.Nodes;
using Npgsql;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage.Postgres;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// A job's progress written by the PostgreSQL store with the change it follows (<see cref="ProgressRide"/>): in the same
/// statement, only when the change was made, and never for a job of another database.
/// </summary>
public sealed class ProgressRideTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private string _database = "";
    private PostgresJobLedger _ledger = null!;
    private PostgresMentorshipStore _store = null!;
    private int _ownWrites;

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.NewSchemaAsync();
        _ledger = new PostgresJobLedger(_database, "replica-a");
        _ledger.Open();
        _store = new PostgresMentorshipStore(new PostgresConnection(_database));
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _ledger.DisposeAsync();
    }

    /// <summary>A job of this replica's, its lane leased as the queue leases it before running it.</summary>
    private async Task<JobContext> JobAsync(string key, StoreLink? link)
    {
        var job = (await _ledger.InsertAsync([new DurableWork("test", key, "lane-" + key, new JsonObject())], T0))[0]!;
        Assert.Contains((await _ledger.AdoptAsync(T0, T0.AddSeconds(30), [], ["test"], 16)).Jobs, j => j.Id == job.Id);
        return new JobContext(job, async (p, _) =>
        {
            _ownWrites++;
            await _ledger.SaveProgressAsync(job, p);
        }, _ => Task.FromResult(true), link);
    }

    private static async Task<JsonObject> ProgressAsync(string database, long jobId)
    {
        await using var c = new NpgsqlConnection(database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT progress FROM work_jobs WHERE id = @id", c);
        cmd.Parameters.AddWithValue("id", jobId);
        return (JsonObject)JsonNode.Parse((string)(await cmd.ExecuteScalarAsync())!)!;
    }

    private static NewMentorRequest Request(long number, string key) =>
        new(number, "UMENTEE01", "Mentee", "Resume Review", ["Python"], "Help with my résumé, please.", "Veteran", T0, key);

    [Fact]
    public async Task AStoredRequest_CarriesTheJobsProgress_AndARepeatThatStoresNothing_WritesNone()
    {
        var job = await JobAsync("submit-1", _ledger.StoreLink);
        var number = await _store.ReserveRequestNumberAsync();

        using (var ride = job.Ride(new { stage = "stored" }))
        {
            var stored = await _store.CreateRequestAsync(Request(number, "view:1"));
            Assert.True(ride.Taken);
            Assert.Equal(RequestReference.Format(number), stored.Reference);
        }
        Assert.Equal("stored", (await ProgressAsync(_database, job.Job.Id))["stage"]!.ToString());
        Assert.Equal("stored", job.Job.Progress["stage"]!.ToString());

        // The same submission again (a replay that got further than its progress says): the store hands back the request
        // it has and writes nothing, so the progress is the job's to write.
        using (var ride = job.Ride(new { stage = "replayed" }))
        {
            var again = await _store.CreateRequestAsync(Request(number, "view:1"));
            Assert.False(ride.Taken);
            Assert.Equal(RequestReference.Format(number), again.Reference);
        }
        Assert.Equal("stored", (await ProgressAsync(_database, job.Job.Id))["stage"]!.ToString());
        Assert.Equal(0, _ownWrites);
    }

    private async Task<T> ScalarAsync<T>(string sql, long id)
    {
        await using var c = new NpgsqlConnection(_database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        cmd.Parameters.AddWithValue("id", id);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task AJobsLastWrite_AsksTheQueueBeforeItGoes_AndKeepsItsFinishMarkedUntilItIsBack()
    {
        // The queue's side (WorkQueue.FinishingAsync): what the store asked, and when the write came back.
        var asked = new List<string>();
        var marked = new Marked(() => _database);
        var link = _ledger.StoreLink with
        {
            Kinds = ["test"],
            Finishing = lane =>
            {
                asked.Add(lane);
                return Task.FromResult<IDisposable>(marked);
            },
        };
        var job = await JobAsync("last", link);
        var number = await _store.ReserveRequestNumberAsync();

        // A write that does not finish the job asks nothing.
        using (var ride = job.Ride(new { stage = "numbered" }))
            await _store.CreateRequestAsync(Request(number, "view:0"));
        Assert.Empty(asked);

        using (var ride = job.Ride(new { stage = "confirmed" }, finishes: true))
        {
            await _store.CreateRequestAsync(Request(number + 1, "view:1"));
            Assert.True(ride.Finished);
        }
        Assert.Equal(["lane-last"], asked);
        // Let go once the write was back, and only then: the job was done on disk when the mark went.
        Assert.Equal(1, marked.Disposed);
        Assert.Equal("done", marked.StateWhenDisposed);
    }

    /// <summary>A finish's mark that notes when it is let go, and what the job's row said then.</summary>
    private sealed class Marked(Func<string> database) : IDisposable
    {
        public int Disposed { get; private set; }
        public string? StateWhenDisposed { get; private set; }

        public void Dispose()
        {
            Disposed++;
            using var c = new NpgsqlConnection(database());
            c.Open();
            using var cmd = new NpgsqlCommand("SELECT state FROM work_jobs WHERE key = 'last'", c);
            StateWhenDisposed = (string?)cmd.ExecuteScalar();
        }
    }

    [Fact]
    public async Task AJobsLastWrite_FinishesIt_AndHandsItsLaneToTheNextJobHere_OrLetsTheLaneGo()
    {
        var clock = new ManualTimeProvider(T0.AddSeconds(1));
        var link = _ledger.StoreLink with { Kinds = ["test"], Clock = clock, RememberDone = TimeSpan.FromDays(1) };
        var batch = await _ledger.InsertAsync([new DurableWork("test", "first", "intake", new JsonObject()), new DurableWork("test", "second", "intake", new JsonObject())], T0);
        var first = Assert.Single((await _ledger.AdoptAsync(T0, T0.AddSeconds(30), [], ["test"], 16)).Jobs);
        Assert.Equal(batch[0]!.Id, first.Id);
        var job = new JobContext(first, (_, _) => throw new InvalidOperationException("no write of its own"), _ => Task.FromResult(true), link);

        // The same request stored again by a replay changes nothing, so it finishes nothing: the job and its lane stay as they were.
        var number = await _store.ReserveRequestNumberAsync();
        await _store.CreateRequestAsync(Request(number, "view:0"));
        using (var ride = job.Ride(new { stage = "confirmed" }, finishes: true))
        {
            await _store.CreateRequestAsync(Request(number, "view:0"));
            Assert.False(ride.Taken || ride.Finished);
        }
        Assert.Equal("pending", await ScalarAsync<string>("SELECT state FROM work_jobs WHERE id = @id", first.Id));

        // Stored: the job is done in the same statement, and its lane stays here for the next job, which comes back to run.
        using (var ride = job.Ride(new { stage = "confirmed" }, finishes: true))
        {
            await _store.CreateRequestAsync(Request(number + 1, "view:1"));
            Assert.True(ride.Taken && ride.Finished);
        }
        Assert.NotNull(first.FinishedByStore);
        Assert.Equal(batch[1]!.Id, first.FinishedByStore.Next!.Id);
        Assert.Equal("done", await ScalarAsync<string>("SELECT state FROM work_jobs WHERE id = @id", first.Id));
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), await ScalarAsync<long>("SELECT finished_at FROM work_jobs WHERE id = @id", first.Id));
        Assert.Equal("confirmed", (await ProgressAsync(_database, first.Id))["stage"]!.ToString());
        Assert.Equal("replica-a", await ScalarAsync<string>("SELECT leased_by FROM work_lanes WHERE lane = 'intake' AND @id > 0", 1));

        // The lane's last job: finished the same way, and the lane is let go for any replica.
        var second = first.FinishedByStore.Next;
        using (var ride = new JobContext(second, (_, _) => throw new InvalidOperationException("no write of its own"), _ => Task.FromResult(true), link)
                   .Ride(new { stage = "confirmed" }, finishes: true))
        {
            await _store.CreateRequestAsync(Request(number + 2, "view:2"));
            Assert.True(ride.Finished);
        }
        Assert.Null(second.FinishedByStore!.Next);
        Assert.Equal("done", await ScalarAsync<string>("SELECT state FROM work_jobs WHERE id = @id", second.Id));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM work_lanes WHERE lane = 'intake' AND leased_by IS NOT NULL AND @id > 0", 1));
    }

    private sealed record Numbered(string Stage, long? Number);

    [Fact]
    public async Task AReservedNumber_IsWrittenIntoTheJobsProgress_InTheStatementThatHandsItOut_WithTheMentorsLoads()
    {
        await _store.SaveMentorAsync(new MentorProfile("UMENTOR01", "Mentor One", ["Python"], null, 2, null), T0);
        var job = await JobAsync("submit-2", _ledger.StoreLink);

        long number;
        IReadOnlyList<MentorLoad> loads;
        using (var ride = job.Ride(new Numbered("numbered", null), answerAt: nameof(Numbered.Number)))
        {
            (number, loads) = await _store.ReserveRequestNumberWithLoadsAsync();
            Assert.True(ride.Taken);
        }
        Assert.Equal("UMENTOR01", Assert.Single(loads).Mentor.SlackUserId);
        var written = await ProgressAsync(_database, job.Job.Id);
        Assert.Equal("numbered", written["stage"]!.ToString());
        Assert.Equal(number, written["number"]!.GetValue<long>());
        Assert.Equal(number, job.Job.Progress["number"]!.GetValue<long>());

        // Without an offer, or with one that wants no answer filled in, the number is only handed out.
        var next = await _store.ReserveRequestNumberAsync();
        Assert.Equal(number + 1, next);
        using (var ride = job.Ride(new Numbered("other", null)))
        {
            Assert.True(await _store.ReserveRequestNumberAsync() > next);
            Assert.False(ride.Taken);
        }
        Assert.Equal(number, (await ProgressAsync(_database, job.Job.Id))["number"]!.GetValue<long>());
        Assert.Equal(0, _ownWrites);
    }

    [Fact]
    public async Task AChangeThatLosesARace_WritesTheProgressOfTheDecisionThatWon_AndARefusalWritesNone()
    {
        var reference = (await _store.CreateRequestAsync(Request(await _store.ReserveRequestNumberAsync(), "view:2"))).Reference;
        await _store.ApplyAsync(reference, new Actor("UMENTOR01"), new RequestCommand.Claim(StoreChanges.Available("UMENTOR01")), T0);
        var job = await JobAsync("record-1", _ledger.StoreLink);
        await using var rival = new PostgresMentorshipStore(new PostgresConnection(_database + ";Application Name=rival"));

        var decided = 0;
        using (var ride = job.Ride(new { stage = "received" }))
        {
            var decision = await _store.ChangeRequestAsync(reference,
                t => RequestLifecycle.Decide(t, Actor.Bot, new RequestCommand.RecordConversation("C-OURS"), T0.AddMinutes(1)),
                async (d, ct) =>
                {
                    decided++;
                    ride.Update(new { stage = "applied", conversation = d.Result.Session.ConversationId, attempt = decided });
                    // The first time, another replica changes the request between this read and the write: the write
                    // misses, and neither it nor the progress offered with it reaches the database. (The rival runs
                    // outside this job's flow, as another replica would, so the offer is not its to take.)
                    if (decided == 1)
                    {
                        Task rivalWrite;
                        using (ExecutionContext.SuppressFlow())
                            rivalWrite = Task.Run(() => rival.ApplyAsync(reference, Actor.Bot, new RequestCommand.RecordConversation("C-RIVAL"), T0.AddMinutes(1)));
                        await rivalWrite;
                    }
                    return d;
                });
            Assert.NotNull(decision!.After);
            Assert.True(ride.Taken);
        }
        Assert.Equal(2, decided);
        var written = await ProgressAsync(_database, job.Job.Id);
        Assert.Equal(2, written["attempt"]!.GetValue<int>());
        Assert.Equal("C-OURS", written["conversation"]!.ToString());
        Assert.Equal("C-OURS", (await _store.GetRequestAsync(reference))!.Session.ConversationId);

        // A claim of a request already held is refused: no change, so nothing rides.
        using (var ride = job.Ride(new { stage = "refused" }))
        {
            var refused = await _store.ChangeRequestAsync(reference,
                t => RequestLifecycle.Decide(t, new Actor("UMENTOR02"), new RequestCommand.Claim(StoreChanges.Available("UMENTOR02")), T0.AddMinutes(2)));
            Assert.Equal(Refusal.AlreadyClaimed, refused!.Refused);
            Assert.False(ride.Taken);
        }
        Assert.Equal("applied", (await ProgressAsync(_database, job.Job.Id))["stage"]!.ToString());
        Assert.Equal(0, _ownWrites);
    }

    [Fact]
    public async Task AJobWhoseLedgerIsElsewhere_OffersNothing_AndTheStoreTouchesNoJob()
    {
        // The same job id in another schema's ledger must not receive this job's progress.
        var other = await PostgresServer.NewSchemaAsync();
        await using var otherLedger = new PostgresJobLedger(other, "replica-b");
        otherLedger.Open();
        var foreign = (await otherLedger.InsertAsync([new DurableWork("test", "elsewhere", "lane", new JsonObject())], T0))[0]!;
        var job = new JobContext(foreign, (_, _) => Task.CompletedTask, _ => Task.FromResult(true), otherLedger.StoreLink);
        var local = await JobAsync("here", link: null);
        Assert.Equal(foreign.Id, local.Job.Id);

        using (var ride = job.Ride(new { stage = "stored" }))
        {
            await _store.CreateRequestAsync(Request(await _store.ReserveRequestNumberAsync(), "view:3"));
            Assert.False(ride.Taken);
        }
        using (var ride = local.Ride(new { stage = "stored" }))
        {
            Assert.False(local.WritesWithStore);
            await _store.CreateRequestAsync(Request(await _store.ReserveRequestNumberAsync(), "view:4"));
            Assert.False(ride.Taken);
        }
        Assert.Empty(await ProgressAsync(other, foreign.Id));
        Assert.Empty(await ProgressAsync(_database, local.Job.Id));
    }

    [Fact]
    public async Task AReplicaFrozenPastItsLease_WritesNoProgressAndFinishesNothing_ItsNextWriteStopsTheJob()
    {
        var job = await JobAsync("claim-9", _ledger.StoreLink);
        await job.SaveAsync(new { stage = "received" }, CancellationToken.None);

        // This replica stops answering; its lease passes and another replica takes the lane (and so the job).
        await using var other = new PostgresJobLedger(_database, "replica-b");
        var later = T0.AddSeconds(31);
        Assert.Contains((await other.AdoptAsync(later, later.AddSeconds(30), [], ["test"], 16)).Jobs, j => j.Id == job.Job.Id);

        // Woken up, it carries on: a store change offered its progress goes in (it is safe to make twice) but the
        // progress does not, and its own progress write is refused, so it stops before anything it would send next.
        using (var ride = job.Ride(new { stage = "stored" }))
        {
            await _store.CreateRequestAsync(Request(await _store.ReserveRequestNumberAsync(), "view:9"));
            Assert.False(ride.Taken);
        }
        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => job.SaveAsync(new { stage = "stale" }, CancellationToken.None));
        Assert.Equal(job.Job.Lane, lost.Lane);
        await _ledger.RecordRetryAsync(job.Job, "stale");
        Assert.Null((await _ledger.FinishAsync(job.Job, "done", null, later, later.AddDays(-1), ["test"])).Next);

        // The job is the other replica's, as this replica last wrote it: still pending, nothing of the stale attempt in it.
        Assert.Equal("received", (await ProgressAsync(_database, job.Job.Id))["stage"]!.ToString());
        await using (var c = new NpgsqlConnection(_database))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT state, attempts, last_error FROM work_jobs WHERE id = @id", c);
            cmd.Parameters.AddWithValue("id", job.Job.Id);
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal("pending", r.GetString(0));
            Assert.Equal(0, r.GetInt32(1));
            Assert.True(r.IsDBNull(2));
        }
        await other.SaveProgressAsync(job.Job, new JsonObject { ["stage"] = "taken over" });
        Assert.Equal("taken over", (await ProgressAsync(_database, job.Job.Id))["stage"]!.ToString());
    }
}
