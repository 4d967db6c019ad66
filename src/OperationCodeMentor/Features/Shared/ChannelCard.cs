using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// Redraws a request's message in the mentors channel after a change that is already saved. A card Slack won't update
/// (deleted, channel archived) is logged and reported, not thrown, so the people involved are still told; a Slack outage
/// is thrown, so the work is tried again.
/// </summary>
public sealed partial class ChannelCard(ILogger<ChannelCard> log)
{
    /// <summary>Null when the card shows the change (or there is no card); otherwise a sentence for the coordinator.</summary>
    public async Task<string?> TryUpdateAsync(Outbox outbox, MentorRequest r, (string Text, JsonArray Blocks) card, CancellationToken ct)
    {
        if (r.ChannelId is null || r.MessageTs is null) return null;
        try
        {
            await outbox.UpdateAsync("card", r.ChannelId, r.MessageTs, card.Text, card.Blocks, ct).ConfigureAwait(false);
            return null;
        }
        catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
        {
            LogCardFailed(log, r.Reference, e.Error);
            return $"I couldn't update its card in the mentors channel: Slack said `{e.Error}`.";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the card of {Reference}: {Error}")]
    private static partial void LogCardFailed(ILogger log, string reference, string error);
}
