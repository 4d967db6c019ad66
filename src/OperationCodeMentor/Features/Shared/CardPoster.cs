using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// Posts a request's card in the mentors channel, mentioning the mentors whose skills match best (or, when none do, the
/// coordinators), with the Claim button. The one poster for a new request, a re-pair, and a reopened request that never
/// had a card.
/// </summary>
public sealed partial class CardPoster(IMentorshipStore store, MentorsChannel channel, IOptionsMonitor<MentorshipOptions> options, ILogger<CardPoster> log)
{
    /// <summary>The mentors to mention on a request for <paramref name="skills"/>, best matches first.</summary>
    public async Task<IReadOnlyList<string>> MentionsAsync(MentorRequest r, IReadOnlySet<string>? exclude, CancellationToken ct) =>
        Mentions(r, exclude, await store.GetMentorLoadsAsync(ct).ConfigureAwait(false));

    /// <summary>The same from mentors' loads already read.</summary>
    public IReadOnlyList<string> Mentions(MentorRequest r, IReadOnlySet<string>? exclude, IReadOnlyList<MentorLoad> loads)
    {
        var mentioned = MentorMatcher.Match(r.Skills, loads, options.CurrentValue.MaxMentions, exclude).Select(m => m.Mentor.SlackUserId).ToList();
        LogMatched(log, r.Reference, mentioned.Count);
        return mentioned;
    }

    /// <summary>Posts the card once (a replay finds the one already posted); answers where it is.</summary>
    public async Task<RequestPost> PostAsync(Outbox outbox, MentorRequest r, IReadOnlyList<string> mentioned, string? note, CancellationToken ct)
    {
        var channelId = await channel.GetIdAsync(ct).ConfigureAwait(false);
        var (text, blocks) = RequestCard.Open(r, RequestCard.MentionLine(mentioned, options.CurrentValue.Coordinators), note);
        var ts = await outbox.PostAsync("card", channelId, text, blocks, ct: ct).ConfigureAwait(false);
        return new RequestPost(channelId, ts, mentioned);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {Reference} matched {Count} mentors")]
    private static partial void LogMatched(ILogger log, string reference, int count);
}
