using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>Who was told that a request ended, and what went wrong with its card, if anything.</summary>
public sealed record EndingNews(IReadOnlyList<string> Told, string? CardProblem);

/// <summary>
/// What everyone is told when a request ends: its channel card changes, and the people involved hear why. A mentee's
/// cancellation and a coordinator's close (from <c>/mentor-admin</c>, the queue, App Home or a follow-up DM) both come here.
/// </summary>
public sealed class RequestEnding(ChannelCard card, Storage.IMentorshipStore store)
{
    /// <summary>A cancelled or closed request: the card says so; the mentee hears who closed it and why, and a mentor who had it is freed.</summary>
    public async Task<EndingNews> AnnounceClosedAsync(Outbox outbox, MentorRequest r, string closedBy, string? reason, CancellationToken ct)
    {
        var problem = await card.TryUpdateAsync(outbox, r, RequestCard.Closed(r, closedBy, reason), ct).ConfigureAwait(false);
        var told = new List<string>();
        var why = string.IsNullOrWhiteSpace(reason) ? "." : ":\n" + Mrkdwn.Quote(reason, 2500) + "\n";
        if (closedBy != r.MenteeSlackId)
        {
            await outbox.DmAsync("mentee", r.MenteeSlackId,
                $"Your mentor request *{r.Reference}* ({Mrkdwn.Escape(r.Service)}) was closed by {Mrkdwn.User(closedBy)}{why}\n" +
                $"If you still need help, type `/mentor` to send a new request, or message {Mrkdwn.User(closedBy)}.", ct: ct).ConfigureAwait(false);
            told.Add(r.MenteeSlackId);
        }
        if (r.ClaimedBy is { } mentor && mentor != closedBy)
        {
            var shortWhy = string.IsNullOrWhiteSpace(reason) ? "" : $" ({Mrkdwn.EscapeAndTruncate(reason, 500)})";
            await outbox.DmAsync("mentor", mentor,
                $"{r.Reference} from {Mrkdwn.User(r.MenteeSlackId)} was closed by {Mrkdwn.User(closedBy)}{shortWhy}. " +
                "You don't need to follow up on it; thank you for taking it.", ct: ct).ConfigureAwait(false);
            told.Add(mentor);
        }
        return new EndingNews(told, problem);
    }

    /// <summary>What a coordinator is told once a request is closed, the same for a close and a coordinator's cancel.</summary>
    public static string ClosedSentence(MentorRequest r, string? reason, EndingNews news)
    {
        var why = reason is null ? "" : $" ({Mrkdwn.EscapeAndTruncate(reason, 500)})";
        var told = news.Told.Count == 0 ? "" : $" I've told {string.Join(" and ", news.Told.Select(Mrkdwn.User))}.";
        return $":no_entry_sign: Closed {r.Reference}{why}.{told}" + (news.CardProblem is null ? "" : $" ({news.CardProblem})");
    }

    /// <summary>A session that took place: the card says so and the mentee is asked how it went.</summary>
    public async Task AnnounceCompletedAsync(Outbox outbox, MentorRequest r, string completedBy, CancellationToken ct)
    {
        await card.TryUpdateAsync(outbox, r, RequestCard.Completed(r, completedBy), ct).ConfigureAwait(false);
        var mentor = r.ClaimedBy ?? completedBy;
        if (outbox.HasSent("mentee")) return;
        // The follow-up button names the mentor (a button's label cannot mention anyone); enrolled mentors have a name.
        var name = (await store.GetMentorAsync(mentor, ct).ConfigureAwait(false))?.Name;
        var feedback = RequestButtons.FeedbackActions(r);
        feedback["elements"]!.AsArray().Add(RequestButtons.BookFollowUpButton(r.Reference, name));
        await outbox.DmAsync("mentee", r.MenteeSlackId, $"How did your session with {Mrkdwn.User(mentor)} go? ({r.Reference})",
            BlockKit.Blocks(
            [
                BlockKit.Section($":speech_balloon: *How did it go?* {Mrkdwn.User(mentor)} marked your session for *{r.Reference}* as done.\n" +
                    $"If you'd like another session with {Mrkdwn.User(mentor)}, book a follow-up; if you'd rather meet someone else, say so and we'll find you another mentor. " +
                    "You can also rate the session from 1 to 5; only the mentor coordinators see ratings."),
                feedback,
            ]), ct).ConfigureAwait(false);
    }
}
