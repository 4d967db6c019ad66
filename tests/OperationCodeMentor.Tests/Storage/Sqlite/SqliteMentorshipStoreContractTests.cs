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
}
