using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary><c>/mentor-volunteer</c> [pause | resume | help]: enrol or update, take a break, come back.</summary>
public sealed partial class VolunteerCommand(
    IMentorshipStore store,
    SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> options,
    ILogger<VolunteerCommand> log) : ISlashCommandHandler
{
    public const string Name = "/mentor-volunteer";

    public string Command => Name;

    public Task<Handled> HandleAsync(SlashCommand command, CancellationToken ct) => Task.FromResult(Handle(command));

    private Handled Handle(SlashCommand command)
    {
        switch (command.Text.ToLowerInvariant())
        {
            case "":
                if (string.IsNullOrEmpty(command.TriggerId))
                    return SlackAck.Ephemeral("Slack didn't send what I need to open the form. Please type /mentor-volunteer again.");
                return Handled.Later("open volunteer modal", stop => OpenModalAsync(command, stop));
            case "pause":
            case "resume":
                var pause = command.Text.Equals("pause", StringComparison.OrdinalIgnoreCase);
                // A change someone asked for: on disk before Slack hears "ok", in the mentor's lane.
                var key = $"{PauseJob.KindName}:{command.UserId}:{command.TriggerId ?? Guid.NewGuid().ToString("N")}";
                return Handled.Later(DurableWork.Of(PauseJob.KindName, key, VolunteerSubmission.LaneOf(command.UserId),
                    new PauseRequest(command.UserId, pause, command.ResponseUrl), command.UserId, "command " + Name));
            case "help":
                return SlackAck.Ephemeral(Help);
            default:
                return SlackAck.Ephemeral($"I didn't understand `{Mrkdwn.Escape(command.Text)}`.\n\n{Help}");
        }
    }

    private async Task OpenModalAsync(SlashCommand command, CancellationToken ct)
    {
        try
        {
            var lists = store.GetOptionListsAsync(ct);
            var mentor = store.GetMentorAsync(command.UserId, ct);
            var view = VolunteerModal.Build(await lists.ConfigureAwait(false), await mentor.ConfigureAwait(false), options.CurrentValue.DefaultMaxMentees,
                VolunteerModal.Agreements(options.CurrentValue));
            await slack.OpenViewAsync(command.TriggerId!, view, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SlackApiException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogOpenFailed(log, e, command.UserId);
            await slack.ReplyAsync(command,
                "Sorry, I couldn't open the volunteer form just now. Please type /mentor-volunteer again; if it keeps failing, message a mentor coordinator.", ct).ConfigureAwait(false);
        }
    }

    public const string Help =
        "*/mentor-volunteer* is how mentors sign up.\n" +
        "• `/mentor-volunteer` opens a form with your skills, how many mentees you take at once, a short bio and your time zone. Run it again to change them.\n" +
        "• `/mentor-volunteer pause` stops new mentions while you're busy; `/mentor-volunteer resume` starts them again.\n" +
        "• When a request matches your skills you're @mentioned in the mentors channel; press *Claim* to take it, then DM the mentee to set up a 30-minute session.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not open the volunteer modal for {UserId}")]
    private static partial void LogOpenFailed(ILogger log, Exception e, string userId);
}

public sealed record PauseRequest(string User, bool Pause, string? ResponseUrl);

/// <summary><c>/mentor-volunteer pause</c> and <c>resume</c>: the change, then the mentor is told where they typed it.</summary>
public sealed class PauseJob(IMentorshipStore store, SlackApiClient slack) : IJobHandler
{
    public const string KindName = "pause-mentor";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var (user, pause, responseUrl) = job.Payload<PauseRequest>();
        var mentor = await store.SetMentorPausedAsync(user, pause, ct).ConfigureAwait(false);
        var text = mentor is null
            ? "You're not enrolled as a mentor yet. Type `/mentor-volunteer` to sign up."
            : pause
                ? ":double_vertical_bar: You're paused: you won't be mentioned for new requests. Requests you've already claimed stay with you. Type `/mentor-volunteer resume` when you're ready again."
                : ":arrow_forward: Welcome back! You'll be mentioned again when a request matches your skills.";
        var progress = job.Progress(new Shared.PressProgress());
        var outbox = new Shared.Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        if (responseUrl is not null) await outbox.RespondAsync("reply", responseUrl, new System.Text.Json.Nodes.JsonObject { ["response_type"] = "ephemeral", ["text"] = text }, ct).ConfigureAwait(false);
        else await outbox.DmAsync("reply", user, text, ct: ct).ConfigureAwait(false);
    }
}
