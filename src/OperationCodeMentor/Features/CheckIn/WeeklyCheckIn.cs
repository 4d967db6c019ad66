using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.CheckIn;

/// <summary>
/// Sends the weekly check-in at <c>Mentorship:CheckIn</c> (default Friday 15:00) in <c>Mentorship:TimeZone</c>: one DM to
/// each mentor holding claims. A check-in due inside quiet hours waits for their end. Each mentor's DM is durable work,
/// and the store notes on the mentor which week's check-in they were sent, so a restart (even in the middle of a week's
/// round) finishes the round without sending anyone a second one. A round missed by more than a day while the bot was
/// down is not sent late; the next comes at its usual time.
/// </summary>
public sealed partial class WeeklyCheckIn(
    IMentorshipStore store,
    WorkQueue queue,
    IOptionsMonitor<CheckInOptions> options,
    IOptionsMonitor<CoordinationOptions> coordination,
    IOptionsMonitor<ScheduleOptions> schedule,
    TimeProvider clock,
    ILogger<WeeklyCheckIn> log) : BackgroundService
{
    /// <summary>How late a round may still go out after the bot was down at its time.</summary>
    public static readonly TimeSpan CatchUpWithin = TimeSpan.FromDays(1);

    private long _nextDueTicks;
    private int _rounds;

    /// <summary>When the next round goes out; null while the check-in is off.</summary>
    public DateTimeOffset? NextDueAt => Volatile.Read(ref _nextDueTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>How many rounds have been handed to the queue since start; lets a caller wait for one without sleeping.</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (options.CurrentValue.CheckInTime is not { } when)
            {
                LogOff(log);
                Volatile.Write(ref _nextDueTicks, 0);
                return;
            }
            var zone = coordination.CurrentValue.Zone;
            var quiet = schedule.CurrentValue.GetQuietHours(zone);
            var now = clock.GetUtcNow();
            // The latest round at or before now, and when it may go out (after quiet hours).
            var round = when.NextAfter(now - TimeSpan.FromDays(7), zone);
            var roundDue = round <= now ? Defer(quiet, round) : (DateTimeOffset?)null;
            if (roundDue is { } rd && rd <= now && now - rd < CatchUpWithin)
            {
                try
                {
                    await StartRoundAsync(round, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(log, e);
                }
            }
            var next = Defer(quiet, when.NextAfter(now, zone));
            if (roundDue is { } pending && pending > now && pending < next) next = pending;
            // The timer is created before NextDueAt is published, so whoever reads NextDueAt can move the clock past it.
            var wait = Task.Delay(next - now, clock, stoppingToken);
            Volatile.Write(ref _nextDueTicks, next.UtcTicks);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static DateTimeOffset Defer(QuietHours? quiet, DateTimeOffset at) => quiet?.Defer(at) ?? at;

    /// <summary>
    /// Hands the queue one DM for each mentor holding claims who has not had this round's check-in. Keyed by mentor and
    /// round, so a round started twice is one DM each.
    /// </summary>
    public async Task StartRoundAsync(DateTimeOffset round, CancellationToken ct)
    {
        var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var due = loads.Where(l => l.OpenClaims > 0 && l.Mentor.Active && !(l.Mentor.Standing.CheckInSentAt >= round)).ToList();
        foreach (var l in due)
        {
            var mentor = l.Mentor.SlackUserId;
            await queue.EnqueueAsync(DurableWork.Of(SendCheckInJob.KindName, $"{SendCheckInJob.KindName}:{mentor}:{round.UtcTicks}", "check-in:" + mentor,
                new CheckInRound(mentor, round), mentor, "weekly check-in")).ConfigureAwait(false);
        }
        LogRound(log, round, due.Count);
        Interlocked.Increment(ref _rounds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly check-in is off (Mentorship:CheckIn is 'off')")]
    private static partial void LogOff(ILogger log);

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly check-in of {Round}: {Count} mentor(s) to ask")]
    private static partial void LogRound(ILogger log, DateTimeOffset round, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The weekly check-in could not start; the next one is still scheduled")]
    private static partial void LogFailed(ILogger log, Exception e);
}

/// <summary>One mentor's check-in of the week that began at <paramref name="Round"/>.</summary>
public sealed record CheckInRound(string Mentor, DateTimeOffset Round);

/// <summary>Sends one mentor their check-in (once, through the outbox), then notes on the mentor that this week's went out.</summary>
public sealed class SendCheckInJob(IMentorshipStore store, SlackApiClient slack) : IJobHandler
{
    public const string KindName = "weekly-check-in";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var (mentor, round) = job.Payload<CheckInRound>();
        var progress = job.Progress(new PressProgress());
        var outbox = new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        if (!outbox.HasSent("check-in"))
        {
            var requests = await CheckInMessage.RequestsAsync(store, mentor, null, ct).ConfigureAwait(false);
            // Released or completed since the round started: nothing left to ask about.
            if (requests.Count > 0)
            {
                var (text, blocks) = CheckInMessage.Build(requests, round);
                await outbox.DmAsync("check-in", mentor, text, blocks, ct).ConfigureAwait(false);
            }
        }
        await store.MarkMentorAsync(mentor, MentorMark.CheckInSent, round, ct).ConfigureAwait(false);
    }
}
