using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// DMs every coordinator the week's numbers at <c>Mentorship:Digest</c> (default Monday 09:00) in
/// <c>Mentorship:TimeZone</c>. It waits on the injected clock, so tests move time across the due moment instead of
/// sleeping. A digest missed while the bot was down is not sent late; the next one comes at its usual time.
/// </summary>
public sealed partial class WeeklyDigest(
    AdminReports reports,
    SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> mentorship,
    IOptionsMonitor<CoordinationOptions> coordination,
    TimeProvider clock,
    ILogger<WeeklyDigest> log) : BackgroundService
{
    public const int Days = 7;

    private long _nextDueTicks;
    private int _sent;

    /// <summary>When the next digest goes out; null while the digest is off or nobody would receive it.</summary>
    public DateTimeOffset? NextDueAt => Volatile.Read(ref _nextDueTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>How many digests have gone out since start; lets a caller wait for one without sleeping.</summary>
    public int Sent => Volatile.Read(ref _sent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var o = coordination.CurrentValue;
            if (o.DigestTime is not { } when || mentorship.CurrentValue.Coordinators.Count == 0)
            {
                LogOff(log);
                return;
            }
            var now = clock.GetUtcNow();
            var due = when.NextAfter(now, o.Zone);
            // The timer is created before NextDueAt is published, so whoever reads NextDueAt can move the clock past it.
            var wait = Task.Delay(due - now, clock, stoppingToken);
            Volatile.Write(ref _nextDueTicks, due.UtcTicks);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await SendAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e);
            }
        }
    }

    /// <summary>Sends the digest now to every coordinator; one who can't be reached doesn't stop the others.</summary>
    public async Task SendAsync(CancellationToken ct)
    {
        var stats = await reports.ComputeStatsAsync(Days, ct).ConfigureAwait(false);
        var (text, blocks) = StatsMessage.Build(stats, "Your weekly mentorship digest");
        foreach (var coordinator in mentorship.CurrentValue.Coordinators)
        {
            try
            {
                await slack.SendDmAsync(coordinator, "Weekly mentorship digest: " + text, blocks.DeepClone().AsArray(), ct).ConfigureAwait(false);
            }
            catch (SlackApiException e)
            {
                LogDmFailed(log, coordinator, e.Error);
            }
        }
        Interlocked.Increment(ref _sent);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly digest is off (Mentorship:Digest is 'off' or no coordinators are configured)")]
    private static partial void LogOff(ILogger log);

    [LoggerMessage(Level = LogLevel.Error, Message = "The weekly digest failed; the next one is still scheduled")]
    private static partial void LogFailed(ILogger log, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not DM the weekly digest to coordinator {UserId}: {Error}")]
    private static partial void LogDmFailed(ILogger log, string userId, string error);
}
