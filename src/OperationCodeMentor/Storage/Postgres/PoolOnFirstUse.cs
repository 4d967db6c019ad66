using Npgsql;

namespace OperationCodeMentor.Storage.Postgres;

/// <summary>
/// A pool made when it is first used, which at start-up is after the bot's services are built: whether it prepares its
/// statements is decided then (<see cref="PostgresConnection.Statements"/>). A failure to decide, the server being out of
/// reach, is the caller's and leaves the next use to try again.
/// </summary>
internal sealed class PoolOnFirstUse(PostgresConnection connection) : IAsyncDisposable
{
    private NpgsqlDataSource? _pool;

    public NpgsqlDataSource Value
    {
        get
        {
            if (Volatile.Read(ref _pool) is { } pool) return pool;
            var made = connection.CreatePool();
            if (Interlocked.CompareExchange(ref _pool, made, null) is not { } other) return made;
            made.Dispose();
            return other;
        }
    }

    public ValueTask DisposeAsync() => Volatile.Read(ref _pool)?.DisposeAsync() ?? ValueTask.CompletedTask;
}
