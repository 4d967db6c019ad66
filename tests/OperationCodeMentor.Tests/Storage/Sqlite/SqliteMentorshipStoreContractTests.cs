using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using Microsoft.Data.Sqlite;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Sqlite;

namespace OperationCodeMentor.Tests.Storage.Sqlite;

/// <summary>The store contract against the embedded store, on a temporary database file.</summary>
public sealed class SqliteMentorshipStoreContractTests : MentorshipStoreContract
{
    protected override bool ReadsLastReportWithPairing => true;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ocm-contract-{Guid.NewGuid():N}.db");

    protected override Task<IMentorshipStore> CreateStoreAsync() =>
        Task.FromResult<IMentorshipStore>(new SqliteMentorshipStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { SqlitePath = _path })));

    protected override Task DisposeStoreAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" })
            if (File.Exists(f)) File.Delete(f);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ReserveRequestNumber_WithTheCounterRowGone_StartsAfterTheHighestRequest()
    {
        var last = await CreateAsync(NewRequest());
        using (var c = new SqliteConnection($"Data Source={_path}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM sqlite_sequence WHERE name = 'requests'";
            cmd.ExecuteNonQuery();
        }

        Assert.Equal("R-1001", last.Reference);
        Assert.Equal(1002, await Store.ReserveRequestNumberAsync());
        Assert.Equal("R-1003", (await CreateAsync(NewRequest("UMENTEE02"))).Reference);
    }

    [Fact]
    public async Task CreateRequest_WithANumberAlreadyStoredAndNoSubmissionKey_SaysSo()
    {
        var first = await CreateAsync(NewRequest());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => CreateAsync(NewRequest("UMENTEE02") with { Number = 1001 }));

        Assert.Equal("R-1001", first.Reference);
        Assert.Contains("R-1001 is already stored", e.Message);
    }

    /// <summary>The database, not a lock in this process, settles a race: the loser reads again and is decided anew.</summary>
    [Fact]
    public async Task ChangeRequest_WhenAnotherWriterGotInBetween_DecidesAgainOnWhatItWrote()
    {
        var id = (await CreateAsync(NewRequest())).Reference;
        var asked = 0;

        var decision = await Store.ChangeRequestAsync(id, t =>
        {
            // The first time it is asked, another writer claims the request under its feet.
            if (Interlocked.Increment(ref asked) == 1)
                Store.TryClaimAsync(id, "UMENTOR02", T0).GetAwaiter().GetResult();
            return RequestLifecycle.Decide(t, new Actor("UMENTOR01"), new RequestCommand.Claim(StoreChanges.Available("UMENTOR01")), T0.AddMinutes(1));
        });

        Assert.Equal(2, asked);
        Assert.Equal(Refusal.AlreadyClaimed, decision!.Refused);
        Assert.Equal("UMENTOR02", (await Store.GetRequestAsync(id))!.Request.ClaimedBy);
    }

    [Fact]
    public async Task FirstOpen_ThatFailed_IsTriedAgainByTheNextCaller()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ocm-retry-{Guid.NewGuid():N}.db");
        // A folder where the database file should be: SQLite cannot open it, until it is gone.
        Directory.CreateDirectory(path);
        try
        {
            var store = new SqliteMentorshipStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { SqlitePath = path }));
            await Assert.ThrowsAsync<SqliteException>(() => store.CheckAsync());
            Directory.Delete(path);

            await store.CheckAsync();
            Assert.Equal(DefaultOptionLists.Services, (await store.GetOptionListsAsync()).Services);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(path)) Directory.Delete(path);
            foreach (var f in new[] { path, path + "-wal", path + "-shm" })
                if (File.Exists(f)) File.Delete(f);
        }
    }
}
