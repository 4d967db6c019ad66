using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// DMs every coordinator the week's numbers at <c>Mentorship:Digest</c> (default Monday 09:00) in
/// <c>Mentorship:TimeZone</c>. It waits on the injected clock, so tests move time across the due moment instead of
/// sleeping. A digest missed while the bot was down is not sent late; the next one comes at its usual time. Each week's
/// digest is durable work keyed by its due moment, so replicas sharing a database send it once between them.
/// </summary>
public sealed partial class WeeklyDigest(
    DigestSender sender,
    WorkQueue queue,
    IOptionsMonitor<MentorshipOptions> mentorship,
    IOptionsMonitor<CoordinationOptions> coordination,
    TimeProvider clock,
    ILogger<WeeklyDigest> log) : BackgroundService
{
    public const int Days = DigestSender.Days;

    private long _nextDueTicks;

    /// <summary>When the next digest goes out; null while the digest is off or nobody would receive it.</summary>
    public DateTimeOffset? NextDueAt => Volatile.Read(ref _nextDueTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>How many digests this process has sent since start; lets a caller wait for one without sleeping.</summary>
    public int Sent => sender.Sent;

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
                await queue.EnqueueAsync(DurableWork.Of(SendDigestJob.KindName, $"{SendDigestJob.KindName}:{due.UtcTicks}", "digest",
                    new DigestRound(due), origin: "weekly digest")).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e);
            }
        }
    }

    /// <summary>Sends the digest now to every coordinator; one who can't be reached doesn't stop the others.</summary>
    public Task SendAsync(CancellationToken ct) => sender.SendAsync(new HashSet<string>(StringComparer.Ordinal), _ => Task.CompletedTask, ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly digest is off (Mentorship:Digest is 'off' or no coordinators are configured)")]
    private static partial void LogOff(ILogger log);

    [LoggerMessage(Level = LogLevel.Error, Message = "The weekly digest could not be handed to the queue; the next one is still scheduled")]
    private static partial void LogFailed(ILogger log, Exception e);
}

public sealed record DigestRound(DateTimeOffset Due);

/// <summary>The coordinators a week's digest has reached, on disk with its job, so a rerun DMs nobody twice.</summary>
public sealed class DigestProgress
{
    public HashSet<string> SentTo { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One week's digest, run once however many replicas reached its moment.</summary>
public sealed class SendDigestJob(DigestSender sender) : IJobHandler
{
    public const string KindName = "weekly-digest";

    public string Kind => KindName;

    public Task RunAsync(JobContext job, CancellationToken ct)
    {
        var progress = job.Progress(new DigestProgress());
        return sender.SendAsync(progress.SentTo, c => job.SaveAsync(progress, ct), ct);
    }
}

/// <summary>Builds the week's numbers and DMs them to each coordinator.</summary>
public sealed partial class DigestSender(AdminReports reports, SlackApiClient slack, IOptionsMonitor<MentorshipOptions> mentorship, ILogger<DigestSender> log)
{
    public const int Days = 7;

    private int _sent;

    public int Sent => Volatile.Read(ref _sent);

    /// <summary>DMs every coordinator not in <paramref name="sentTo"/>, adding each and calling <paramref name="saved"/> after each DM.</summary>
    public async Task SendAsync(ISet<string> sentTo, Func<string, Task> saved, CancellationToken ct)
    {
        var stats = await reports.ComputeStatsAsync(Days, ct).ConfigureAwait(false);
        var (text, blocks) = StatsMessage.Build(stats, "Your weekly mentorship digest");
        foreach (var coordinator in mentorship.CurrentValue.Coordinators)
        {
            if (sentTo.Contains(coordinator)) continue;
            try
            {
                await slack.SendDmAsync(coordinator, "Weekly mentorship digest: " + text, blocks.DeepClone().AsArray(), ct).ConfigureAwait(false);
            }
            catch (SlackApiException e)
            {
                // Slack refused this one for good (no such user, say): the others still get theirs.
                LogDmFailed(log, coordinator, e.Error);
            }
            sentTo.Add(coordinator);
            await saved(coordinator).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _sent);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not DM the weekly digest to coordinator {UserId}: {Error}")]
    private static partial void LogDmFailed(ILogger log, string userId, string error);
}
