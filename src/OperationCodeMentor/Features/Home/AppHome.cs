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
public sealed class AppHome(IMentorshipStore store, AdminReports reports, SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> options, TimeProvider clock) : IHomeTab
{

    public const int HeadlineDays = 30;
    public static readonly TimeSpan MenteeHistory = TimeSpan.FromDays(90);
    public const int MaxOwnRequests = 10;
    public const int MaxMatching = 15;
    public const int MaxQueueEntries = 5;

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
        blocks.AddRange(Mentee(mine, open, now));
        if (me is not null)
        {
            var claims = (await store.GetMentorHistoryAsync(userId, 50, ct).ConfigureAwait(false))
                .Where(r => r.Status == RequestStatus.Claimed).ToList();
            blocks.AddRange(Mentor(me, claims, open, now));
        }
        if (isCoordinator)
        {
            var stats = await reports.ComputeStatsAsync(HeadlineDays, open, loads, ct).ConfigureAwait(false);
            blocks.AddRange(Coordinator(stats, open, loads, now));
        }
        return BlockKit.Home(blocks);
    }

    private static IEnumerable<JsonObject> Mentee(IReadOnlyList<MentorRequest> mine, IReadOnlyList<MentorRequest> open, DateTimeOffset now)
    {
        yield return BlockKit.Header("Your requests");
        if (mine.Count == 0)
        {
            yield return BlockKit.Section("You haven't asked for a mentor lately. Type `/mentor` in any channel to ask for a 30-minute session with a volunteer mentor.");
            yield break;
        }
        foreach (var r in mine.Take(MaxOwnRequests))
            yield return BlockKit.Section($"*{r.Reference}* · {Mrkdwn.EscapeAndTruncate(r.Service, 200)} · {Mrkdwn.EscapeAndTruncate(string.Join(", ", r.Skills), 600)}\n{MenteeStatus(r, open, now)}");
        if (mine.Count > MaxOwnRequests)
            yield return BlockKit.Context($"…and {mine.Count - MaxOwnRequests} earlier request{(mine.Count - MaxOwnRequests == 1 ? "" : "s")}.");
    }

    private static string MenteeStatus(MentorRequest r, IReadOnlyList<MentorRequest> open, DateTimeOffset now)
    {
        switch (r.Status)
        {
            case RequestStatus.Open:
                var position = 1 + open.TakeWhile(o => o.Reference != r.Reference).Count();
                return $":hourglass_flowing_sand: Waiting for a mentor for {SlackDates.Duration(now - r.CreatedAt)} · *number {position} of {open.Count}* in the queue. " +
                       "Mentors with these skills have been told; I'll DM you when one claims it.";
            case RequestStatus.Claimed:
                return $":handshake: Claimed by {Mrkdwn.User(r.ClaimedBy!)}" + (r.ClaimedAt is { } at ? $" {SlackDates.When(at)}" : "") +
                       ". They'll DM you to set up a session; you're welcome to message them first.";
            case RequestStatus.Completed:
                return ":white_check_mark: Completed.";
            default:
                return ":no_entry_sign: Closed. Type `/mentor` if you still need help.";
        }
    }

    private static IEnumerable<JsonObject> Mentor(MentorLoad me, IReadOnlyList<MentorRequest> claims, IReadOnlyList<MentorRequest> open, DateTimeOffset now)
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
            : "*Your claims*\n" + BlockKit.Lines(claims.Select(r =>
                $"• *{r.Reference}* · {Mrkdwn.User(r.MenteeSlackId)} · {Mrkdwn.EscapeAndTruncate(r.Service, 100)}" +
                (r.ClaimedAt is { } at ? $" · claimed {SlackDates.When(at)}" : "")).ToList(), 20));

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

    private static IEnumerable<JsonObject> Coordinator(ProgramStats stats, IReadOnlyList<MentorRequest> open, IReadOnlyList<MentorLoad> loads, DateTimeOffset now)
    {
        yield return BlockKit.Divider();
        yield return BlockKit.Header("Coordinating");
        yield return BlockKit.Section(StatsMessage.QueueSummary(stats));
        yield return BlockKit.Section(StatsMessage.Headline(stats, HeadlineDays) +
            (stats.QuietMentorsAsked + stats.PausedForInactivity.Count > 0
                ? $" · mentors asked if still mentoring: {stats.QuietMentorsAsked}, paused for no answer: {stats.PausedForInactivity.Count}"
                : "") +
            "\nWeekly check-in *Need help* notes from mentors come to you by DM. `/mentor-admin stats` has the rest; `/mentor-admin help` lists what you can do.");
        foreach (var r in open.Take(MaxQueueEntries))
            foreach (var block in QueueMessage.Entry(r, loads, now))
                yield return block;
        if (open.Count > MaxQueueEntries)
            yield return BlockKit.Context($"…and {open.Count - MaxQueueEntries} more open request{(open.Count - MaxQueueEntries == 1 ? "" : "s")}: `/mentor-admin open` lists them all.");
    }
}
