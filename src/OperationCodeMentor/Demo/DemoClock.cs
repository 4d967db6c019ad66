namespace OperationCodeMentor.Demo;

/// <summary>
/// The demo's clock: real time plus however far the story has jumped ahead, so days pass in a moment.
/// Timers keep running on real time: the story runs the follow-up sweep itself after each jump, and a wait
/// the bot starts (a retry, say) still ends rather than hanging until someone moves the clock.
/// </summary>
public sealed class DemoClock : TimeProvider
{
    private long _aheadTicks;

    public TimeSpan Ahead => TimeSpan.FromTicks(Interlocked.Read(ref _aheadTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Ahead;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _aheadTicks, by.Ticks);
    }
}
