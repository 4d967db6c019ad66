using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Home;

/// <summary>A button on the Home tab: do the thing after the acknowledgement, then redraw the tab so it shows the result.</summary>
public abstract class HomeButton(AppHome home, SlackApiClient slack, BackgroundWork work) : IBlockActionHandler
{
    public abstract string ActionId { get; }

    protected SlackApiClient Slack => slack;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var user = action.Interaction.UserId;
        var value = action.Value;
        work.Run(ActionId, async stop =>
        {
            await PressFailure.RunAsync(slack, channel: null, user, () => RunAsync(user, value, stop), stop).ConfigureAwait(false);
            await home.PublishAsync(user, stop).ConfigureAwait(false);
        });
        return Task.FromResult(SlackAck.Empty);
    }

    protected abstract Task RunAsync(string user, string? value, CancellationToken ct);
}

/// <summary>Claim on the Home tab: the very same claim as the button in the mentors channel.</summary>
public sealed class HomeClaimButton(ClaimAction claim, AppHome home, SlackApiClient slack, BackgroundWork work) : HomeButton(home, slack, work)
{
    public override string ActionId => AppHome.ClaimActionId;

    protected override Task RunAsync(string user, string? value, CancellationToken ct) =>
        string.IsNullOrEmpty(value) ? Task.CompletedTask : claim.ClaimAsync(value, user, channel: null, ct);
}

/// <summary>Pause and Resume on the Home tab: the same store call as <c>/mentor-volunteer pause</c> and <c>resume</c>.</summary>
public sealed class HomePauseButton(IMentorshipStore store, SlackApiClient slack, AppHome home, BackgroundWork work, bool pause) : HomeButton(home, slack, work)
{
    public override string ActionId => pause ? AppHome.PauseActionId : AppHome.ResumeActionId;

    protected override async Task RunAsync(string user, string? value, CancellationToken ct)
    {
        if (await store.SetMentorPausedAsync(user, pause, ct).ConfigureAwait(false) is null)
            await Slack.SendDmAsync(user, "You're not enrolled as a mentor yet. Type `/mentor-volunteer` to sign up.", ct: ct).ConfigureAwait(false);
    }
}
