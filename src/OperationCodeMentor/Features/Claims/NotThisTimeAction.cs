using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Claims;

/// <summary>
/// "Not this time", pressed by the mentor a request was offered to first: acknowledged at once, then, as durable work in
/// the request's lane, the offer ends and the request goes to the mentors channel as usual (<see cref="OfferEndJob"/>).
/// </summary>
public sealed class NotThisTimeAction : IBlockActionHandler
{
    public const string Id = RequestButtons.NotThisTime;

    public string ActionId => Id;

    public Task<Handled> HandleAsync(BlockAction action, CancellationToken ct)
    {
        var reference = action.Value is { Length: > 0 } v ? v : throw new SlackPayloadException("Not this time needs the request in 'value'.");
        return Task.FromResult(Handled.Later(Press.Of(action, reference).Work(OfferEndJob.KindName, Press.KeyOf(OfferEndJob.KindName, action), "action " + Id)));
    }
}
