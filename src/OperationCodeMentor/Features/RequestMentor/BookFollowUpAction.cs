using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>
/// "Book a follow-up with …" in the mentee's "How did it go?" DM opens the /mentor form with that mentor chosen and the
/// earlier request's service and skills filled in. A form rather than an instant request: the mentee says what the next
/// session is about, can still change the mentor or the skills, and the same checks apply as for any request (the fair
/// limits; the mentor must still be enrolled and not paused), each shown in the form with nothing typed lost.
/// </summary>
public sealed partial class BookFollowUpAction(IMentorshipStore store, SlackApiClient slack, RequestLimits limits, ILogger<BookFollowUpAction> log)
    : IBlockActionHandler
{
    public const string Id = RequestButtons.BookFollowUp;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("Book a follow-up needs the request in 'value'.");
        var i = action.Interaction;
        return Task.FromResult(Handled.Later("open follow-up request modal", async stop =>
        {
            try
            {
                if (string.IsNullOrEmpty(i.TriggerId))
                {
                    await slack.TellAsync(i.ChannelId, i.UserId, "Slack didn't send what I need to open the form. Please press the button again.", stop).ConfigureAwait(false);
                    return;
                }
                // The trigger expires 3 seconds after the click: everything is read at once.
                var limit = limits.CheckBeforeFormAsync(i.UserId, stop);
                var earlier = store.GetRequestAsync(reference, stop);
                var options = await store.GetOptionListsAsync(stop).ConfigureAwait(false);
                var tracked = await earlier.ConfigureAwait(false);
                if (tracked is null || tracked.Request.MenteeSlackId != i.UserId || (tracked.Request.ClaimedBy ?? tracked.Outcome.CompletedBy) is not { } mentor)
                {
                    await slack.TellAsync(i.ChannelId, i.UserId, $"Only the mentee of a session can book a follow-up from it. Type `/mentor` to ask for a mentor.", stop).ConfigureAwait(false);
                    return;
                }
                if (await limit.ConfigureAwait(false) is { } refusal)
                {
                    await slack.TellAsync(i.ChannelId, i.UserId, refusal.Message, stop).ConfigureAwait(false);
                    return;
                }
                var r = tracked.Request;
                await slack.OpenViewAsync(i.TriggerId, RequestModal.Build(options, new RequestModal.Prefill(mentor, r.Service, r.Skills)), stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SlackApiException or IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogOpenFailed(log, e, i.UserId);
                await slack.TellAsync(i.ChannelId, i.UserId,
                    "Sorry, I couldn't open the request form just now. Please press the button again, or type `/mentor`.", stop).ConfigureAwait(false);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not open the follow-up request modal for {UserId}")]
    private static partial void LogOpenFailed(ILogger log, Exception e, string userId);
}
