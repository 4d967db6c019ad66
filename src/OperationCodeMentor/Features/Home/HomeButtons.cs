using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Home;

/// <summary>Pause and Resume on the Home tab: the same change as <c>/mentor-volunteer pause</c> and <c>resume</c>, then the tab is redrawn.</summary>
public abstract class HomePauseButton(bool pause) : IBlockActionHandler
{
    public abstract string ActionId { get; }

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var user = action.Interaction.UserId;
        var key = $"{HomePauseJob.KindName}:{user}:{Interaction.Str(action.Raw, "action_ts") ?? Guid.NewGuid().ToString("N")}";
        return Task.FromResult(Handled.Later(DurableWork.Of(HomePauseJob.KindName, key, HomePauseJob.LaneOf(user), new HomePause(user, pause), user, "action " + ActionId)));
    }
}

public sealed class HomePauseAction() : HomePauseButton(pause: true)
{
    public const string Id = "home_pause";

    public override string ActionId => Id;
}

public sealed class HomeResumeAction() : HomePauseButton(pause: false)
{
    public const string Id = "home_resume";

    public override string ActionId => Id;
}

public sealed record HomePause(string User, bool Pause);

/// <summary>Pauses or resumes the mentor, then redraws their tab to show it.</summary>
public sealed class HomePauseJob(IMentorshipStore store, SlackApiClient slack, IHomeTab home) : IJobHandler
{
    public const string KindName = "home-pause";

    public string Kind => KindName;

    /// <summary>One lane per mentor, so their pause and resume happen in the order they pressed them.</summary>
    public static string LaneOf(string user) => "mentor:" + user;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var (user, pause) = job.Payload<HomePause>();
        var progress = job.Progress(new PressProgress());
        if (await store.SetMentorPausedAsync(user, pause, ct).ConfigureAwait(false) is null)
            await new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c))
                .DmAsync("not-enrolled", user, "You're not enrolled as a mentor yet. Type `/mentor-volunteer` to sign up.", ct: ct).ConfigureAwait(false);
        await home.PublishAsync(user, ct).ConfigureAwait(false);
    }
}
