using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>
/// The mentee pressed "Send request". Problems go back into the modal; a valid request is written to the durable
/// queue, which closes the modal, and is posted, stored and confirmed after the acknowledgement.
/// </summary>
public sealed class RequestSubmission(IMentorshipStore store, RequestLimits limits, TimeProvider clock)
    : IViewSubmissionHandler
{
    public string CallbackId => RequestModal.CallbackId;

    public async Task<Handled> HandleAsync(Interaction submission, CancellationToken ct)
    {
        var form = RequestModal.Read(submission.State);
        var limit = limits.RecheckAsync(submission.UserId, ct);
        var options = await store.GetOptionListsAsync(ct).ConfigureAwait(false);
        // Checked again here: with two forms open, the second submission must not get past the limit.
        if (await limit.ConfigureAwait(false) is { } refusal)
            return SlackAck.Errors(new Dictionary<string, string> { [RequestModal.DetailsBlock] = refusal.ModalError });
        var result = await RequestFormValidator.CheckAsync(form, options, ct).ConfigureAwait(false);
        var errors = result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.First().ErrorMessage);
        if (await MentorProblemAsync(form.PreferredMentor, submission.UserId, ct).ConfigureAwait(false) is { } problem)
            errors[RequestModal.MentorBlock] = problem;
        // Slack keeps everything typed in the modal and shows each message under its field: nothing is lost.
        if (errors.Count > 0) return SlackAck.Errors(errors);

        var request = new IntakeRequest(submission.UserId, submission.UserName, form.Service!, form.Skills,
            form.Details!.Trim(), form.Affiliation!, clock.GetUtcNow())
        {
            PreferredMentor = form.PreferredMentor,
        };
        // On disk before Slack hears "ok": from here on a crash or an outage only delays the request.
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        return Handled.Later(RequestIntake.Submission(viewId, request, "view " + RequestModal.CallbackId));
    }

    /// <summary>Why the chosen mentor cannot be asked first (plain text, for the modal); null when they can, or none was chosen.</summary>
    private async Task<string?> MentorProblemAsync(string? mentorId, string menteeId, CancellationToken ct)
    {
        if (mentorId is null) return null;
        if (mentorId == menteeId) return "You can't ask yourself to be your mentor. Choose someone else, or leave this empty.";
        var mentor = await store.GetMentorAsync(mentorId, ct).ConfigureAwait(false);
        if (mentor is null || !mentor.Active)
            return "That person isn't one of our mentors. Choose a mentor who has signed up (with /mentor-volunteer), or leave this empty and all our mentors will see it.";
        if (mentor.Paused)
            return "That mentor has paused mentoring for now. Choose another mentor, or leave this empty and all our mentors will see it.";
        return null;
    }
}
