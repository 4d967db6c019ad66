using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>Someone's press on a request's button (or a coordinator's command about one), as its durable work carries it.</summary>
/// <param name="Channel">Where they pressed, for a private answer; null to answer by DM.</param>
/// <param name="ResponseUrl">An ephemeral message's response URL (a <c>/mentor-admin</c> list or answer), which only it can answer.</param>
/// <param name="FromHome">They pressed on the Home tab, which is redrawn once the press is done.</param>
public sealed record Press(string Reference, string User, string? Channel = null, string? ResponseUrl = null, bool FromHome = false)
{
    /// <summary>The mentor an assignment names.</summary>
    public string? Mentor { get; init; }

    /// <summary>The mentor the coordinator saw holding the request: an assignment moves a claim only from them.</summary>
    public string? ExpectedClaimer { get; init; }

    /// <summary>What they typed: a reason for closing, a question for the mentee, a comment with a rating.</summary>
    public string? Text { get; init; }

    /// <summary>The moment they chose: the session time the pair agreed on.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>The moment a hold asked for ends.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The mentor's session report, from the report modal.</summary>
    public SessionReport? Report { get; init; }

    /// <summary>The mentee's rating of the session, 1 to 5, from the rating modal.</summary>
    public int? Stars { get; init; }

    /// <summary>The message the button was on, when the press redraws it (a check-in shows the answer given).</summary>
    public string? MessageTs { get; init; }

    /// <summary>A press on a button, answered where it was pressed.</summary>
    public static Press Of(BlockAction action, string reference)
    {
        var i = action.Interaction;
        var fromHome = Interaction.Str(i.View, "type") == "home";
        return new(reference, i.UserId, fromHome ? null : i.ChannelId, i.IsEphemeral ? i.ResponseUrl : null, fromHome);
    }

    /// <summary>
    /// The key of the durable work for one press. Slack gives every click its own <c>action_ts</c>, so a click Slack delivers
    /// twice is one piece of work, while a second click is another (which the lifecycle then answers on its own merits).
    /// </summary>
    public static string KeyOf(string kind, BlockAction action) =>
        $"{kind}:{action.Interaction.UserId}:{Interaction.Str(action.Raw, "action_ts") ?? action.Interaction.TriggerId ?? Guid.NewGuid().ToString("N")}";

    /// <summary>The durable work for this press, in its request's lane, so a request's presses happen in the order they came.</summary>
    public DurableWork Work(string kind, string key, string origin) => DurableWork.Of(kind, key, Reference, this, User, origin);
}

public enum PressStage
{
    /// <summary>Nothing done yet.</summary>
    Received,

    /// <summary>The change was about to be written (what the request was is noted); it may or may not be in the store.</summary>
    Applying,

    /// <summary>The change is in the store; what is left is telling people.</summary>
    Applied,

    /// <summary>The lifecycle said no; what is left is telling the person why.</summary>
    Refused,

    /// <summary>There is no such request.</summary>
    Gone,
}

/// <summary>How far the work for a press got, on disk with the work.</summary>
public sealed class PressProgress
{
    public PressStage Stage { get; set; }

    /// <summary>The request before the change: what announcements about who had it before need.</summary>
    public TrackedRequest? Before { get; set; }

    /// <summary>The request as the change left it.</summary>
    public TrackedRequest? After { get; set; }

    public Refusal? Refusal { get; set; }

    /// <summary>The mentor a claim or an assignment concerns, as read with the request: their profile, for the introduction.</summary>
    public Mentor? Mentor { get; set; }

    /// <summary>Whether <see cref="LastReport"/> was read with the request (<see cref="PairingRead"/>).</summary>
    public bool LastReportRead { get; set; }

    /// <summary>For a pairing, the mentee's last reported session, as read with the request: its goals go to the mentor.</summary>
    public TrackedRequest? LastReport { get; set; }

    public bool DelayNoticed { get; set; }

    /// <summary>What was sent to Slack (<see cref="Outbox"/>).</summary>
    public Dictionary<string, string?> Sent { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>What a press changed, for the feature to tell everyone, each message once through <see cref="Outbox"/>.</summary>
public sealed record PressResult(Press Press, TrackedRequest Before, TrackedRequest After, Outbox Outbox, JobContext Job)
{
    public MentorRequest Request => After.Request;

    /// <summary>The mentor the press concerned, as read with the request (<see cref="PressProgress.Mentor"/>); null for other presses.</summary>
    public Mentor? Mentor { get; init; }

    /// <summary>For a pairing, what was read with the request besides the mentor (<see cref="PressProgress.LastReport"/>); null when nothing was.</summary>
    public PairingRead? Read { get; init; }
}

/// <summary>The collaborators every press's work needs.</summary>
public sealed class PressKit(RequestChanges changes, IMentorshipStore store, SlackApiClient slack, People people, IHomeTab home, TimeProvider clock)
{
    public TimeProvider Clock => clock;

    public RequestChanges Changes => changes;
    public IMentorshipStore Store => store;
    public SlackApiClient Slack => slack;
    public People People => people;

    public Outbox Outbox(JobContext job, PressProgress progress) =>
        new(slack, job.Job, progress.Sent, ct => job.SaveAsync(progress, ct), () => job.Ride(progress));

    /// <summary>
    /// Answers the person who pressed, privately and where they pressed: through the response URL of an ephemeral list,
    /// in the conversation, or by DM from the Home tab (which is then redrawn to show the change).
    /// </summary>
    /// <param name="blocks">The answer with buttons, when it offers a next step; <paramref name="text"/> is its plain form.</param>
    public async Task ReplyAsync(Outbox outbox, Press press, string name, string text, CancellationToken ct, JsonArray? blocks = null)
    {
        // The bot's own work (a wait that ran out) has nobody to answer.
        if (press.User == Actor.Bot.UserId) return;
        if (press.ResponseUrl is not null && !press.FromHome)
        {
            var message = SlackAck.Ephemeral(text).Body!;
            message["replace_original"] = false;
            if (blocks is not null) message["blocks"] = blocks;
            await outbox.RespondAsync(name, press.ResponseUrl, message, ct).ConfigureAwait(false);
        }
        else
        {
            await outbox.TellAsync(name, press.FromHome ? null : press.Channel, press.User, text, ct, blocks).ConfigureAwait(false);
        }
    }

    public Task RedrawHomeAsync(Press press, CancellationToken ct) => press.FromHome ? home.PublishAsync(press.User, ct) : Task.CompletedTask;
}

/// <summary>
/// The work after a press on a request: the change, decided by <see cref="RequestLifecycle"/> on the request as the store
/// has it and written once (a replay after a crash finds it already made); then what everyone is told, each message once.
/// A feature says which command its press asks for, what to announce, and how to put a refusal into words.
/// </summary>
public abstract partial class PressJob(PressKit kit, ILogger log) : IJobHandler
{
    /// <summary>How long a press may be held up before the person hears it is safe and only delayed.</summary>
    internal static readonly TimeSpan DelayNoticeAfter = TimeSpan.FromMinutes(1);

    public abstract string Kind { get; }

    protected PressKit Kit => kit;

    /// <summary>The mentor whose load the command needs (the clicker of a claim, the mentor an assignment names); null for none.</summary>
    protected virtual string? LoadOf(Press press) => null;

    /// <summary>
    /// The change's first read (the request, with the mentor's load for a pairing), made with the press's own write where the
    /// store can (<see cref="IMentorshipStore.ReadWithTheWrite"/>).
    /// </summary>
    public FirstStep? FirstStepOf(DurableWork work) =>
        kit.Store.ReadsWithTheWrite && work.Payload.Deserialize<Press>(JobJson.Options) is { } press
            ? kit.Store.ReadWithTheWrite(press.Reference, LoadOf(press))
            : null;

    /// <summary>What the press asks the lifecycle to do; <paramref name="load"/> is <see cref="LoadOf"/>'s, read with the request.</summary>
    protected abstract RequestCommand Command(Press press, MentorLoad? load);

    /// <summary>
    /// Called with the change just before it is written (and again should the write lose a race): a feature may do what
    /// must come before the change and fold what it leads to into the same write (<see cref="RequestChanges.Then"/>). What
    /// it returns is written.
    /// </summary>
    protected virtual Task<Decision> BeforeWriteAsync(Decision change, Press press, Outbox outbox, CancellationToken ct) => Task.FromResult(change);

    /// <summary>Tells everyone what the change means for them (and may record further work through <see cref="PressResult.Job"/>).</summary>
    protected abstract Task AnnounceAsync(PressResult done, CancellationToken ct);

    /// <summary>The sentence for the person whose press the lifecycle refused.</summary>
    protected abstract Task<string> RefusedAsync(Refusal why, TrackedRequest current, Press press, CancellationToken ct);

    /// <summary>The answer when the request does not exist.</summary>
    protected virtual string NotFound(Press press) => RequestStatusText.Gone;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var press = job.Payload<Press>();
        var progress = job.Progress(new PressProgress());
        var outbox = kit.Outbox(job, progress);
        await NoticeDelayAsync(job, press, progress, ct).ConfigureAwait(false);

        if (progress.Stage is PressStage.Received or PressStage.Applying)
        {
            // Where the store writes the progress with its change (ProgressRide), the change and "applied, from this
            // request, to that one" are one write. Elsewhere what the request was is noted on disk before the change is
            // written: a replay after a crash finds the change made and cannot read it back, yet announcements (who held
            // it before) need it.
            using var ride = job.Ride(progress);
            async Task<Decision> NoteBefore(Decision about, CancellationToken saveCt)
            {
                about = await BeforeWriteAsync(about, press, outbox, saveCt).ConfigureAwait(false);
                progress.Before = about.Current;
                if (job.WritesWithStore)
                {
                    // What the progress will say once this write is made (every outcome below sets the stage again).
                    progress.Stage = PressStage.Applied;
                    progress.After = about.Result;
                    ride.Update(progress);
                    return about;
                }
                progress.Stage = PressStage.Applying;
                await job.SaveAsync(progress, saveCt).ConfigureAwait(false);
                return about;
            }
            var actor = kit.People.Actor(press.User);
            var decision = LoadOf(press) is { } mentor
                ? await kit.Changes.ApplyAsync(press.Reference, actor, mentor, read =>
                {
                    progress.Mentor = read.Load?.Mentor;
                    progress.LastReportRead = read.LastReportRead;
                    progress.LastReport = read.LastReport;
                    return Command(press, read.Load);
                }, job.Job.Key, ct, NoteBefore).ConfigureAwait(false)
                : await kit.Changes.ApplyAsync(press.Reference, actor, Command(press, null), job.Job.Key, ct, NoteBefore).ConfigureAwait(false);
            if (decision is null) progress.Stage = PressStage.Gone;
            else if (decision.Refused is { } why)
            {
                progress.Stage = PressStage.Refused;
                progress.Refusal = why;
                progress.After = decision.Current;
            }
            else
            {
                progress.Stage = PressStage.Applied;
                // A replay finds the change already made: what it was made from was noted just before it was written.
                if (!decision.Replayed) progress.Before = decision.Current;
                progress.Before ??= decision.Current;
                progress.After = decision.Result;
            }
            if (!ride.Taken) await job.SaveAsync(progress, ct).ConfigureAwait(false);
        }

        switch (progress.Stage)
        {
            case PressStage.Gone:
                await kit.ReplyAsync(outbox, press, "gone", NotFound(press), ct).ConfigureAwait(false);
                break;
            case PressStage.Refused:
                LogRefused(log, Kind, press.Reference, progress.Refusal!.Value);
                var sentence = await RefusedAsync(progress.Refusal.Value, progress.After!, press, ct).ConfigureAwait(false);
                await kit.ReplyAsync(outbox, press, "refused", sentence, ct).ConfigureAwait(false);
                break;
            case PressStage.Applied:
                await AnnounceAsync(new PressResult(press, progress.Before!, progress.After!, outbox, job)
                {
                    Mentor = progress.Mentor,
                    Read = progress.LastReportRead ? new PairingRead(null, true, progress.LastReport) : null,
                }, ct).ConfigureAwait(false);
                break;
        }
        await kit.RedrawHomeAsync(press, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// When the store or Slack keeps failing, the person is told once that their press is safe and only delayed, so they
    /// don't press again: a best effort, since Slack may be what is down.
    /// </summary>
    private async Task NoticeDelayAsync(JobContext job, Press press, PressProgress progress, CancellationToken ct)
    {
        if (job.Job.Attempts == 0 || kit.Clock.GetUtcNow() - job.Job.CreatedAt < DelayNoticeAfter || progress.DelayNoticed || press.User == Actor.Bot.UserId) return;
        try
        {
            await kit.Slack.TellAsync(press.FromHome ? null : press.Channel, press.User,
                $":hourglass_flowing_sand: Your press on {press.Reference} is taking longer than usual because of a problem on our side. " +
                "It will go through on its own; there's no need to press again.", ct).ConfigureAwait(false);
            progress.DelayNoticed = true;
            await job.SaveAsync(progress, ct).ConfigureAwait(false);
        }
        catch (SlackApiException e)
        {
            LogDelayNoticeFailed(log, e.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} on {Reference} changed nothing: {Refusal}")]
    private static partial void LogRefused(ILogger log, string kind, string reference, Refusal refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell someone their press is delayed: {Error}")]
    private static partial void LogDelayNoticeFailed(ILogger log, string error);
}

/// <summary>The Home tab, redrawn after a press made on it. Implemented by the Home feature.</summary>
public interface IHomeTab
{
    Task PublishAsync(string userId, CancellationToken ct);
}
