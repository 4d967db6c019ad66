using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// What a coordinator can do to one request: pair it by hand, close it, reopen it, ask its mentee for details. Every
/// entry point comes here (the slash command, the queue and App Home buttons, the buttons on the follow-up DMs) after
/// checking who is asking; each method answers with the sentence to show the coordinator, and tells everyone else affected.
/// </summary>
public sealed class RequestAdmin(
    IMentorshipStore store,
    Pairing pairing,
    RequestEnding ending,
    RequestIntake intake,
    ChannelCard card,
    SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> options,
    TimeProvider clock)
{
    /// <summary>Finds a request from what a coordinator typed (R-1042, r1042 or 1042).</summary>
    public async Task<(MentorRequest? Request, string? Problem)> FindAsync(string reference, CancellationToken ct)
    {
        if (!RequestReference.TryParse(reference, out var number))
            return (null, $"`{Mrkdwn.Escape(reference)}` isn't a request reference; they look like `R-1042`.");
        var request = await store.FindRequestByNumberAsync(number, ct).ConfigureAwait(false);
        return request is null ? (null, $"I can't find {RequestReference.Format(number)}. `/mentor-admin open` lists the open requests.") : (request, null);
    }

    /// <summary>
    /// Pairs <paramref name="request"/> with a mentor, sending the same DMs as a claim. An open request is assigned; a
    /// claimed one only moves when <paramref name="expectedClaimer"/> names the mentor holding it (a stuck-claim report),
    /// so a mentor who claimed it while the coordinator was choosing keeps it.
    /// </summary>
    public async Task<string> AssignAsync(string coordinator, MentorRequest request, string mentorSlackId, string? expectedClaimer, CancellationToken ct)
    {
        var load = await store.GetMentorLoadAsync(mentorSlackId, ct).ConfigureAwait(false);
        if (load is null)
            return $"{Mrkdwn.User(mentorSlackId)} isn't enrolled as a mentor, so I can't pair them. Ask them to type `/mentor-volunteer` first, then assign {request.Reference} again.";
        if (request.MenteeSlackId == mentorSlackId)
            return $"{Mrkdwn.User(mentorSlackId)} asked for {request.Reference} themselves; choose another mentor.";
        if (NotAssignable(request, mentorSlackId, expectedClaimer) is { } problem) return problem;

        var outcome = await store.TryAssignAsync(request.Id, mentorSlackId, coordinator, expectedClaimer, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != ClaimResult.Claimed)
            return outcome.Request is null
                ? $"{request.Reference} no longer exists."
                : NotAssignable(outcome.Request, mentorSlackId, expectedClaimer) ?? $"{request.Reference} changed while you were assigning it; nothing was changed.";

        var r = outcome.Request!;
        var cardProblem = await pairing.AnnounceClaimAsync(r, coordinator, ct).ConfigureAwait(false);
        var previous = request.Status == RequestStatus.Claimed ? request.ClaimedBy : null;
        if (previous is not null)
        {
            await slack.SendDmAsync(previous, $"{Mrkdwn.User(coordinator)} has passed {r.Reference} from {Mrkdwn.User(r.MenteeSlackId)} to {Mrkdwn.User(mentorSlackId)}, " +
                "so you don't need to follow up on it. Thank you for your time!", ct: ct).ConfigureAwait(false);
        }
        var notes = new List<string>();
        if (load.Mentor.Paused) notes.Add("they're paused, so check they're happy to take it");
        if (load.OpenClaims + 1 > load.Mentor.MaxMentees) notes.Add($"this puts them over their limit ({load.OpenClaims + 1} of {load.Mentor.MaxMentees} mentees)");
        return $":handshake: Paired {r.Reference} with {Mrkdwn.User(mentorSlackId)}. I've DMed them both, as for a claim" +
            (previous is null ? "." : $", and told {Mrkdwn.User(previous)} they can let it go.") +
            (notes.Count > 0 ? $" Note: {string.Join("; ", notes)}." : "") + Note(cardProblem);
    }

    private static string? NotAssignable(MentorRequest r, string mentorSlackId, string? expectedClaimer) => r.Status switch
    {
        RequestStatus.Open => null,
        RequestStatus.Claimed when r.ClaimedBy == mentorSlackId => $"{r.Reference} is already with {Mrkdwn.User(mentorSlackId)}.",
        RequestStatus.Claimed when expectedClaimer is not null && r.ClaimedBy == expectedClaimer => null,
        RequestStatus.Claimed => $"{r.Reference} is claimed by {Mrkdwn.User(r.ClaimedBy!)}. To move it, press *Release* on its card in the mentors channel, then assign it.",
        _ => $"{r.Reference} is {RequestStatusText.Word(r.Status)}. Reopen it first with `/mentor-admin reopen {r.Reference}` if it still needs a mentor.",
    };

    /// <summary>Closes an open or claimed request: its card says who closed it and why, the mentee is told, and so is a mentor who had it.</summary>
    public async Task<string> CloseAsync(string coordinator, MentorRequest request, string? reason, CancellationToken ct)
    {
        if (request.Status is not (RequestStatus.Open or RequestStatus.Claimed))
            return $"{request.Reference} is already {RequestStatusText.Word(request.Status)}; nothing to close.";
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        var outcome = await store.TryCloseAsync(request.Id, coordinator, reason, allowClaimed: true, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
            return outcome.Request is null ? $"{request.Reference} no longer exists." : $"{request.Reference} is already {RequestStatusText.Word(outcome.Request.Status)}; nothing was changed.";

        var r = outcome.Request!;
        var news = await ending.AnnounceClosedAsync(r, coordinator, reason, ct).ConfigureAwait(false);
        var why = reason is null ? "" : $" ({Mrkdwn.EscapeAndTruncate(reason, 500)})";
        var told = news.Told.Count == 0 ? "" : $" I've told {string.Join(" and ", news.Told.Select(Mrkdwn.User))}.";
        return $":no_entry_sign: Closed {r.Reference}{why}.{told}{Note(news.CardProblem)}";
    }

    public async Task<string> ReopenAsync(string coordinator, MentorRequest request, CancellationToken ct)
    {
        if (request.Status != RequestStatus.Cancelled)
            return request.Status switch
            {
                RequestStatus.Open => $"{request.Reference} is already open.",
                RequestStatus.Claimed => $"{request.Reference} is claimed by {Mrkdwn.User(request.ClaimedBy!)}, not closed; there's nothing to reopen.",
                _ => $"{request.Reference} is {RequestStatusText.Word(request.Status)}. For a follow-up session the mentee can send a new `/mentor` request.",
            };
        var outcome = await store.TryReopenAsync(request.Id, ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
            return outcome.Request is null ? $"{request.Reference} no longer exists." : $"{request.Reference} is {RequestStatusText.Word(outcome.Request.Status)} now; nothing was changed.";

        var r = outcome.Request!;
        string? cardProblem = null;
        IReadOnlyList<string> mentioned;
        if (r.ChannelId is null || r.MessageTs is null)
        {
            // It never made it to the channel (or the post was lost): post it now, as a new request would be.
            mentioned = await intake.PostAsync(r, exclude: null, ct).ConfigureAwait(false);
        }
        else
        {
            var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
            mentioned = MentorMatcher.Match(r.Skills, loads, options.CurrentValue.MaxMentions).Select(m => m.Mentor.SlackUserId).ToList();
            var line = RequestCard.MentionLine(mentioned, options.CurrentValue.Coordinators);
            cardProblem = await card.TryUpdateAsync(r, RequestCard.Open(r, line, $":leftwards_arrow_with_hook: Reopened by {Mrkdwn.User(coordinator)}."), ct).ConfigureAwait(false);
            if (cardProblem is null)
                await slack.PostMessageAsync(r.ChannelId,
                    $":leftwards_arrow_with_hook: {r.Reference} was reopened by {Mrkdwn.User(coordinator)} and needs a mentor. {Mrkdwn.Users(mentioned)}".TrimEnd(),
                    threadTs: r.MessageTs, ct: ct).ConfigureAwait(false);
        }
        await slack.SendDmAsync(r.MenteeSlackId,
            $"Good news: your mentor request {r.Reference} ({Mrkdwn.Escape(r.Service)}) is open again, so our mentors can claim it. I'll tell you who picks it up.",
            ct: ct).ConfigureAwait(false);
        var who = mentioned.Count == 0 ? "No available mentor lists its skills, so the coordinators were mentioned." : $"I mentioned {mentioned.Count} matching mentor{(mentioned.Count == 1 ? "" : "s")}.";
        return $":leftwards_arrow_with_hook: Reopened {r.Reference}; it's back in the queue. {who} I've told {Mrkdwn.User(r.MenteeSlackId)}.{Note(cardProblem)}";
    }

    /// <summary>DMs the mentee a coordinator's question about their request, signed, so they can answer the coordinator directly.</summary>
    public async Task<string> AskDetailsAsync(string coordinator, MentorRequest r, string question, CancellationToken ct)
    {
        await slack.SendDmAsync(r.MenteeSlackId,
            $":speech_balloon: {Mrkdwn.User(coordinator)}, from the mentorship team, has a question about your mentor request *{r.Reference}*:\n" +
            $"{Mrkdwn.Quote(question, CoordinatorModal.MaxText + 500)}\n\n" +
            $"Please reply to {Mrkdwn.User(coordinator)} in a direct message; the more we know, the faster we can pair you with the right mentor.",
            ct: ct).ConfigureAwait(false);
        return $"Sent your question about {r.Reference} to {Mrkdwn.User(r.MenteeSlackId)}; they've been asked to reply to you directly.";
    }

    private static string Note(string? cardProblem) => cardProblem is null ? "" : $" ({cardProblem})";
}
