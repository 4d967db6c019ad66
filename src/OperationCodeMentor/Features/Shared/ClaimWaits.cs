using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// How long requests have waited for a claim over the last 90 days, read from the store at most once every
/// <see cref="CacheFor"/> and shared by every receipt and Home tab in that time, so a burst of submissions costs one read
/// (one page per 100 requests on Airtable). Readers arriving while it loads wait for that same read.
/// </summary>
public sealed partial class ClaimWaits(IMentorshipStore store, TimeProvider clock, ILogger<ClaimWaits> log)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    /// <summary>The longest a receipt waits for the history; past it the receipt goes without the estimate.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    private readonly object _gate = new();
    private (DateTimeOffset LoadedAt, IReadOnlyList<ClaimWait> History)? _copy;
    private Task<IReadOnlyList<ClaimWait>>? _loading;

    /// <summary>
    /// The estimate for a request for <paramref name="skills"/>; null when the history cannot be read within
    /// <see cref="Deadline"/> (the receipt or the Home tab then simply leaves the sentence out).
    /// </summary>
    public async Task<WaitEstimate?> EstimateAsync(IReadOnlyList<string> skills, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(Deadline, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            var history = await HistoryAsync(linked.Token).ConfigureAwait(false);
            return ExpectedWait.Estimate(history, skills, clock.GetUtcNow());
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogUnavailable(log, e.GetType().Name, e.Message);
            return null;
        }
    }

    /// <summary>The sentence for <paramref name="skills"/>, or null when there is none to give.</summary>
    public async Task<string?> SentenceAsync(IReadOnlyList<string> skills, CancellationToken ct) =>
        await EstimateAsync(skills, ct).ConfigureAwait(false) is { } e ? ExpectedWait.Sentence(e) : null;

    /// <summary>The history, from the copy while it is fresh; otherwise one read, shared by everyone asking meanwhile.</summary>
    public async Task<IReadOnlyList<ClaimWait>> HistoryAsync(CancellationToken ct)
    {
        Task<IReadOnlyList<ClaimWait>> loading;
        lock (_gate)
        {
            if (_copy is { } copy && clock.GetUtcNow() - copy.LoadedAt < CacheFor) return copy.History;
            loading = _loading ??= LoadAsync();
        }
        return await loading.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<ClaimWait>> LoadAsync()
    {
        // Run outside the caller's lock, so _loading is set before this can finish.
        await Task.Yield();
        var now = clock.GetUtcNow();
        try
        {
            // Not the caller's token: one reader giving up must not cancel the read the others wait for.
            var history = ExpectedWait.History(await store.GetActivityAsync(now - ExpectedWait.Window, CancellationToken.None).ConfigureAwait(false));
            lock (_gate)
            {
                _copy = (now, history);
                _loading = null;
            }
            return history;
        }
        catch
        {
            lock (_gate) _loading = null;
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read how long requests have waited ({ErrorType}: {Error}); leaving the expected wait out")]
    private static partial void LogUnavailable(ILogger log, string errorType, string error);
}

/// <summary>
/// Reads the wait history at start-up, in the background (start-up does not wait for it), so the first receipts cost
/// the store nothing more. A failure only logs; the first receipt tries again.
/// </summary>
public sealed partial class ClaimWaitsWarmUp(ClaimWaits waits, ILogger<ClaimWaitsWarmUp> log) : IHostedService
{
    private Task _warming = Task.CompletedTask;

    /// <summary>The start-up read; it never faults (a failure only logs). Tests wait on it before counting store calls.</summary>
    public Task Warmed => _warming;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _warming = Task.Run(async () =>
        {
            try
            {
                await waits.HistoryAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogWarmUpFailed(log, e.GetType().Name, e.Message);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _warming.WaitAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the wait history at start-up ({ErrorType}: {Error}); the first receipt will try again")]
    private static partial void LogWarmUpFailed(ILogger log, string errorType, string error);
}
