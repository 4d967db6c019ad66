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
        var result = await new RequestFormValidator(options).ValidateAsync(form, ct).ConfigureAwait(false);
        if (!result.IsValid)
            return SlackAck.Errors(result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.First().ErrorMessage));

        var request = new IntakeRequest(submission.UserId, submission.UserName, form.Service!, form.Skills,
            form.Details!.Trim(), form.Affiliation!, clock.GetUtcNow());
        // On disk before Slack hears "ok": from here on a crash or an outage only delays the request.
        var viewId = Interaction.Str(submission.View, "id") ?? throw new SlackPayloadException("A view_submission needs 'view.id'.");
        return Handled.Later(RequestIntake.Submission(viewId, request, "view " + RequestModal.CallbackId));
    }
}
