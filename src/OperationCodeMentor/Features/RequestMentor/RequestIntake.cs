using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>
/// Takes a valid request the rest of the way: store it, find the mentors to mention, post it to the mentors
/// channel with a Claim button, and tell the mentee what happens next.
/// </summary>
public sealed partial class RequestIntake(
    IMentorshipStore store,
    SlackApiClient slack,
    MentorsChannel channel,
    IOptionsMonitor<MentorshipOptions> options,
    ILogger<RequestIntake> log)
{
    public async Task<MentorRequest> SubmitAsync(NewMentorRequest n, CancellationToken ct)
    {
        MentorRequest request;
        try
        {
            request = await store.CreateRequestAsync(n, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing was stored: say so, and hand the mentee back what they wrote so nothing is lost.
            LogStoreFailed(log, e, n.MenteeSlackId);
            await slack.SendDmAsync(n.MenteeSlackId,
                "Sorry, I couldn't save your mentor request because of a problem on our side. Please send /mentor again in a few minutes. " +
                "Here is what you wrote, so you can paste it back in:\n>>> " + Mrkdwn.EscapeAndTruncate(n.Details, 2500), ct: ct).ConfigureAwait(false);
            throw;
        }

        using var scope = log.BeginRequestScope(request.Reference);
        await PostAsync(request, exclude: null, ct).ConfigureAwait(false);
        await slack.SendDmAsync(request.MenteeSlackId, Received(request),
            BlockKit.Blocks([BlockKit.Section(Received(request)), BlockKit.Actions("request_actions", FollowUpBlocks.CancelButton(request))]), ct).ConfigureAwait(false);
        return request;
    }

    /// <summary>Posts a stored request to the mentors channel, mentioning the best matches (or the coordinators).</summary>
    public async Task<IReadOnlyList<string>> PostAsync(MentorRequest request, IReadOnlySet<string>? exclude, CancellationToken ct, string? note = null)
    {
        var o = options.CurrentValue;
        var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var matches = MentorMatcher.Match(request.Skills, loads, o.MaxMentions, exclude);
        var mentioned = matches.Select(m => m.Mentor.SlackUserId).ToList();
        LogMatched(log, request.Reference, mentioned.Count);

        var channelId = await channel.GetIdAsync(ct).ConfigureAwait(false);
        var (text, blocks) = RequestCard.Open(request, RequestCard.MentionLine(mentioned, o.Coordinators), note);
        var posted = await slack.PostMessageAsync(channelId, text, blocks, ct: ct).ConfigureAwait(false);
        await store.SetRequestPostAsync(request.Id, posted.Channel, posted.Ts, mentioned, ct).ConfigureAwait(false);
        return mentioned;
    }

    private static string Received(MentorRequest r) =>
        $":white_check_mark: Thanks! We received your mentor request *{r.Reference}* ({Mrkdwn.Escape(r.Service)}: {Mrkdwn.Escape(string.Join(", ", r.Skills))}).\n\n" +
        "*What happens next:* we've shared it with mentors who have those skills. When one of them claims it, I'll DM you their name, " +
        "and they'll reach out to set up a 30-minute session (a Slack chat, a call, or screen sharing). " +
        "It usually takes a few days; a mentor coordinator keeps an eye on every request until it's paired.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a mentor request from {UserId}")]
    private static partial void LogStoreFailed(ILogger log, Exception e, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {Reference} matched {Count} mentors")]
    private static partial void LogMatched(ILogger log, string reference, int count);
}
