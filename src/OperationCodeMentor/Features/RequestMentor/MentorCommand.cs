using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary><c>/mentor</c>: opens the request modal straight after the acknowledgement.</summary>
public sealed partial class MentorCommand(IMentorshipStore store, SlackApiClient slack, RequestLimits limits, ILogger<MentorCommand> log)
    : ISlashCommandHandler
{
    public const string Name = "/mentor";

    public string Command => Name;

    public Task<Handled> HandleAsync(SlashCommand command, CancellationToken ct)
    {
        if (command.Text.Equals("help", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult<Handled>(SlackAck.Ephemeral(Help));
        if (string.IsNullOrEmpty(command.TriggerId))
            return Task.FromResult<Handled>(SlackAck.Ephemeral("Slack didn't send what I need to open the form. Please type /mentor again."));

        // The trigger expires 3 seconds after Slack sent it: open the modal first, before anything slow.
        return Task.FromResult(Handled.Later("open request modal", async stop =>
        {
            try
            {
                // The limit check runs alongside loading the form, so it adds no wait before the modal opens.
                var limit = limits.CheckBeforeFormAsync(command.UserId, stop);
                var options = await store.GetOptionListsAsync(stop).ConfigureAwait(false);
                if (await limit.ConfigureAwait(false) is { } refusal)
                {
                    await slack.ReplyAsync(command, refusal.Message, stop).ConfigureAwait(false);
                    return;
                }
                await slack.OpenViewAsync(command.TriggerId, RequestModal.Build(options), stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SlackApiException or IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogOpenFailed(log, e, command.UserId);
                await slack.ReplyAsync(command,
                    "Sorry, I couldn't open the request form just now. Please type /mentor again; if it keeps failing, message a mentor coordinator.", stop).ConfigureAwait(false);
            }
        }));
    }

    public const string Help =
        "*/mentor* asks for a 30-minute session with a volunteer mentor.\n" +
        "• Type `/mentor`, choose the kind of help and up to 5 skills, and describe what you're working on.\n" +
        "• Mentors with those skills are notified; the one who claims your request will DM you to set up the session.\n" +
        "• To ask a particular mentor, pick them under *A mentor you'd like*: they're asked first, and if they can't take it, all mentors see it.\n" +
        "• I'll DM you when it's received and again when a mentor claims it.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not open the request modal for {UserId}")]
    private static partial void LogOpenFailed(ILogger log, Exception e, string userId);
}
