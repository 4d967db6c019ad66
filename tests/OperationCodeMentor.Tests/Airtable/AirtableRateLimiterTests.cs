using OperationCodeMentor.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Airtable;

public sealed class AirtableRateLimiterTests
{
    private readonly ManualTimeProvider _clock = new();

    /// <summary>
    /// How many have completed once at least <paramref name="atLeast"/> have: continuations of fired timers run on
    /// the thread pool, so wait (bounded) for them to land, then a moment more for any that should not.
    /// </summary>
    private static async Task<int> SettledAsync(IReadOnlyCollection<Task> tasks, int atLeast)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (tasks.Count(t => t.IsCompleted) < atLeast && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        await Task.Delay(30);
        return tasks.Count(t => t.IsCompleted);
    }

    /// <summary>Takes a permit, notes when, and holds it for <paramref name="inFlight"/> of the manual clock.</summary>
    private Task<DateTimeOffset> RequestAsync(AirtableRateLimiter limiter, string baseId, TimeSpan inFlight = default) =>
        Task.Run(async () =>
        {
            var permit = await limiter.AcquireAsync(baseId, 5, CancellationToken.None);
            var started = _clock.GetUtcNow();
            if (inFlight > TimeSpan.Zero) await Task.Delay(inFlight, _clock);
            permit.Dispose();
            return started;
        });

    private async Task DrainAsync(IReadOnlyCollection<Task> tasks)
    {
        while (tasks.Any(t => !t.IsCompleted))
        {
            await SettledAsync(tasks, 0);
            _clock.AdvanceToNextTimer();
        }
    }

    [Fact]
    public async Task Burst_GoesFiveAtATime_NeverMoreThanFiveInAnyWindow()
    {
        var limiter = new AirtableRateLimiter(_clock);
        var requests = Enumerable.Range(0, 23).Select(_ => RequestAsync(limiter, "appA")).ToList();

        Assert.Equal(5, await SettledAsync(requests, 5));
        _clock.Advance(AirtableRateLimiter.Window - TimeSpan.FromMilliseconds(1));
        Assert.Equal(5, await SettledAsync(requests, 5));
        await DrainAsync(requests);

        var times = (await Task.WhenAll(requests)).Order().ToList();
        for (var i = 5; i < times.Count; i++)
            Assert.True(times[i] - times[i - 5] >= AirtableRateLimiter.Window, $"Requests {i - 5} and {i} were {times[i] - times[i - 5]} apart.");
        // The last of 23 starts after four windows: no slower than the limit requires.
        Assert.Equal(4 * AirtableRateLimiter.Window, times[^1] - times[0]);
    }

    [Fact]
    public async Task SlowRequests_KeepTheirPermitsUntilAWindowAfterTheirAnswers()
    {
        var limiter = new AirtableRateLimiter(_clock);
        var slow = Enumerable.Range(0, 5).Select(_ => RequestAsync(limiter, "appA", inFlight: TimeSpan.FromMilliseconds(400))).ToList();
        // All five hold a permit once each has its 400 ms in-flight timer.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (_clock.ActiveTimers < 5 && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        var sixth = RequestAsync(limiter, "appA");

        await DrainAsync([.. slow, sixth]);

        // Slow requests may reach Airtable as late as their answers: the sixth waits a full window after those.
        Assert.Equal(TimeSpan.FromMilliseconds(400) + AirtableRateLimiter.Window, await sixth - (await Task.WhenAll(slow)).Max());
    }

    [Fact]
    public async Task Limit_IsPerBase()
    {
        var limiter = new AirtableRateLimiter(_clock);

        var a = Enumerable.Range(0, 6).Select(_ => RequestAsync(limiter, "appA")).ToList();
        var b = Enumerable.Range(0, 5).Select(_ => RequestAsync(limiter, "appB")).ToList();

        Assert.Equal(5, await SettledAsync(a, 5));
        Assert.Equal(5, await SettledAsync(b, 5));
    }

    [Fact]
    public async Task HoldUntil_HoldsEveryCaller_EvenOnesAlreadyQueued()
    {
        var limiter = new AirtableRateLimiter(_clock);
        var early = Enumerable.Range(0, 6).Select(_ => RequestAsync(limiter, "appA")).ToList();
        Assert.Equal(5, await SettledAsync(early, 5));

        var heldUntil = _clock.GetUtcNow() + TimeSpan.FromSeconds(30);
        limiter.HoldUntil("appA", heldUntil);
        var late = RequestAsync(limiter, "appA");
        // The late one must be asleep before the clock moves: one that read the clock before the move and set its timer
        // after it would sleep two seconds past the hold.
        var asleep = System.Diagnostics.Stopwatch.StartNew();
        while (!_clock.DueTimes.Contains(heldUntil) && asleep.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(5, await SettledAsync(early, 5));
        Assert.False(late.IsCompleted);

        // Move on only once both the queued sixth and the late one sleep until the hold ends.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (_clock.DueTimes.Count(d => d == heldUntil) < 2 && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        _clock.Advance(TimeSpan.FromSeconds(28));
        await Task.WhenAll(early.Append(late)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await late >= _clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
    }
}
