using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>Why a mentee cannot send another request yet, for a message (mrkdwn) and for a modal error (plain text).</summary>
public sealed record LimitRefusal(string Message, string ModalError);

/// <summary>
/// Keeps requests fair: a mentee may have <c>Mentorship:MaxOpenRequestsPerMentee</c> waiting for a mentor at once
/// and send <c>Mentorship:MaxRequestsPer30Days</c> in any 30 days. Coordinators are exempt. Checked twice: before the
/// form opens, inside Slack's 3-second trigger window, from the store's in-memory copy where it keeps one (so opening
/// the form costs Airtable nothing); and when the form is submitted, on current data.
/// </summary>
public sealed partial class RequestLimits(IMentorshipStore store, IOptionsMonitor<MentorshipOptions> mentorship,
    IOptionsMonitor<CoordinationOptions> coordination, TimeProvider clock, ILogger<RequestLimits> log)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    /// <summary>How long the check at submission may take: Slack shows the person an error after 3 s without an answer.</summary>
    public static readonly TimeSpan RecheckDeadline = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// The check again when the form is submitted (two forms could have been open). The form only opened after the
    /// same check passed, so when the store cannot answer within <see cref="RecheckDeadline"/> (Airtable down, say)
    /// the request goes through rather than being refused for the store's sake.
    /// </summary>
    public async Task<LimitRefusal?> RecheckAsync(string menteeSlackId, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(RecheckDeadline, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            return await CheckAsync(menteeSlackId, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogRecheckSkipped(log, e.GetType().Name, e.Message);
            return null;
        }
    }

    /// <summary>
    /// The check before the form opens. It may read a copy a few minutes old, so a refusal is confirmed on current data
    /// first (a coordinator may just have closed a request in Airtable); when the store cannot answer, the copy's
    /// refusal stands, since it names the requests and says what to do.
    /// </summary>
    public async Task<LimitRefusal?> CheckBeforeFormAsync(string menteeSlackId, CancellationToken ct)
    {
        if (await CheckAsync(menteeSlackId, cached: true, ct).ConfigureAwait(false) is not { } remembered) return null;
        try
        {
            return await CheckAsync(menteeSlackId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogConfirmSkipped(log, e.GetType().Name, e.Message);
            return remembered;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not confirm a request limit on current data ({ErrorType}: {Error}); refusing from the copy in memory")]
    private static partial void LogConfirmSkipped(ILogger log, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-check the request limits at submission ({ErrorType}: {Error}); accepting the request, whose form passed the check when it opened")]
    private static partial void LogRecheckSkipped(ILogger log, string errorType, string error);

    /// <summary>Null when <paramref name="menteeSlackId"/> may send a request now, on current data.</summary>
    public Task<LimitRefusal?> CheckAsync(string menteeSlackId, CancellationToken ct) => CheckAsync(menteeSlackId, cached: false, ct);

    private async Task<LimitRefusal?> CheckAsync(string menteeSlackId, bool cached, CancellationToken ct)
    {
        var o = coordination.CurrentValue;
        if (mentorship.CurrentValue.IsCoordinator(menteeSlackId)) return null;
        if (o.MaxOpenRequestsPerMentee == 0 && o.MaxRequestsPer30Days == 0) return null;

        var now = clock.GetUtcNow();
        var since = now - Window;
        // The store lists newest first; oldest first reads better and puts the next to age out at the front.
        var listed = cached
            ? await store.GetMenteeRequestsCachedAsync(menteeSlackId, since, ct).ConfigureAwait(false)
            : await store.GetMenteeRequestsAsync(menteeSlackId, since, ct).ConfigureAwait(false);
        var mine = listed.Reverse().ToList();

        var waiting = mine.Where(r => r.Status == RequestStatus.Open).ToList();
        if (o.MaxOpenRequestsPerMentee > 0 && waiting.Count >= o.MaxOpenRequestsPerMentee)
        {
            var refs = string.Join(", ", waiting.Select(r => r.Reference));
            var count = o.MaxOpenRequestsPerMentee == 1 ? "one request" : $"{o.MaxOpenRequestsPerMentee} requests";
            return new LimitRefusal(
                $":hourglass_flowing_sand: You already have {count} waiting for a mentor ({refs}), which is the limit, so I haven't opened a new form. " +
                "You can send another as soon as a mentor claims it. If what you need has changed, message a mentor coordinator and they can update or close it.",
                $"You already have {count} waiting for a mentor ({refs}). You can send another once a mentor claims it.");
        }

        var recent = mine.Where(r => r.CreatedAt > since).ToList();
        if (o.MaxRequestsPer30Days > 0 && recent.Count >= o.MaxRequestsPer30Days)
        {
            // The limit frees up when enough of the oldest requests in the window age out of it.
            var freesAt = recent[recent.Count - o.MaxRequestsPer30Days].CreatedAt + Window;
            var sent = recent.Count == 1 ? "a mentor request" : $"{recent.Count} mentor requests";
            return new LimitRefusal(
                $":hourglass_flowing_sand: You've sent {sent} in the last 30 days, and the limit is {o.MaxRequestsPer30Days}, " +
                $"so I haven't opened a new form. You can send another from {SlackDates.When(freesAt)}. " +
                "If something urgent comes up before then, message a mentor coordinator.",
                $"You've sent {(recent.Count == 1 ? "a request" : $"{recent.Count} requests")} in the last 30 days (the limit is {o.MaxRequestsPer30Days}). You can send another from {SlackDates.Plain(freesAt, o.Zone)}.");
        }
        return null;
    }
}
