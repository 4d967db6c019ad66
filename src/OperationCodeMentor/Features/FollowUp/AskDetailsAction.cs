using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>"Ask for details": a coordinator writes a question, and the mentee gets it by DM (seed step: reach out to
/// mentees whose requests lack the detail needed to pair them).</summary>
public sealed class AskDetailsAction(StaffModal modal) : IBlockActionHandler
{
    public const string Id = "followup_ask_details";
    public const string CallbackId = "followup_ask_details_modal";
    public const int MinQuestion = 5;

    public string ActionId => Id;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct) => modal.OpenAsync(action, r => new StaffModal.Form(
        CallbackId, "Ask for details",
        $"Your question goes to {Mrkdwn.User(r.MenteeSlackId)} by DM from the bot, with your name on it, so they can reply to you directly.",
        "Your question", "What would help a mentor say yes? For example: which project, what you've tried, what a good session looks like.",
        "Send question", MinQuestion));
}

public sealed class AskDetailsSubmission(StaffModal modal, SlackApiClient slack, BackgroundWork work) : IViewSubmissionHandler
{
    public string CallbackId => AskDetailsAction.CallbackId;

    public async Task<SlackAck> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var (request, question, errors) = await modal.ReadAsync(submission, AskDetailsAction.MinQuestion, ct).ConfigureAwait(false);
        if (errors is not null) return errors;
        var coordinator = submission.UserId;
        work.Run("ask mentee for details", stop => SendAsync(request!, coordinator, question, stop));
        return SlackAck.Empty;
    }

    private async Task SendAsync(MentorRequest r, string coordinator, string question, CancellationToken ct)
    {
        await slack.SendDmAsync(r.MenteeSlackId,
            $":speech_balloon: {Mrkdwn.User(coordinator)}, a mentor coordinator, has a question about your mentor request *{r.Reference}*:\n" +
            $">>> {Mrkdwn.EscapeAndTruncate(question, StaffModal.MaxText + 500)}\n\n" +
            $"Please reply to {Mrkdwn.User(coordinator)} in a direct message; the more we know, the faster we can pair you with the right mentor.",
            ct: ct).ConfigureAwait(false);
        await slack.SendDmAsync(coordinator, $"Sent your question about {r.Reference} to {Mrkdwn.User(r.MenteeSlackId)}; they've been asked to reply to you directly.", ct: ct).ConfigureAwait(false);
    }
}
