using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// What a coordinator can do to one request: pair it by hand, close it, reopen it. The slash command and the
/// buttons both come here, after checking the person is a coordinator; each method answers with the sentence to
/// show the coordinator, and tells everyone else affected.
/// </summary>
public sealed partial class RequestAdmin(
    IMentorshipStore store,
    Pairing pairing,
    RequestIntake intake,
    SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> options,
    TimeProvider clock,
    ILogger<RequestAdmin> log)
{
    /// <summary>Finds a request from what a coordinator typed (R-1042, r1042 or 1042).</summary>
    public async Task<(MentorRequest? Request, string? Problem)> FindAsync(string reference, CancellationToken ct)
    {
        if (!RequestReference.TryParse(reference, out var number))
            return (null, $"`{Mrkdwn.Escape(reference)}` isn't a request reference; they look like `R-1042`.");
        var request = await store.FindRequestByNumberAsync(number, ct).ConfigureAwait(false);
        return request is null ? (null, $"I can't find {RequestReference.Format(number)}. `/mentor-admin open` lists the open requests.") : (request, null);
    }

    public async Task<string> AssignAsync(string coordinator, MentorRequest request, string mentorSlackId, CancellationToken ct)
    {
        var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var load = loads.FirstOrDefault(l => l.Mentor.SlackUserId == mentorSlackId);
        if (load is null)
            return $"{Mrkdwn.User(mentorSlackId)} isn't enrolled as a mentor, so I can't pair them. Ask them to type `/mentor-volunteer` first, then assign {request.Reference} again.";
        if (request.MenteeSlackId == mentorSlackId)
            return $"{Mrkdwn.User(mentorSlackId)} asked for {request.Reference} themselves; choose another mentor.";
        if (NotAssignable(request, mentorSlackId) is { } problem) return problem;

        var outcome = await store.TryAssignAsync(request.Id, mentorSlackId, coordinator, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != ClaimResult.Claimed)
            return outcome.Request is null
                ? $"{request.Reference} no longer exists."
                : NotAssignable(outcome.Request, mentorSlackId) ?? $"{request.Reference} changed while you were assigning it; nothing was changed.";

        await pairing.AnnounceClaimAsync(outcome.Request!, coordinator, ct).ConfigureAwait(false);
        var notes = new List<string>();
        if (load.Mentor.Paused) notes.Add("they're paused, so check they're happy to take it");
        if (load.OpenClaims + 1 > load.Mentor.MaxMentees) notes.Add($"this puts them over their limit ({load.OpenClaims + 1} of {load.Mentor.MaxMentees} mentees)");
        return $":handshake: Paired {request.Reference} with {Mrkdwn.User(mentorSlackId)}. I've DMed them both, as for a claim." +
            (notes.Count > 0 ? $" Note: {string.Join("; ", notes)}." : "");
    }

    private static string? NotAssignable(MentorRequest r, string mentorSlackId) => r.Status switch
    {
        RequestStatus.Open => null,
        RequestStatus.Claimed when r.ClaimedBy == mentorSlackId => $"{r.Reference} is already with {Mrkdwn.User(mentorSlackId)}.",
        RequestStatus.Claimed => $"{r.Reference} is claimed by {Mrkdwn.User(r.ClaimedBy!)}. To move it, press *Release* on its card in the mentors channel, then assign it.",
        _ => $"{r.Reference} is {Describe(r.Status)}. Reopen it first with `/mentor-admin reopen {r.Reference}` if it still needs a mentor.",
    };

    public async Task<string> CloseAsync(string coordinator, MentorRequest request, string? reason, CancellationToken ct)
    {
        if (request.Status is not (RequestStatus.Open or RequestStatus.Claimed))
            return $"{request.Reference} is already {Describe(request.Status)}; nothing to close.";
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        var outcome = await store.TryCloseAsync(request.Id, coordinator, reason, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != StatusChangeResult.Changed)
            return outcome.Request is null ? $"{request.Reference} no longer exists." : $"{request.Reference} is already {Describe(outcome.Request.Status)}; nothing was changed.";

        var r = outcome.Request!;
        var cardNote = await UpdateCardAsync(r, () => RequestCard.Closed(r, coordinator, reason), ct).ConfigureAwait(false);
        var why = reason is null ? "" : $" ({Mrkdwn.EscapeAndTruncate(reason, 500)})";
        await slack.SendDmAsync(r.MenteeSlackId,
            $"Your mentor request {r.Reference} ({Mrkdwn.Escape(r.Service)}) was closed by {Mrkdwn.User(coordinator)}, a mentor coordinator{why}. " +
            $"If you still need help, type `/mentor` to send a new request, or message {Mrkdwn.User(coordinator)}.", ct: ct).ConfigureAwait(false);
        var told = Mrkdwn.User(r.MenteeSlackId);
        if (request.Status == RequestStatus.Claimed && r.ClaimedBy is { } mentor)
        {
            await slack.SendDmAsync(mentor,
                $"{r.Reference} from {Mrkdwn.User(r.MenteeSlackId)} was closed by {Mrkdwn.User(coordinator)}{why}. You don't need to follow up on it; thank you for taking it.",
                ct: ct).ConfigureAwait(false);
            told += $" and {Mrkdwn.User(mentor)}";
        }
        return $":no_entry_sign: Closed {r.Reference}{why}. I've told {told}.{cardNote}";
    }

    public async Task<string> ReopenAsync(string coordinator, MentorRequest request, CancellationToken ct)
    {
        if (request.Status != RequestStatus.Cancelled)
            return request.Status switch
            {
                RequestStatus.Open => $"{request.Reference} is already open.",
                RequestStatus.Claimed => $"{request.Reference} is claimed by {Mrkdwn.User(request.ClaimedBy!)}, not closed; there's nothing to reopen.",
                _ => $"{request.Reference} is {Describe(request.Status)}. For a follow-up session the mentee can send a new `/mentor` request.",
            };
        var outcome = await store.TryReopenAsync(request.Id, ct).ConfigureAwait(false);
        if (outcome.Result != StatusChangeResult.Changed)
            return outcome.Request is null ? $"{request.Reference} no longer exists." : $"{request.Reference} is {Describe(outcome.Request.Status)} now; nothing was changed.";

        var r = outcome.Request!;
        string cardNote;
        IReadOnlyList<string> mentioned;
        if (r.ChannelId is null || r.MessageTs is null)
        {
            // It never made it to the channel (or the post was lost): post it now, as a new request would be.
            mentioned = await intake.PostAsync(r, exclude: null, ct).ConfigureAwait(false);
            cardNote = "";
        }
        else
        {
            var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
            mentioned = MentorMatcher.Match(r.Skills, loads, options.CurrentValue.MaxMentions).Select(m => m.Mentor.SlackUserId).ToList();
            var line = RequestCard.MentionLine(mentioned, options.CurrentValue.Coordinators);
            cardNote = await UpdateCardAsync(r, () => RequestCard.Open(r, line, $":leftwards_arrow_with_hook: Reopened by {Mrkdwn.User(coordinator)}."), ct).ConfigureAwait(false);
            if (cardNote.Length == 0)
                await slack.PostMessageAsync(r.ChannelId,
                    $":leftwards_arrow_with_hook: {r.Reference} was reopened by {Mrkdwn.User(coordinator)} and needs a mentor. {Mrkdwn.Users(mentioned)}".TrimEnd(),
                    threadTs: r.MessageTs, ct: ct).ConfigureAwait(false);
        }
        await slack.SendDmAsync(r.MenteeSlackId,
            $"Good news: your mentor request {r.Reference} ({Mrkdwn.Escape(r.Service)}) is open again, so our mentors can claim it. I'll tell you who picks it up.",
            ct: ct).ConfigureAwait(false);
        var who = mentioned.Count == 0 ? "No available mentor lists its skills, so the coordinators were mentioned." : $"I mentioned {mentioned.Count} matching mentor{(mentioned.Count == 1 ? "" : "s")}.";
        return $":leftwards_arrow_with_hook: Reopened {r.Reference}; it's back in the queue. {who} I've told {Mrkdwn.User(r.MenteeSlackId)}.{cardNote}";
    }

    /// <summary>Updates the request's card; a card that can't be updated is reported, not fatal, since the change is already saved.</summary>
    private async Task<string> UpdateCardAsync(MentorRequest r, Func<(string Text, System.Text.Json.Nodes.JsonArray Blocks)> build, CancellationToken ct)
    {
        if (r.ChannelId is null || r.MessageTs is null) return "";
        try
        {
            var (text, blocks) = build();
            await slack.UpdateMessageAsync(r.ChannelId, r.MessageTs, text, blocks, ct).ConfigureAwait(false);
            return "";
        }
        catch (SlackApiException e)
        {
            LogCardFailed(log, r.Reference, e.Error);
            return $" (I couldn't update its card in the mentors channel: Slack said `{e.Error}`.)";
        }
    }

    public static string Describe(RequestStatus status) => status switch
    {
        RequestStatus.Open => "open",
        RequestStatus.Claimed => "claimed",
        RequestStatus.Completed => "completed",
        RequestStatus.Cancelled => "closed",
        _ => status.ToString().ToLowerInvariant(),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the card of {Reference}: {Error}")]
    private static partial void LogCardFailed(ILogger log, string reference, string error);
}
