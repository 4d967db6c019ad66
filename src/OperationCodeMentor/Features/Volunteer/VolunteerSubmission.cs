using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary>Saves the volunteer form, then DMs the mentor what was saved and adds them to the mentors channel.</summary>
public sealed partial class VolunteerSubmission(
    IMentorshipStore store,
    SlackApiClient slack,
    MentorsChannel channel,
    BackgroundWork work,
    TimeProvider clock,
    ILogger<VolunteerSubmission> log) : IViewSubmissionHandler
{
    public string CallbackId => VolunteerModal.CallbackId;

    public async Task<SlackAck> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var form = VolunteerModal.Read(submission.State);
        var options = await store.GetOptionListsAsync(ct).ConfigureAwait(false);
        var result = await new VolunteerFormValidator(options).ValidateAsync(form, ct).ConfigureAwait(false);
        if (!result.IsValid)
            return SlackAck.Errors(result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.First().ErrorMessage));

        var profile = new MentorProfile(submission.UserId, submission.UserName, form.Skills,
            string.IsNullOrWhiteSpace(form.Bio) ? null : form.Bio.Trim(),
            form.MaxMenteesValue!.Value,
            string.IsNullOrWhiteSpace(form.TimeZone) ? null : form.TimeZone.Trim());
        work.Run("save mentor", stop => SaveAsync(profile, stop));
        return SlackAck.Empty;
    }

    private async Task SaveAsync(MentorProfile profile, CancellationToken ct)
    {
        Mentor? before;
        Mentor mentor;
        try
        {
            before = await store.GetMentorAsync(profile.SlackUserId, ct).ConfigureAwait(false);
            mentor = await store.SaveMentorAsync(profile, clock.GetUtcNow(), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The modal has closed, so this DM is the only place the mentor can learn their form was not kept.
            LogSaveFailed(log, e, profile.SlackUserId);
            await slack.SendDmAsync(profile.SlackUserId, SaveFailed, ct: ct).ConfigureAwait(false);
            return;
        }

        var inChannel = await TryInviteAsync(mentor.SlackUserId, ct).ConfigureAwait(false);
        var lines = new List<string>
        {
            before is null ? ":star2: Thanks for volunteering as a mentor! Here's what I saved:" : ":pencil: Your mentor profile is updated:",
            $"• *Skills:* {Mrkdwn.Escape(string.Join(", ", mentor.Skills))}",
            $"• *Mentees at once:* {mentor.MaxMentees}",
            $"• *Time zone:* {(mentor.TimeZone is null ? "not given" : Mrkdwn.Escape(mentor.TimeZone))}",
            $"• *Bio:* {(mentor.Bio is null ? "not given" : Mrkdwn.EscapeAndTruncate(mentor.Bio, 1200))}",
            "",
            "When a request matches your skills you'll be @mentioned in the mentors channel; press *Claim* to take it.",
        };
        if (mentor.Paused) lines.Add("You're still *paused*: type `/mentor-volunteer resume` to get mentions again.");
        if (!inChannel) lines.Add("I couldn't add you to the mentors channel myself; a mentor coordinator will invite you.");
        lines.Add("Change any of this with `/mentor-volunteer`; take a break with `/mentor-volunteer pause`.");
        await slack.SendDmAsync(mentor.SlackUserId, string.Join('\n', lines), ct: ct).ConfigureAwait(false);
    }

    private async Task<bool> TryInviteAsync(string userId, CancellationToken ct)
    {
        try
        {
            await slack.InviteAsync(await channel.GetIdAsync(ct).ConfigureAwait(false), userId, ct).ConfigureAwait(false);
            return true;
        }
        catch (SlackApiException e) when (e.Error == "already_in_channel")
        {
            return true;
        }
        catch (SlackApiException e)
        {
            LogInviteFailed(log, userId, e.Error);
            return false;
        }
    }

    public const string SaveFailed =
        "Sorry, I couldn't save your mentor profile because of a problem on our side, so nothing has changed. " +
        "Please type `/mentor-volunteer` and send the form again in a few minutes; if it keeps failing, message a mentor coordinator.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save the mentor profile of {UserId}")]
    private static partial void LogSaveFailed(ILogger log, Exception e, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not add mentor {UserId} to the mentors channel: {Error}")]
    private static partial void LogInviteFailed(ILogger log, string userId, string error);
}
