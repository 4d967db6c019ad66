using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>Reads the store for what coordinators look at, in <c>/mentor-admin</c>, on App Home and in the weekly digest: the queue and the stats.</summary>
public sealed class AdminReports(IMentorshipStore store, TimeProvider clock)
{
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
        var history = ActivityHistory.From(await store.GetActivityAsync(from, ct).ConfigureAwait(false));
        return ProgramStats.Compute(history, open, mentors, from, now);
    }

    public async Task<(string Text, JsonArray? Blocks)> StatsAsync(int days, CancellationToken ct) =>
        StatsMessage.Build(await ComputeStatsAsync(days, ct).ConfigureAwait(false), $"Mentorship: the last {days} day{(days == 1 ? "" : "s")}");

    /// <summary>When each request on hold comes back, by reference.</summary>
    public static IReadOnlyDictionary<string, DateTimeOffset> HeldUntil(IReadOnlyList<TrackedRequest> held) =>
        held.Where(t => t.Session.OnHoldUntil is not null).ToDictionary(t => t.Reference, t => t.Session.OnHoldUntil!.Value, StringComparer.Ordinal);

    public async Task<(string Text, JsonArray? Blocks)> QueueAsync(int page, CancellationToken ct)
    {
        var open = store.GetOpenRequestsAsync(ct);
        var mentors = store.GetMentorLoadsAsync(ct);
        var held = store.GetHeldRequestsAsync(ct);
        return QueueMessage.Build(await open.ConfigureAwait(false), await mentors.ConfigureAwait(false), clock.GetUtcNow(), page,
            HeldUntil(await held.ConfigureAwait(false)));
    }
}
