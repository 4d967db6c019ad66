using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Scheduling;

/// <summary>What one sweep did.</summary>
/// <param name="Examined">Due requests read from the store (the only rows a sweep reads).</param>
/// <param name="StepsTaken">Steps whose messages went out and were recorded.</param>
/// <param name="Planned">Requests that only needed their next action time set.</param>
public sealed record SweepReport(int Examined, int StepsTaken, int Planned);

/// <summary>
/// Every <c>Mentorship:Schedule:SweepInterval</c>, takes the next due follow-up step of each open or claimed request.
/// <para>
/// A step is taken in three writes: claim it in the store (the intent and a fresh token, only if the request's
/// follow-up state is unchanged since it was read, so of two sweeps exactly one proceeds), send its messages marked
/// with the token, then record it done with the next action time. If the process dies after the claim, the step
/// stays pending; once <see cref="AbandonedAfter"/> has passed another sweep resumes it with the same token, reads
/// the conversations back, and sends only what is not there yet. So no step is repeated or skipped.
/// </para>
/// </summary>
public sealed partial class FollowUpSweeper(
    IMentorshipStore store,
    IFollowUpMessages messages,
    StepPoster poster,
    IOptionsMonitor<ScheduleOptions> options,
    IOptionsMonitor<CoordinationOptions> program,
    TimeProvider clock,
    ILogger<FollowUpSweeper> log,
    Telemetry.BotMetrics? metrics = null) : BackgroundService
{
    /// <summary>Most due requests handled per sweep; the rest wait for the next one.</summary>
    public const int MaxPerSweep = 500;

    /// <summary>
    /// A pending step older than this belongs to a sweep that died. It is longer than the slowest Slack call can take
    /// with its retries (five 30-second attempts and up to four minute-long waits), so a live sweep is never overtaken.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    private readonly object _gate = new();
    // One sweep at a time in a process: a sweep that overlapped a slower one could take the other's pending step for
    // abandoned (its clock having moved past AbandonedAfter) and send it again. Across processes the lease rules.
    private readonly SemaphoreSlim _one = new(1, 1);
    private int _running;
    private TaskCompletionSource _idle = Completed();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.SweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: a step in flight stays pending and is resumed after the restart.
        }
    }

    /// <summary>Completes when no sweep (timer-driven or not) is running.</summary>
    public Task WhenIdleAsync(CancellationToken ct = default)
    {
        lock (_gate) return _idle.Task.WaitAsync(ct);
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    /// <summary>One sweep, now. The timer calls this; so can tests and operators.</summary>
    public async Task<SweepReport> RunOnceAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_running++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        var entered = false;
        try
        {
            await _one.WaitAsync(ct).ConfigureAwait(false);
            entered = true;
            var o = options.CurrentValue;
            var now = clock.GetUtcNow();
            var quietUntil = o.GetQuietHours(program.CurrentValue.Zone)?.Defer(now) ?? now;
            var due = await store.GetDueFollowUpsAsync(now, MaxPerSweep, ct).ConfigureAwait(false);
            var plans = new List<PlannedAction>();
            var taken = 0;
            foreach (var tracked in due)
            {
                var (r, s) = (tracked.Request, tracked.FollowUp);
                if (s.PendingToken is not null && s.PendingAt is { } pendingAt && pendingAt + AbandonedAfter > now)
                    continue; // another sweep is taking a step right now
                var next = FollowUpLadder.Next(tracked, o);
                var resuming = s.PendingToken is not null && s.PendingStep is not null;
                if (!resuming && (next is null || next.Value.At > now))
                {
                    plans.Add(new PlannedAction(r.Reference, tracked.Version, next?.At));
                    continue;
                }
                // A reminder is for a time the pair chose themselves, so quiet hours don't hold it past their session.
                if (quietUntil > now && !(next is { Step: FollowUpStep.RemindSession } && !resuming))
                {
                    plans.Add(new PlannedAction(r.Reference, tracked.Version, quietUntil));
                    continue;
                }
                var step = resuming ? s.PendingStep!.Value : next!.Value.Step;
                var token = resuming ? s.PendingToken! : Guid.NewGuid().ToString("N");
                if (await TakeAsync(tracked, step, token, resuming ? s.PendingAt : null, now, o, ct).ConfigureAwait(false)) taken++;
            }
            var planned = await store.PlanNextActionsAsync(plans, ct).ConfigureAwait(false);
            return new SweepReport(due.Count, taken, planned);
        }
        finally
        {
            if (entered) _one.Release();
            lock (_gate)
            {
                if (--_running == 0) _idle.TrySetResult();
            }
        }
    }

    private async Task<bool> TakeAsync(TrackedRequest tracked, FollowUpStep step, string token, DateTimeOffset? resumingSince,
        DateTimeOffset sweptAt, ScheduleOptions o, CancellationToken ct)
    {
        var r = tracked.Request;
        // The step's own time, not the sweep's: a sweep through a long backlog (Slack pacing a busy channel) reaches its
        // later steps minutes after it began, and a step stamped with the sweep's start could look abandoned to another
        // replica's sweep while this one is still sending it.
        var now = Later(clock.GetUtcNow(), sweptAt);
        if (!await ChangeAsync(r.Reference, new RequestCommand.BeginStep(tracked.Version, step, token), now, ct).ConfigureAwait(false))
            return false; // another sweep got there first, or the request changed meanwhile

        PostResult result;
        try
        {
            var toSend = await messages.BuildAsync(tracked, step, now, ct).ConfigureAwait(false);
            result = await poster.PostAsync(toSend, token, resumingSince, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Slack may or may not have the message: leave the step pending, to be resumed (and checked) later.
            LogStepInDoubt(log, e, StepLabel(step), r.Reference);
            return false;
        }

        if (result == PostResult.Refused)
        {
            var retryAt = now + Max(o.SweepInterval * 5, TimeSpan.FromMinutes(1));
            await ChangeAsync(r.Reference, new RequestCommand.AbandonStep(token, retryAt), now, ct).ConfigureAwait(false);
            LogStepRefused(log, StepLabel(step), r.Reference, retryAt);
            return false;
        }

        var after = FollowUpLadder.After(tracked, step, now, o);
        if (!await ChangeAsync(r.Reference, new RequestCommand.CompleteStep(token, after), now, ct).ConfigureAwait(false))
        {
            // The request changed phase while the messages went out (claimed, released, closed): its new ladder stands.
            LogStepOvertaken(log, StepLabel(step), r.Reference);
            return false;
        }
        LogStepTaken(log, StepLabel(step), r.Reference);
        metrics?.FollowUpSent(step);
        return true;
    }

    /// <summary>A step's write, as the lifecycle decides it; false when the request moved on (another sweep, a claim, a release).</summary>
    private async Task<bool> ChangeAsync(string reference, RequestCommand command, DateTimeOffset now, CancellationToken ct) =>
        (await store.ChangeRequestAsync(reference, t => RequestLifecycle.Decide(t, Actor.Bot, command, now), ct: ct).ConfigureAwait(false))?.Applied == true;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string StepLabel(FollowUpStep step) => step switch
    {
        FollowUpStep.Bump => "bump",
        FollowUpStep.NotifyCoordinators => "coordinator notice",
        FollowUpStep.Escalate => "escalation",
        FollowUpStep.NudgeMentor => "mentor nudge",
        FollowUpStep.ReportStuck => "stuck-claim report",
        FollowUpStep.RemindSession => "session reminder",
        FollowUpStep.Resume => "end of a hold",
        FollowUpStep.EndOffer => "hand-over of a named-mentor request to the channel",
        _ => step.ToString(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent the {Step} for {Reference}")]
    private static partial void LogStepTaken(ILogger log, string step, string reference);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Step} for {Reference} may not have reached Slack; it will be checked and completed after a pause")]
    private static partial void LogStepInDoubt(ILogger log, Exception e, string step, string reference);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack refused every message of the {Step} for {Reference}; trying again at {RetryAt}. See the errors above and README: Troubleshooting")]
    private static partial void LogStepRefused(ILogger log, string step, string reference, DateTimeOffset retryAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Step} for {Reference} went out as the request changed state; its new follow-ups take over")]
    private static partial void LogStepOvertaken(ILogger log, string step, string reference);

    [LoggerMessage(Level = LogLevel.Error, Message = "A follow-up sweep failed; the next one will try again")]
    private static partial void LogSweepFailed(ILogger log, Exception e);
}
