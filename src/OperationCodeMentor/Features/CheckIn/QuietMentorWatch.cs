using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.CheckIn;

/// <summary>
/// Every <c>Mentorship:QuietMentorCheckEvery</c> (default an hour, outside quiet hours) looks for mentors who have gone
/// quiet (<see cref="QuietMentors"/>): one mentioned on request after request without claiming one or answering a
/// check-in is asked "still up for mentoring?"; one who then says nothing for <c>Mentorship:QuietMentorAnswerWithin</c>
/// is paused and told how to resume. Each message is durable work keyed by what it is about, so a look repeated (or a
/// restart) asks and pauses once.
/// </summary>
public sealed partial class QuietMentorWatch(
    IMentorshipStore store,
    WorkQueue queue,
    IOptionsMonitor<CheckInOptions> options,
    IOptionsMonitor<CoordinationOptions> coordination,
    IOptionsMonitor<ScheduleOptions> schedule,
    TimeProvider clock,
    ILogger<QuietMentorWatch> log) : BackgroundService
{
    public const string Lane = "check-in:";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.CurrentValue.QuietMentorMentions <= 0) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.QuietMentorCheckEvery, clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e);
            }
        }
    }

    /// <summary>One look: hands the queue a question or a pause for each mentor who needs one. Returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var rules = options.CurrentValue.Quiet;
        var now = clock.GetUtcNow();
        if (rules.Mentions <= 0 || schedule.CurrentValue.GetQuietHours(coordination.CurrentValue.Zone)?.Contains(now) == true) return 0;
        var loads = store.GetMentorLoadsAsync(ct);
        var recent = await store.GetActivityAsync(now - QuietMentors.Lookback, ct).ConfigureAwait(false);
        var steps = 0;
        foreach (var load in await loads.ConfigureAwait(false))
        {
            var mentor = load.Mentor.SlackUserId;
            DurableWork? work = QuietMentors.Decide(load.Mentor, recent, rules, now) switch
            {
                QuietStep.Ask ask => DurableWork.Of(AskQuietMentorJob.KindName, $"{AskQuietMentorJob.KindName}:{mentor}:{ask.Since.UtcTicks}", Lane + mentor,
                    new QuietQuestion(mentor, ask.Mentions), mentor, "quiet mentor watch"),
                QuietStep.Pause pause => DurableWork.Of(PauseQuietMentorJob.KindName, $"{PauseQuietMentorJob.KindName}:{mentor}:{pause.AskedAt.UtcTicks}", Lane + mentor,
                    new QuietPause(mentor, pause.AskedAt), mentor, "quiet mentor watch"),
                _ => null,
            };
            if (work is null) continue;
            await queue.EnqueueAsync(work).ConfigureAwait(false);
            steps++;
        }
        return steps;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for mentors who have gone quiet failed; the next look is still scheduled")]
    private static partial void LogFailed(ILogger log, Exception e);
}

public sealed record QuietQuestion(string Mentor, int Mentions);

public sealed record QuietPause(string Mentor, DateTimeOffset AskedAt);

/// <summary>The question's buttons and the words of its answers.</summary>
public static class QuietMessages
{
    public const string Yes = "quiet_mentor_yes";
    public const string PauseMe = "quiet_mentor_pause";

    public const string Resume = "Type `/mentor-volunteer resume` whenever you're ready, and you'll be mentioned again. Requests you've claimed stay with you.";

    public static (string Text, JsonArray Blocks) Question(string mentor, int mentions, TimeSpan answerWithin)
    {
        var text = ":wave: Are you still up for mentoring? " + (mentions == 1
                ? "You were @mentioned on the last request that matched your skills without taking it. "
                : $"You've been @mentioned on the last {mentions} requests that match your skills without taking one. ") +
            "That's completely fine; we'd just like to mention the mentors who have time right now. " +
            $"If I don't hear from you within {SlackDates.Duration(answerWithin)}, I'll pause your mentions (you can resume any time).";
        return ("Are you still up for mentoring?", BlockKit.Blocks(
        [
            BlockKit.Section(text),
            BlockKit.Actions("quiet_mentor", BlockKit.Button("Yes, keep me on", Yes, mentor, "primary"), BlockKit.Button("Pause me", PauseMe, mentor)),
        ]));
    }
}

/// <summary>Asks the mentor once (through the outbox), then notes the question on them.</summary>
public sealed class AskQuietMentorJob(IMentorshipStore store, SlackApiClient slack, IOptionsMonitor<CheckInOptions> options, TimeProvider clock) : IJobHandler
{
    public const string KindName = "quiet-mentor-ask";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var (mentor, mentions) = job.Payload<QuietQuestion>();
        var progress = job.Progress(new PressProgress());
        var outbox = new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        var (text, blocks) = QuietMessages.Question(mentor, mentions, options.CurrentValue.QuietMentorAnswerWithin);
        await outbox.DmAsync("question", mentor, text, blocks, ct).ConfigureAwait(false);
        await store.MarkMentorAsync(mentor, MentorMark.QuietAsked, clock.GetUtcNow(), ct).ConfigureAwait(false);
    }
}

public sealed class QuietPauseProgress
{
    public bool Paused { get; set; }
    public Dictionary<string, string?> Sent { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>No answer in time: the mentor is paused (unless they answered, claimed or checked in meanwhile) and told how to resume.</summary>
public sealed class PauseQuietMentorJob(IMentorshipStore store, SlackApiClient slack, TimeProvider clock) : IJobHandler
{
    public const string KindName = "quiet-mentor-pause";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var (mentor, askedAt) = job.Payload<QuietPause>();
        var progress = job.Progress(new QuietPauseProgress());
        if (!progress.Paused)
        {
            var m = await store.GetMentorAsync(mentor, ct).ConfigureAwait(false);
            var st = m?.Standing;
            // Heard from since the question (or already paused some other way): nothing to do.
            if (m is null || m.Paused || st!.QuietAnsweredAt >= askedAt || st.CheckInAnsweredAt >= askedAt || m.LastClaimedAt >= askedAt) return;
            await store.MarkMentorAsync(mentor, MentorMark.PausedForInactivity, clock.GetUtcNow(), ct).ConfigureAwait(false);
            progress.Paused = true;
            await job.SaveAsync(progress, ct).ConfigureAwait(false);
        }
        var outbox = new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        await outbox.DmAsync("paused", mentor,
            ":double_vertical_bar: I haven't heard back, so I've paused your mentions for now; the mentor coordinators can see this too. " + QuietMessages.Resume,
            ct: ct).ConfigureAwait(false);
    }
}

public sealed record QuietAnswer(string Mentor, bool Pause, string? Channel, string? MessageTs);

/// <summary>"Yes, keep me on" or "Pause me", pressed by the mentor the question was for.</summary>
public abstract class QuietAnswerAction(bool pause) : IBlockActionHandler
{
    public abstract string ActionId { get; }

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var i = action.Interaction;
        var mentor = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("An answer needs the mentor in 'value'.");
        if (mentor != i.UserId)
            return Task.FromResult<Handled>(SlackAck.Ephemeral($"This question was for {Mrkdwn.User(mentor)}; nothing was changed."));
        var key = $"{QuietAnswerJob.KindName}:{i.UserId}:{Interaction.Str(action.Raw, "action_ts") ?? i.TriggerId ?? Guid.NewGuid().ToString("N")}";
        return Task.FromResult(Handled.Later(DurableWork.Of(QuietAnswerJob.KindName, key, QuietMentorWatch.Lane + mentor,
            new QuietAnswer(mentor, pause, i.ChannelId, i.MessageTs), mentor, "action " + ActionId)));
    }
}

public sealed class QuietYesAction() : QuietAnswerAction(pause: false)
{
    public override string ActionId => QuietMessages.Yes;
}

public sealed class QuietPauseAction() : QuietAnswerAction(pause: true)
{
    public override string ActionId => QuietMessages.PauseMe;
}

/// <summary>
/// The answer is noted on the mentor. Pause me pauses them, as <c>/mentor-volunteer pause</c> does; Yes keeps them on,
/// and resumes them when they had been paused for not answering. The question is redrawn with the answer.
/// </summary>
public sealed class QuietAnswerJob(IMentorshipStore store, SlackApiClient slack, TimeProvider clock) : IJobHandler
{
    public const string KindName = "quiet-mentor-answer";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var (mentor, pause, channel, ts) = job.Payload<QuietAnswer>();
        var progress = job.Progress(new PressProgress());
        var outbox = new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        var before = await store.GetMentorAsync(mentor, ct).ConfigureAwait(false);
        string text;
        if (before is null)
        {
            text = "You're not enrolled as a mentor any more, so there's nothing to change. Type `/mentor-volunteer` to sign up again.";
        }
        else if (pause)
        {
            await store.MarkMentorAsync(mentor, MentorMark.QuietAnswered, clock.GetUtcNow(), ct).ConfigureAwait(false);
            await store.SetMentorPausedAsync(mentor, true, ct).ConfigureAwait(false);
            text = ":double_vertical_bar: *Paused.* Thanks for letting us know. " + QuietMessages.Resume;
        }
        else
        {
            // A Yes after the pause for no answer undoes that pause; a pause the mentor chose themselves stays theirs to lift.
            var pausedForQuiet = before.Paused && before.Standing.PausedForInactivityAt is { } p && p >= (before.Standing.QuietAskedAt ?? p);
            await store.MarkMentorAsync(mentor, MentorMark.QuietAnswered, clock.GetUtcNow(), ct).ConfigureAwait(false);
            if (pausedForQuiet) await store.SetMentorPausedAsync(mentor, false, ct).ConfigureAwait(false);
            text = pausedForQuiet
                ? ":arrow_forward: *Welcome back!* I've lifted the pause; you'll be mentioned again when a request matches your skills."
                : ":raised_hands: *Great, thank you!* You'll keep being mentioned when a request matches your skills.";
        }
        if (channel is not null && ts is not null)
            await outbox.UpdateAsync("redraw", channel, ts, text, BlockKit.Blocks([BlockKit.Section(text)]), ct).ConfigureAwait(false);
        else
            await outbox.DmAsync("reply", mentor, text, ct: ct).ConfigureAwait(false);
    }
}
