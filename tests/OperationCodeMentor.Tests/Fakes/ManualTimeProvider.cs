namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// A clock that only moves when a test says so. Timers created from it (PeriodicTimer, Task.Delay with this
/// provider, Polly delays) fire when <see cref="Advance"/> moves past their due time.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 11, 2, 15, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    // Durations measured with timestamps follow the manual clock too, so "this took 3 s" is up to the test.
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public int ActiveTimers
    {
        get { lock (_gate) return _timers.Count(t => t.DueAt is not null); }
    }

    /// <summary>
    /// Timers that fire once (Task.Delay, retry waits), not periodic ones such as a background service's tick, which
    /// exist from start-up on and would make "something is waiting on the clock" true too early.
    /// </summary>
    public int ActiveDelays
    {
        get { lock (_gate) return _timers.Count(t => t.DueAt is not null && !t.IsPeriodic); }
    }

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by));
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        // Fire timers in due order, moving the clock to each due time so callbacks see a consistent "now".
        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt <= target).OrderBy(t => t.DueAt).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }
                if (next.DueAt > _now) _now = next.DueAt!.Value;
                next.Reschedule();
            }
            next.Fire();
        }
    }

    public void SetUtcNow(DateTimeOffset to) => Advance(to - GetUtcNow());

    /// <summary>When each active timer is due, earliest first.</summary>
    public IReadOnlyList<DateTimeOffset> DueTimes
    {
        get { lock (_gate) return _timers.Where(t => t.DueAt is not null).Select(t => t.DueAt!.Value).Order().ToList(); }
    }

    /// <summary>Jumps to the earliest active timer and fires it; false when none is active.</summary>
    public bool AdvanceToNextTimer()
    {
        if (DueTimes is not [var due, ..]) return false;
        var now = GetUtcNow();
        Advance(due > now ? due - now : TimeSpan.Zero);
        return true;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        public DateTimeOffset? DueAt { get; private set; }
        public bool IsPeriodic => _period != Timeout.InfiniteTimeSpan && _period != TimeSpan.Zero;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    DueAt = null;
                    owner._timers.Remove(this);
                }
                else
                {
                    DueAt = owner._now + dueTime;
                    if (!owner._timers.Contains(this)) owner._timers.Add(this);
                }
            }
            return true;
        }

        // Called under the owner's lock, just before firing.
        public void Reschedule()
        {
            if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
            else
            {
                DueAt = DueAt!.Value + _period;
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
