using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary><c>/mentor-volunteer</c> [pause | resume | help]: enrol or update, take a break, come back.</summary>
public sealed partial class VolunteerCommand(
    IMentorshipStore store,
    SlackApiClient slack,
    BackgroundWork work,
    IOptionsMonitor<MentorshipOptions> options,
    ILogger<VolunteerCommand> log) : ISlashCommandHandler
{
    public const string Name = "/mentor-volunteer";

    public string Command => Name;

    public Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken ct)
    {
        switch (command.Text.ToLowerInvariant())
        {
            case "":
                if (string.IsNullOrEmpty(command.TriggerId))
                    return Task.FromResult(SlackAck.Ephemeral("Slack didn't send what I need to open the form. Please type /mentor-volunteer again."));
                work.Run("open volunteer modal", stop => OpenModalAsync(command, stop));
                return Task.FromResult(SlackAck.Empty);
            case "pause":
            case "resume":
                var pause = command.Text.Equals("pause", StringComparison.OrdinalIgnoreCase);
                work.Run(pause ? "pause mentor" : "resume mentor", stop => SetPausedAsync(command, pause, stop));
                return Task.FromResult(SlackAck.Empty);
            case "help":
                return Task.FromResult(SlackAck.Ephemeral(Help));
            default:
                return Task.FromResult(SlackAck.Ephemeral($"I didn't understand `{Mrkdwn.Escape(command.Text)}`.\n\n{Help}"));
        }
    }

    private async Task OpenModalAsync(SlashCommand command, CancellationToken ct)
    {
        try
        {
            var lists = store.GetOptionListsAsync(ct);
            var mentor = store.GetMentorAsync(command.UserId, ct);
            var view = VolunteerModal.Build(await lists.ConfigureAwait(false), await mentor.ConfigureAwait(false), options.CurrentValue.DefaultMaxMentees);
            await slack.OpenViewAsync(command.TriggerId!, view, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SlackApiException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogOpenFailed(log, e, command.UserId);
            await slack.ReplyAsync(command,
                "Sorry, I couldn't open the volunteer form just now. Please type /mentor-volunteer again; if it keeps failing, message a mentor coordinator.", ct).ConfigureAwait(false);
        }
    }

    private async Task SetPausedAsync(SlashCommand command, bool pause, CancellationToken ct)
    {
        var mentor = await store.SetMentorPausedAsync(command.UserId, pause, ct).ConfigureAwait(false);
        var text = mentor is null
            ? "You're not enrolled as a mentor yet. Type `/mentor-volunteer` to sign up."
            : pause
                ? ":double_vertical_bar: You're paused: you won't be mentioned for new requests. Requests you've already claimed stay with you. Type `/mentor-volunteer resume` when you're ready again."
                : ":arrow_forward: Welcome back! You'll be mentioned again when a request matches your skills.";
        await slack.ReplyAsync(command, text, ct).ConfigureAwait(false);
    }

    public const string Help =
        "*/mentor-volunteer* is how mentors sign up.\n" +
        "• `/mentor-volunteer` opens a form with your skills, how many mentees you take at once, a short bio and your time zone. Run it again to change them.\n" +
        "• `/mentor-volunteer pause` stops new mentions while you're busy; `/mentor-volunteer resume` starts them again.\n" +
        "• When a request matches your skills you're @mentioned in the mentors channel; press *Claim* to take it, then DM the mentee to set up a 30-minute session.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not open the volunteer modal for {UserId}")]
    private static partial void LogOpenFailed(ILogger log, Exception e, string userId);
}
