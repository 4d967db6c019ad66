using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Requests;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>
/// Takes a valid request the rest of the way: find the mentors to mention, post it to the mentors channel with a
/// Claim button, store it with where it was posted, and tell the mentee what happens next.
/// </summary>
public sealed partial class RequestIntake(
    IMentorshipStore store,
    SlackApiClient slack,
    MentorsChannel channel,
    IOptionsMonitor<MentorshipOptions> options,
    ILogger<RequestIntake> log)
{
    /// <summary>
    /// Finishes an acknowledged submission: number it, post its card, store it together with where the card is, and
    /// confirm it to the mentee. Posting before storing makes the request one write to the store, not two. Every step
    /// records its intent in the job's progress before its side effect, and a rerun after a crash checks whether that
    /// side effect happened (the store by submission key, Slack by reading the conversation back), so each happens once.
    /// </summary>
    public async Task<MentorRequest> CompleteAsync(PendingJob job, Func<CancellationToken, Task> saveProgress, CancellationToken ct)
    {
        var progress = job.Progress;
        var submission = RequestIntakeJob.Read(job);
        // The queue runs outside the request that acknowledged the submission, so its log scopes start here.
        using var userScope = log.BeginSlackUserScope(submission.MenteeSlackId, "view", RequestModal.CallbackId);
        await NoticeDelayAsync(job, submission, saveProgress, ct).ConfigureAwait(false);

        MentorRequest? request = null;
        if (progress["requestId"]?.ToString() is { } id)
            request = await store.GetRequestAsync(id, ct).ConfigureAwait(false)
                ?? throw new PermanentJobFailure($"Request {id} of submission {job.Key} is no longer in the store.");
        if (request is null && progress["creating"] is not null
            && await store.FindRequestBySubmissionAsync(job.Key, ct).ConfigureAwait(false) is { } found)
        {
            // Stored by a run that stopped before noting it.
            request = found;
            progress["requestId"] = found.Id;
            await saveProgress(ct).ConfigureAwait(false);
        }
        var postRefused = false;
        if (request is null)
        {
            if (progress[RequestIntakeJob.NumberProgress] is null)
            {
                progress[RequestIntakeJob.NumberProgress] = await store.ReserveRequestNumberAsync(ct).ConfigureAwait(false);
                await saveProgress(ct).ConfigureAwait(false);
            }
            var numbered = submission with { Number = progress[RequestIntakeJob.NumberProgress]!.GetValue<long>() };
            using var numberScope = log.BeginRequestScope(RequestReference.Format(numbered.Number.Value));
            RequestPost? post = null;
            Exception? postFailure = null;
            try
            {
                post = await PostBeforeStoringAsync(numbered, progress, saveProgress, ct).ConfigureAwait(false);
            }
            catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
            {
                // Slack said no about this channel (not_in_channel, channel_not_found): retrying now would hold up
                // every request behind this one. The request is stored, and the follow-up sweep posts it in full.
                LogPostRefused(log, RequestReference.Format(numbered.Number.Value), e.Error, SlackErrors.Advice(e.Error));
                postRefused = true;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Slack is failing: store the request anyway, so coordinators see it while the queue keeps trying to post.
                postFailure = e;
            }
            progress["creating"] = true;
            await saveProgress(ct).ConfigureAwait(false);
            request = await store.CreateRequestAsync(numbered with { Post = post }, ct).ConfigureAwait(false);
            progress["requestId"] = request.Id;
            await saveProgress(ct).ConfigureAwait(false);
            if (postFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(postFailure);
        }

        using var scope = log.BeginRequestScope(request.Reference);
        if (request.MessageTs is null && !postRefused)
        {
            // Stored while Slack was failing (or by an earlier version that stored first): post it now, once.
            var channelId = await channel.GetIdAsync(ct).ConfigureAwait(false);
            // Cards posted by versions that stored first were marked with the request's ID.
            var posted = progress["posting"] is null ? null
                : await slack.FindMarkedMessageAsync(channelId, null, RequestCard.Marker(request), request.CreatedAt, ct).ConfigureAwait(false)
                    ?? await slack.FindMarkedMessageAsync(channelId, null, "request-" + request.Id, request.CreatedAt, ct).ConfigureAwait(false);
            if (posted is not null)
            {
                LogAlreadyPosted(log, request.Reference);
                await store.SetRequestPostAsync(request.Id, channelId, posted, Mentioned(progress), ct).ConfigureAwait(false);
            }
            else
            {
                progress["posting"] = true;
                await saveProgress(ct).ConfigureAwait(false);
                try
                {
                    await PostAsync(request, exclude: null, ct, retry: SlackRetry.OnlyIfNotSent).ConfigureAwait(false);
                }
                catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
                {
                    LogPostRefused(log, request.Reference, e.Error, SlackErrors.Advice(e.Error));
                }
            }
        }

        if (progress["confirmed"] is null)
        {
            var dm = await slack.OpenDmAsync(request.MenteeSlackId, ct).ConfigureAwait(false);
            var marker = "received-" + request.Id;
            var sent = progress["confirming"] is not null
                && await slack.FindMarkedMessageAsync(dm, null, marker, request.CreatedAt, ct).ConfigureAwait(false) is not null;
            if (!sent)
            {
                progress["confirming"] = true;
                await saveProgress(ct).ConfigureAwait(false);
                try
                {
                    await slack.PostMessageAsync(dm, Received(request),
                        BlockKit.Blocks([BlockKit.Section(Received(request), marker), BlockKit.Actions("request_actions", FollowUpBlocks.CancelButton(request))]),
                        ct: ct, retry: SlackRetry.OnlyIfNotSent).ConfigureAwait(false);
                }
                catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
                {
                    // This person cannot be messaged; the request itself is stored and posted.
                    LogConfirmRefused(log, request.Reference, e.Error);
                }
            }
            progress["confirmed"] = true;
            await saveProgress(ct).ConfigureAwait(false);
        }
        return request;
    }

    /// <summary>
    /// Posts the card of a numbered request that is not stored yet, or finds the one an interrupted run already posted.
    /// Its Claim button names the request by reference, the only name it has so far.
    /// </summary>
    private async Task<RequestPost> PostBeforeStoringAsync(NewMentorRequest numbered, JsonObject progress, Func<CancellationToken, Task> saveProgress,
        CancellationToken ct)
    {
        var reference = RequestReference.Format(numbered.Number!.Value);
        var draft = new MentorRequest(reference, reference, numbered.MenteeSlackId, numbered.MenteeName, numbered.Service, numbered.Skills,
            numbered.Details, numbered.Affiliation, RequestStatus.Open, numbered.CreatedAt, null, null, null, null, 0, null, null, []);
        var channelId = await channel.GetIdAsync(ct).ConfigureAwait(false);
        if (progress["posting"] is not null
            && await slack.FindMarkedMessageAsync(channelId, null, RequestCard.Marker(draft), draft.CreatedAt, ct).ConfigureAwait(false) is { } ts)
        {
            LogAlreadyPosted(log, reference);
            return new RequestPost(channelId, ts, Mentioned(progress));
        }
        return await PostCardAsync(draft, exclude: null, note: null, SlackRetry.OnlyIfNotSent, async mentioned =>
        {
            progress["posting"] = true;
            progress["mentioned"] = new JsonArray(mentioned.Select(m => (JsonNode?)m).ToArray());
            await saveProgress(ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
    }

    private static List<string> Mentioned(JsonObject progress) =>
        progress["mentioned"] is JsonArray a ? a.Select(m => m?.ToString()).OfType<string>().ToList() : [];

    /// <summary>
    /// When the store or Slack keeps failing, tell the mentee once that their request is safe and only delayed:
    /// a best effort, since Slack may be the thing that is down.
    /// </summary>
    private async Task NoticeDelayAsync(PendingJob job, NewMentorRequest submission, Func<CancellationToken, Task> saveProgress, CancellationToken ct)
    {
        if (job.Attempts < DelayNoticeAfterAttempts || job.Progress["delayNoticed"] is not null) return;
        try
        {
            await slack.SendDmAsync(submission.MenteeSlackId,
                ":hourglass_flowing_sand: We have your mentor request, but a technical problem on our side is holding it up. " +
                "There's nothing you need to do: it will reach our mentors as soon as the problem clears, and I'll confirm it here.", ct: ct).ConfigureAwait(false);
            job.Progress["delayNoticed"] = true;
            await saveProgress(ct).ConfigureAwait(false);
        }
        catch (SlackApiException e)
        {
            LogDelayNoticeFailed(log, e.Error);
        }
    }

    /// <summary>Attempts (about a minute of retries) before the mentee hears their request is delayed.</summary>
    internal const int DelayNoticeAfterAttempts = 6;

    /// <summary>Posts a stored request to the mentors channel, mentioning the best matches (or the coordinators).</summary>
    public async Task<IReadOnlyList<string>> PostAsync(MentorRequest request, IReadOnlySet<string>? exclude, CancellationToken ct,
        string? note = null, SlackRetry retry = SlackRetry.Always)
    {
        var posted = await PostCardAsync(request, exclude, note, retry, beforePosting: null, ct).ConfigureAwait(false);
        await store.SetRequestPostAsync(request.Id, posted.ChannelId, posted.MessageTs, posted.Mentioned, ct).ConfigureAwait(false);
        return posted.Mentioned;
    }

    private async Task<RequestPost> PostCardAsync(MentorRequest request, IReadOnlySet<string>? exclude, string? note, SlackRetry retry,
        Func<IReadOnlyList<string>, Task>? beforePosting, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var loads = await store.GetMentorLoadsAsync(ct).ConfigureAwait(false);
        var matches = MentorMatcher.Match(request.Skills, loads, o.MaxMentions, exclude);
        var mentioned = matches.Select(m => m.Mentor.SlackUserId).ToList();
        LogMatched(log, request.Reference, mentioned.Count);

        var channelId = await channel.GetIdAsync(ct).ConfigureAwait(false);
        var (text, blocks) = RequestCard.Open(request, RequestCard.MentionLine(mentioned, o.Coordinators), note);
        if (beforePosting is not null) await beforePosting(mentioned).ConfigureAwait(false);
        var posted = await slack.PostMessageAsync(channelId, text, blocks, ct: ct, retry: retry).ConfigureAwait(false);
        return new RequestPost(posted.Channel, posted.Ts, mentioned);
    }

    private static string Received(MentorRequest r) =>
        $":white_check_mark: Thanks! We received your mentor request *{r.Reference}* ({Mrkdwn.Escape(r.Service)}: {Mrkdwn.Escape(string.Join(", ", r.Skills))}).\n\n" +
        "*What happens next:* we've shared it with mentors who have those skills. When one of them claims it, I'll DM you their name, " +
        "and they'll reach out to set up a 30-minute session (a Slack chat, a call, or screen sharing). " +
        "It usually takes a few days; a mentor coordinator keeps an eye on every request until it's paired.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {Reference} was already in the mentors channel before a restart; not posting it again")]
    private static partial void LogAlreadyPosted(ILogger log, string reference);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack refused to post {Reference} to the mentors channel ({Error}); it is stored and the follow-up sweep will post it. {Advice}")]
    private static partial void LogPostRefused(ILogger log, string reference, string error, string advice);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack refused the confirmation DM for {Reference} ({Error}); the request is stored and posted")]
    private static partial void LogConfirmRefused(ILogger log, string reference, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell a mentee their request is delayed: {Error}")]
    private static partial void LogDelayNoticeFailed(ILogger log, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {Reference} matched {Count} mentors")]
    private static partial void LogMatched(ILogger log, string reference, int count);
}
