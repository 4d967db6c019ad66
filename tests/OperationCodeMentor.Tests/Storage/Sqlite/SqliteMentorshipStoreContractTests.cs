using Microsoft.Data.Sqlite;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Sqlite;

namespace OperationCodeMentor.Tests.Storage.Sqlite;

/// <summary>The store contract against the embedded store, on a temporary database file.</summary>
public sealed class SqliteMentorshipStoreContractTests : MentorshipStoreContract
{
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
        var last = await Store.CreateRequestAsync(NewRequest());
        using (var c = new SqliteConnection($"Data Source={_path}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM sqlite_sequence WHERE name = 'requests'";
            cmd.ExecuteNonQuery();
        }

        Assert.Equal("R-1001", last.Reference);
        Assert.Equal(1002, await Store.ReserveRequestNumberAsync());
        Assert.Equal("R-1003", (await Store.CreateRequestAsync(NewRequest("UMENTEE02"))).Reference);
    }

    [Fact]
    public async Task CreateRequest_WithANumberAlreadyStoredAndNoSubmissionKey_SaysSo()
    {
        var first = await Store.CreateRequestAsync(NewRequest());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.CreateRequestAsync(NewRequest("UMENTEE02") with { Number = 1001 }));

        Assert.Equal("R-1001", first.Reference);
        Assert.Contains("R-1001 is already stored", e.Message);
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
