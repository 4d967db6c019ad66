using OperationCodeMentor.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Airtable;

public sealed class AirtableRateLimiterTests
{
    private readonly ManualTimeProvider _clock = new();

    private static async Task<int> SettledAsync(IEnumerable<Task> tasks)
    {
        // Continuations of fired timers run on the thread pool: give them a moment to land.
        await Task.Delay(20);
        return tasks.Count(t => t.IsCompleted);
    }

    [Fact]
    public async Task Burst_GoesFiveAtATime_NeverMoreThanFiveInAnyWindow()
    {
        var limiter = new AirtableRateLimiter(_clock);
        var started = new List<DateTimeOffset>();
        var waits = Enumerable.Range(0, 23).Select(_ => limiter.WaitAsync("appA", 5, CancellationToken.None)
            .ContinueWith(_ => { lock (started) started.Add(_clock.GetUtcNow()); }, TaskScheduler.Default)).ToList();

        Assert.Equal(5, await SettledAsync(waits));
        _clock.Advance(AirtableRateLimiter.Window - TimeSpan.FromMilliseconds(1));
        Assert.Equal(5, await SettledAsync(waits));
        while (_clock.AdvanceToNextTimer()) await SettledAsync(waits);
        await Task.WhenAll(waits);

        Assert.Equal(23, started.Count);
        var times = started.Order().ToList();
        for (var i = 5; i < times.Count; i++)
            Assert.True(times[i] - times[i - 5] >= AirtableRateLimiter.Window, $"Requests {i - 5} and {i} were {times[i] - times[i - 5]} apart.");
        // The last of 23 starts after four full windows: no slower than the limit requires.
        Assert.Equal(4 * AirtableRateLimiter.Window, times[^1] - times[0]);
    }

    [Fact]
    public async Task Limit_IsPerBase()
    {
        var limiter = new AirtableRateLimiter(_clock);

        var a = Enumerable.Range(0, 6).Select(_ => limiter.WaitAsync("appA", 5, CancellationToken.None)).ToList();
        var b = Enumerable.Range(0, 5).Select(_ => limiter.WaitAsync("appB", 5, CancellationToken.None)).ToList();

        Assert.Equal(5, await SettledAsync(a));
        Assert.Equal(5, await SettledAsync(b));
    }

    [Fact]
    public async Task HoldUntil_HoldsEveryCaller_EvenOnesAlreadyWaitingForASlot()
    {
        var limiter = new AirtableRateLimiter(_clock);
        var early = Enumerable.Range(0, 6).Select(_ => limiter.WaitAsync("appA", 5, CancellationToken.None)).ToList();
        Assert.Equal(5, await SettledAsync(early));

        limiter.HoldUntil("appA", _clock.GetUtcNow() + TimeSpan.FromSeconds(30));
        var late = limiter.WaitAsync("appA", 5, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(5, await SettledAsync(early));
        Assert.False(late.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(28));
        await Task.WhenAll(early.Append(late)).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
