using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// A button whose value is a request ID: acknowledged at once, handled after the acknowledgement, and answered
/// privately when the request no longer exists or the work fails. Subclasses decide who may press it and what it does.
/// </summary>
public abstract class RequestButton(IMentorshipStore store, SlackApiClient slack, BackgroundWork work) : IBlockActionHandler
{
    public abstract string ActionId { get; }

    protected IMentorshipStore Store => store;

    protected SlackApiClient Slack => slack;

    public Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var requestId = action.Value;
        var user = action.Interaction.UserId;
        var channel = action.Interaction.ChannelId;
        if (string.IsNullOrEmpty(requestId)) throw new SlackPayloadException($"The {ActionId} button needs the request in 'value'.");
        work.Run(ActionId, stop => PressFailure.RunAsync(slack, channel, user, async () =>
        {
            var request = await store.GetRequestAsync(requestId, stop).ConfigureAwait(false);
            if (request is null) await slack.TellAsync(channel, user, RequestStatusText.Gone, stop).ConfigureAwait(false);
            else await PressedAsync(request, user, channel, stop).ConfigureAwait(false);
        }, stop));
        return Task.FromResult(SlackAck.Empty);
    }

    /// <summary>Runs after the acknowledgement, with the request as it is now.</summary>
    protected abstract Task PressedAsync(MentorRequest request, string user, string? channel, CancellationToken ct);
}
