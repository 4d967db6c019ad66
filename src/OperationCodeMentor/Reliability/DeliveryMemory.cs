using System.Collections.Concurrent;
using Npgsql;

namespace OperationCodeMentor.Reliability;

/// <summary>
/// Remembers deliveries already taken, so a repeat does nothing: an event or Socket Mode envelope Slack sends again, or a
/// second press of the same button within a moment. With replicas it is shared through the database, since Slack may
/// hand the repeat to another replica than the first.
/// </summary>
public interface IDeliveryMemory
{
    /// <summary>True the first time <paramref name="key"/> is seen, and again once <paramref name="window"/> has passed since.</summary>
    Task<bool> FirstAsync(string key, TimeSpan window, CancellationToken ct = default);

    /// <summary>Lets the key be taken again: its handling failed, and Slack's retry must get a real attempt.</summary>
    Task ForgetAsync(string key, CancellationToken ct = default);
}

/// <summary>What to call a delivery in <see cref="IDeliveryMemory"/>, and for how long it counts as a repeat.</summary>
public static class Deliveries
{
    /// <summary>Slack retries an event or an envelope within minutes (at once, after 1 and after 5); an hour covers them all.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromHours(1);

    /// <summary>A second press of the same button by the same person this soon is a double click.</summary>
    public static readonly TimeSpan DoubleClickWindow = TimeSpan.FromSeconds(3);

    public static string Event(string eventId) => "event:" + eventId;

    public static string Envelope(string envelopeId) => "envelope:" + envelopeId;

    public static string Click(string userId, string actionId, string? value, string? where) =>
        $"click:{userId}\u001f{actionId}\u001f{value}\u001f{where}";
}

/// <summary>The memory of one process: enough when there is one replica.</summary>
public sealed class LocalDeliveryMemory(TimeProvider clock) : IDeliveryMemory
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);
    private int _sinceSweep;

    public Task<bool> FirstAsync(string key, TimeSpan window, CancellationToken ct = default) => Task.FromResult(First(key, window));

    public bool First(string key, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        var first = true;
        _until.AddOrUpdate(key, now + window, (_, until) =>
        {
            first = until <= now;
            return first ? now + window : until;
        });
        if (Interlocked.Increment(ref _sinceSweep) % 1000 == 0)
            foreach (var (k, until) in _until)
                if (until <= now) _until.TryRemove(k, out _);
        return first;
    }

    public Task ForgetAsync(string key, CancellationToken ct = default)
    {
        _until.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The memory every replica shares, in PostgreSQL: one statement per delivery, which the server decides between replicas
/// that see the same delivery at once. If the database does not answer, this replica's own memory decides, so a person's
/// press is never refused for it.
/// </summary>
public sealed partial class PostgresDeliveryMemory(PostgresJobLedger ledger, TimeProvider clock, ILogger<PostgresDeliveryMemory> log) : IDeliveryMemory
{
    private readonly LocalDeliveryMemory _fallback = new(clock);
    private int _sinceSweep;

    public async Task<bool> FirstAsync(string key, TimeSpan window, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        using var soon = Soon(ct);
        try
        {
            await using var batch = ledger.Source.CreateBatch();
            // Taken when new, or when an earlier sighting has expired; a repeat within the window changes nothing.
            var take = new NpgsqlBatchCommand(PostgresJobLedger.TakeDeliveries("VALUES (@key, @until)", "@now"));
            take.Parameters.AddWithValue("key", key);
            take.Parameters.AddWithValue("until", (now + window).ToUnixTimeMilliseconds());
            take.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            batch.BatchCommands.Add(take);
            if (Interlocked.Increment(ref _sinceSweep) % 500 == 0)
            {
                var sweep = new NpgsqlBatchCommand(PostgresJobLedger.ForgetDeliveries);
                sweep.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
                batch.BatchCommands.Add(sweep);
            }
            await using var r = await batch.ExecuteReaderAsync(soon.Token).ConfigureAwait(false);
            var first = await r.ReadAsync(soon.Token).ConfigureAwait(false);
            _fallback.First(key, window);
            return first;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogUnshared(log, e);
            return _fallback.First(key, window);
        }
    }

    public async Task ForgetAsync(string key, CancellationToken ct = default)
    {
        await _fallback.ForgetAsync(key, ct).ConfigureAwait(false);
        using var soon = Soon(ct);
        try
        {
            await using var cmd = ledger.Source.CreateCommand("DELETE FROM seen_deliveries WHERE key = @key");
            cmd.Parameters.AddWithValue("key", key);
            await cmd.ExecuteNonQueryAsync(soon.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogUnshared(log, e);
        }
    }

    /// <summary>
    /// On the acknowledgement path, before the job's own write: a database that has not answered within this, connecting
    /// included, leaves the decision to this replica, so the press still fits in Slack's 3 seconds.
    /// </summary>
    internal TimeSpan Patience { get; init; } = TimeSpan.FromSeconds(0.5);

    // Real time, as Npgsql's own time-outs are: it bounds waiting on the network, not anything the bot schedules.
    private CancellationTokenSource Soon(CancellationToken ct)
    {
        var soon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        soon.CancelAfter(Patience);
        return soon;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database did not answer about a repeated delivery; this replica's own memory decided")]
    private static partial void LogUnshared(ILogger log, Exception e);
}
