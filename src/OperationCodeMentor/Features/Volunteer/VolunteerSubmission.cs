using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary>
/// The volunteer form was sent. Problems go back into the modal; a valid profile is written to durable work, which closes
/// the modal, then saved, and the mentor is told what was saved and added to the mentors channel.
/// </summary>
public sealed class VolunteerSubmission(IMentorshipStore store, IOptionsMonitor<MentorshipOptions> mentorship) : IViewSubmissionHandler
{
    public string CallbackId => VolunteerModal.CallbackId;

    /// <summary>One lane per mentor, so their profile changes and pauses happen in the order they made them.</summary>
    public static string LaneOf(string user) => "mentor:" + user;

    public async Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var form = VolunteerModal.Read(submission.State);
        var options = await store.GetOptionListsAsync(ct).ConfigureAwait(false);
        var asked = VolunteerModal.Agreements(mentorship.CurrentValue).Select(a => a.Value).ToList();
        var result = await VolunteerFormValidator.CheckAsync(form, options, asked, ct).ConfigureAwait(false);
        if (!result.IsValid)
            return SlackAck.Errors(result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.First().ErrorMessage));

        var profile = new MentorProfile(submission.UserId, submission.UserName, form.Skills,
            string.IsNullOrWhiteSpace(form.Bio) ? null : form.Bio.Trim(),
            form.MaxMenteesValue!.Value,
            string.IsNullOrWhiteSpace(form.TimeZone) ? null : form.TimeZone.Trim())
        {
            // Recorded only when the form asked; a mentor who enrolled before keeps what the store has.
            AcceptedCodeOfConduct = asked.Contains(VolunteerModal.CodeOfConduct) ? form.Agreed.Contains(VolunteerModal.CodeOfConduct) : null,
            ReadGuidebook = asked.Contains(VolunteerModal.Guidebook) ? form.Agreed.Contains(VolunteerModal.Guidebook) : null,
        };
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        return Handled.Later(DurableWork.Of(SaveMentorJob.KindName, "volunteer-view:" + viewId, LaneOf(profile.SlackUserId), profile,
            profile.SlackUserId, "view " + VolunteerModal.CallbackId));
    }
}

/// <summary>Saves a mentor's profile, then DMs them what was saved and adds them to the mentors channel.</summary>
public sealed partial class SaveMentorJob(IMentorshipStore store, SlackApiClient slack, MentorsChannel channel, TimeProvider clock, ILogger<SaveMentorJob> log)
    : IJobHandler
{
    public const string KindName = "save-mentor";

    public string Kind => KindName;

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var profile = job.Payload<MentorProfile>();
        var progress = job.Progress(new SaveProgress());
        var outbox = new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        // Whether they are new is read once, before the first save, so a replay still thanks them for volunteering.
        if (progress.WasNew is null)
        {
            progress.WasNew = await store.GetMentorAsync(profile.SlackUserId, ct).ConfigureAwait(false) is null;
            await job.SaveAsync(progress, ct).ConfigureAwait(false);
        }
        Mentor mentor;
        try
        {
            mentor = await store.SaveMentorAsync(profile, job.Job.CreatedAt, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!progress.DelayNoticed && clock.GetUtcNow() - job.Job.CreatedAt >= SaveDelayedNoticeAfter && !ct.IsCancellationRequested)
        {
            // The modal has closed, so this DM is the only place the mentor can learn why nothing has come yet.
            LogSaveFailed(log, e, profile.SlackUserId);
            await slack.SendDmAsync(profile.SlackUserId, SaveDelayed, ct: ct).ConfigureAwait(false);
            progress.DelayNoticed = true;
            await job.SaveAsync(progress, ct).ConfigureAwait(false);
            throw;
        }
        var isNew = progress.WasNew == true;

        if (progress.InChannel is null)
        {
            progress.InChannel = await TryInviteAsync(mentor.SlackUserId, ct).ConfigureAwait(false);
            await job.SaveAsync(progress, ct).ConfigureAwait(false);
        }
        var inChannel = progress.InChannel == true;
        var lines = new List<string>
        {
            isNew ? ":star2: Thanks for volunteering as a mentor! Here's what I saved:" : ":pencil: Your mentor profile is updated:",
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
        await outbox.DmAsync("saved", mentor.SlackUserId, string.Join('\n', lines), ct: ct).ConfigureAwait(false);
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

    /// <summary>How long saving a profile may be held up before the mentor hears it is safe and only delayed.</summary>
    internal static readonly TimeSpan SaveDelayedNoticeAfter = TimeSpan.FromMinutes(1);

    public const string SaveDelayed =
        "Sorry, saving your mentor profile is taking longer than usual because of a problem on our side. " +
        "There's nothing you need to do: I have your form and will save it as soon as the problem clears, then confirm it here.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save the mentor profile of {UserId}")]
    private static partial void LogSaveFailed(ILogger log, Exception e, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not add mentor {UserId} to the mentors channel: {Error}")]
    private static partial void LogInviteFailed(ILogger log, string userId, string error);
}

/// <summary>How far saving a profile got: whether they were new, whether they are in the mentors channel, and what was sent.</summary>
public sealed class SaveProgress
{
    public bool? WasNew { get; set; }
    public bool? InChannel { get; set; }
    public bool DelayNoticed { get; set; }
    public Dictionary<string, string?> Sent { get; set; } = new(StringComparer.Ordinal);
}
