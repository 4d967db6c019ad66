using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Admin;

/// <summary>Reads the store for what coordinators look at: the queue, the stats, a mentor's record.</summary>
public sealed class AdminReports(IMentorshipStore store, TimeProvider clock)
{
    public const int MentorHistoryLimit = 200;

    public async Task<ProgramStats> ComputeStatsAsync(int days, CancellationToken ct)
    {
        var open = store.GetOpenRequestsAsync(ct);
        var mentors = store.GetMentorLoadsAsync(ct);
        return await ComputeStatsAsync(days, await open.ConfigureAwait(false), await mentors.ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>The stats from the open requests and mentor loads a caller has already read (App Home shows them too).</summary>
    public async Task<ProgramStats> ComputeStatsAsync(int days, IReadOnlyList<MentorRequest> open, IReadOnlyList<MentorLoad> mentors, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var from = now - TimeSpan.FromDays(days);
        var history = await store.GetActivityAsync(from, ct).ConfigureAwait(false);
        return ProgramStats.Compute(history, open, mentors, from, now);
    }

    public async Task<(string Text, JsonArray? Blocks)> StatsAsync(int days, CancellationToken ct) =>
        StatsMessage.Build(await ComputeStatsAsync(days, ct).ConfigureAwait(false), $"Mentorship: the last {days} day{(days == 1 ? "" : "s")}");

    public async Task<(string Text, JsonArray? Blocks)> QueueAsync(int page, CancellationToken ct)
    {
        var open = store.GetOpenRequestsAsync(ct);
        var mentors = store.GetMentorLoadsAsync(ct);
        return QueueMessage.Build(await open.ConfigureAwait(false), await mentors.ConfigureAwait(false), clock.GetUtcNow(), page);
    }

    public async Task<(string Text, JsonArray? Blocks)> MentorAsync(string slackUserId, CancellationToken ct)
    {
        var load = await store.GetMentorLoadAsync(slackUserId, ct).ConfigureAwait(false);
        if (load is null)
            return ($"{Mrkdwn.User(slackUserId)} isn't enrolled as a mentor. They can sign up with `/mentor-volunteer`.", null);
        var history = await store.GetMentorHistoryAsync(slackUserId, MentorHistoryLimit, ct).ConfigureAwait(false);
        return MentorReport.Build(load, history);
    }
}
