using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Requests;

/// <summary>
/// A mentor's or mentee's button whose work failed after the acknowledgement (the store or Slack erred): they are told
/// to press it again rather than left waiting for an answer that never comes. Every such button is safe to press twice.
/// A coordinator's buttons answer through <see cref="Admin.AdminGuard"/> instead.
/// </summary>
public static class PressFailure
{
    public const string Message =
        "Sorry, that didn't go through because of a problem on our side. Please press the button again in a minute; if it keeps failing, message a mentor coordinator.";

    /// <summary>Runs <paramref name="work"/>; if it fails, tells <paramref name="user"/> and rethrows, so the failure is still logged.</summary>
    public static async Task RunAsync(SlackApiClient slack, string? channel, string user, Func<Task> work, CancellationToken ct)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            try
            {
                await slack.TellAsync(channel, user, Message, ct).ConfigureAwait(false);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Slack may be what failed; the original error is the one worth logging.
            }
            throw;
        }
    }
}
