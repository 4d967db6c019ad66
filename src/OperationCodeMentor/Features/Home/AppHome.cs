using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Home;

/// <summary>
/// The bot's Home tab, built for whoever opens it: everyone sees their own requests (with their place in the queue
/// while open), mentors also see their claims, the open requests that match their skills and a pause switch, and
/// coordinators also see the queue and the headline numbers. Each part has a block budget so the whole view stays
/// within Slack's 100 blocks however long the queue gets.
/// </summary>
public sealed class AppHome(IMentorshipStore store, AdminReports reports, ClaimWaits waits, SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> options, TimeProvider clock) : IHomeTab
{

    public const int HeadlineDays = 30;
    public static readonly TimeSpan MenteeHistory = TimeSpan.FromDays(90);
    public const int MaxOwnRequests = 10;
    public const int MaxMatching = 15;
    public const int MaxQueueEntries = 5;
    public const int MaxHeld = 5;
    public const int MaxRecentReports = 5;

    public async Task PublishAsync(string userId, CancellationToken ct) =>
        await slack.PublishViewAsync(userId, await BuildAsync(userId, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    public async Task<JsonObject> BuildAsync(string userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var isCoordinator = options.CurrentValue.IsCoordinator(userId);
        var openTask = store.GetOpenRequestsAsync(ct);
        var mineTask = store.GetMenteeRequestsAsync(userId, now - MenteeHistory, ct);
        var loadsTask = store.GetMentorLoadsAsync(ct);
        var open = await openTask.ConfigureAwait(false);
        var mine = await mineTask.ConfigureAwait(false);
        var loads = await loadsTask.ConfigureAwait(false);
        var me = loads.FirstOrDefault(l => l.Mentor.SlackUserId == userId);

        var blocks = new List<JsonObject>
        {
            BlockKit.Header("Operation Code mentorship"),
            BlockKit.Context($"Hi {Mrkdwn.User(userId)}! This page shows where things stand as of {SlackDates.When(now)}; it refreshes each time you open it."),
        };
        // Each waiting request says how long ones like it have usually waited (the history is shared and cached).
        var waiting = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var r in mine.Take(MaxOwnRequests).Where(r => r.Status == RequestStatus.Open))
            waiting[r.Reference] = await waits.SentenceAsync(r.Skills, ct).ConfigureAwait(false);
        // A mentor's claims come with their sessions in the one read of their history.
        var holding = me is null ? [] : (await store.GetMentorHistoryTrackedAsync(userId, 50, ct).ConfigureAwait(false))
            .Where(t => t.Request.Status == RequestStatus.Claimed).ToList();
        var claims = holding.Select(t => t.Request).ToList();
        var sessions = await SessionsAsync(holding, mine.Where(r => r.Status == RequestStatus.Claimed).Take(MaxOwnRequests), ct).ConfigureAwait(false);
        blocks.AddRange(Mentee(mine, open, sessions, waiting, now));
        if (me is not null) blocks.AddRange(Mentor(me, claims, open, sessions, now));
        if (isCoordinator)
        {
            var held = store.GetHeldRequestsAsync(ct);
            var reported = store.GetReportedSessionsAsync(null, MaxRecentReports * 4, ct);
            var stats = await reports.ComputeStatsAsync(HeadlineDays, open, loads, ct).ConfigureAwait(false);
            blocks.AddRange(Coordinator(stats, open, loads, await held.ConfigureAwait(false), now));
            blocks.Add(RecentReports(await reported.ConfigureAwait(false)));
        }
        return BlockKit.Home(blocks);
    }

    /// <summary>
    /// The session of each claimed request shown, for the times the pairs set: those of the mentor's claims as read with
    /// them, and those of the viewer's own claimed requests (seldom more than one) read here, unless they are the
    /// viewer's claims as well.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, RequestSession>> SessionsAsync(IReadOnlyList<TrackedRequest> claims,
        IEnumerable<MentorRequest> ownClaimed, CancellationToken ct)
    {
        var sessions = claims.ToDictionary(t => t.Reference, t => t.Session, StringComparer.Ordinal);
        var read = await Task.WhenAll(ownClaimed.Select(r => r.Reference).Distinct(StringComparer.Ordinal)
            .Where(reference => !sessions.ContainsKey(reference))
            .Select(reference => store.GetRequestAsync(reference, ct))).ConfigureAwait(false);
        foreach (var t in read.OfType<TrackedRequest>()) sessions[t.Reference] = t.Session;
        return sessions;
    }

    private static RequestSession? SessionOf(IReadOnlyDictionary<string, RequestSession> sessions, MentorRequest r) =>
        sessions.GetValueOrDefault(r.Reference);

    private static IEnumerable<JsonObject> Mentee(IReadOnlyList<MentorRequest> mine, IReadOnlyList<MentorRequest> open,
        IReadOnlyDictionary<string, RequestSession> sessions, IReadOnlyDictionary<string, string?> waiting, DateTimeOffset now)
    {
        yield return BlockKit.Header("Your requests");
        if (mine.Count == 0)
        {
            yield return BlockKit.Section("You haven't asked for a mentor lately. Type `/mentor` in any channel to ask for a 30-minute session with a volunteer mentor.");
            yield break;
        }
        foreach (var r in mine.Take(MaxOwnRequests))
            yield return BlockKit.Section(OwnItems.MenteeRequest(r, open, now, SessionOf(sessions, r)) +
                (waiting.GetValueOrDefault(r.Reference) is { } wait ? "\n:stopwatch: " + wait : ""));
        if (mine.Count > MaxOwnRequests)
            yield return BlockKit.Context($"…and {mine.Count - MaxOwnRequests} earlier request{(mine.Count - MaxOwnRequests == 1 ? "" : "s")}.");
    }

    private static IEnumerable<JsonObject> Mentor(MentorLoad me, IReadOnlyList<MentorRequest> claims, IReadOnlyList<MentorRequest> open,
        IReadOnlyDictionary<string, RequestSession> sessions, DateTimeOffset now)
    {
        var m = me.Mentor;
        yield return BlockKit.Divider();
        yield return BlockKit.Header("Mentoring");
        var state = m.Paused
            ? ":double_vertical_bar: You're *paused*: you won't be @mentioned for new requests."
            : ":white_check_mark: You're *active*: you're @mentioned when a request matches your skills.";
        yield return BlockKit.Section($"{state}\nYou hold {me.OpenClaims} of {m.MaxMentees} mentee{(m.MaxMentees == 1 ? "" : "s")}.",
            m.Paused ? BlockKit.Button("Resume", HomeResumeAction.Id, "resume", "primary") : BlockKit.Button("Pause", HomePauseAction.Id, "pause"));
        if (!me.HasCapacity)
            yield return BlockKit.Section($":no_entry: *You're at capacity* ({me.OpenClaims} of {m.MaxMentees}). Release a request or raise your limit with `/mentor-volunteer` to claim another.");

        yield return BlockKit.Section(claims.Count == 0
            ? "*Your claims:* none right now."
            : "*Your claims*\n" + BlockKit.Lines(claims.Select(r => "• " + OwnItems.MentorClaim(r, SessionOf(sessions, r))).ToList(), 20));

        var skills = new HashSet<string>(m.Skills, StringComparer.OrdinalIgnoreCase);
        var matching = open.Where(r => r.MenteeSlackId != m.SlackUserId && r.Skills.Any(skills.Contains)).ToList();
        if (matching.Count == 0)
        {
            yield return BlockKit.Section("*Open requests for your skills:* none right now. Thank you for being ready!");
            yield break;
        }
        yield return BlockKit.Section($"*Open requests for your skills* ({matching.Count}), oldest first" +
            (me.HasCapacity ? "" : ". Claim buttons come back when you have room."));
        foreach (var r in matching.Take(MaxMatching))
        {
            var text = $"*{r.Reference}* · waiting {SlackDates.Duration(now - r.CreatedAt)} · {Mrkdwn.EscapeAndTruncate(r.Service, 200)} · " +
                       $"{Mrkdwn.EscapeAndTruncate(string.Join(", ", r.Skills), 400)}\n>{Mrkdwn.EscapeAndTruncate(r.Details.ReplaceLineEndings(" "), 300)}";
            yield return me.HasCapacity ? BlockKit.Section(text, RequestButtons.ClaimButton(r)) : BlockKit.Section(text);
        }
        if (matching.Count > MaxMatching)
            yield return BlockKit.Context($"…and {matching.Count - MaxMatching} more in the mentors channel.");
    }

    private static IEnumerable<JsonObject> Coordinator(ProgramStats stats, IReadOnlyList<MentorRequest> open, IReadOnlyList<MentorLoad> loads,
        IReadOnlyList<TrackedRequest> held, DateTimeOffset now)
    {
        var heldUntil = AdminReports.HeldUntil(held);
        yield return BlockKit.Divider();
        yield return BlockKit.Header("Coordinating");
        yield return BlockKit.Section(StatsMessage.QueueSummary(stats));
        yield return BlockKit.Section(StatsMessage.Headline(stats, HeadlineDays) +
            (stats.QuietMentorsAsked + stats.PausedForInactivity.Count > 0
                ? $" · mentors asked if still mentoring: {stats.QuietMentorsAsked}, paused for no answer: {stats.PausedForInactivity.Count}"
                : "") +
            "\nWeekly check-in *Need help* notes from mentors come to you by DM. `/mentor-admin stats` has the rest; `/mentor-admin help` lists what you can do.");
        foreach (var r in open.Take(MaxQueueEntries))
            foreach (var block in QueueMessage.Entry(r, loads, now, QueueMessage.HeldUntil(heldUntil, r)))
                yield return block;
        if (open.Count > MaxQueueEntries)
            yield return BlockKit.Context($"…and {open.Count - MaxQueueEntries} more open request{(open.Count - MaxQueueEntries == 1 ? "" : "s")}: `/mentor-admin open` lists them all.");
        if (held.Count == 0) yield break;
        yield return BlockKit.Section($"*On hold* ({held.Count}): no reminders until each comes back by itself, soonest first.");
        foreach (var t in held.Take(MaxHeld))
        {
            var r = t.Request;
            var state = r.Status == RequestStatus.Claimed && r.ClaimedBy is { } mentor ? $"claimed by {Mrkdwn.User(mentor)}" : "open";
            yield return BlockKit.Section(
                $"*{r.Reference}* · {state} · {Mrkdwn.EscapeAndTruncate(r.Service, 200)} · from {Mrkdwn.User(r.MenteeSlackId)}\n" +
                $":double_vertical_bar: On hold until {SlackDates.When(t.Session.OnHoldUntil!.Value)}" + (t.Session.OnHoldBy is { } by ? $" (by {Mrkdwn.User(by)})" : ""),
                RequestButtons.EndHoldButton(r.Reference));
        }
        if (held.Count > MaxHeld)
            yield return BlockKit.Context($"…and {held.Count - MaxHeld} more on hold: `/mentor-admin resume R-…` ends any of them.");
    }

    /// <summary>The latest session reports, for coordinators only (a session only rated is left to the mentor report).</summary>
    private static JsonObject RecentReports(IReadOnlyList<TrackedRequest> sessions)
    {
        var reported = sessions.Where(t => t.Session.Report is not null).Take(MaxRecentReports).ToList();
        return BlockKit.Section(reported.Count == 0
            ? "*Latest session reports:* none filed yet."
            : "*Latest session reports* (private to coordinators; `/mentor-admin report R-1042` shows one in full)\n" +
              BlockKit.Lines(reported.Select(t => SessionReportText.Entry(t, showMentor: true)).ToList()));
    }
}
