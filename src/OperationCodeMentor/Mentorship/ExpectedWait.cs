using System.Globalization;

namespace OperationCodeMentor.Mentorship;

/// <summary>How long one past request waited from being made to its first claim.</summary>
public sealed record ClaimWait(IReadOnlyList<string> Skills, DateTimeOffset RequestedAt, TimeSpan Waited);

/// <summary>What an estimate rests on.</summary>
public enum WaitBasis
{
    /// <summary>Fewer than <see cref="ExpectedWait.MinRequests"/> claimed requests in the window: no figure is given.</summary>
    NotEnoughHistory,

    /// <summary>The requests in the window that share at least one of the skills asked for.</summary>
    SharedSkill,

    /// <summary>Every claimed request in the window, because too few share a skill.</summary>
    AllRequests,
}

/// <summary>The usual wait for a claim, and how many past requests it comes from.</summary>
public sealed record WaitEstimate(WaitBasis Basis, TimeSpan? Median, int Count);

/// <summary>
/// An honest answer to "how long will I wait?": the median time to a first claim of the requests made in the last
/// <see cref="Window"/> that share a skill with this one; of all of them when fewer than <see cref="MinRequests"/> share
/// one; and no figure at all when fewer than that were claimed in the window. Pure: history in, estimate and words out.
/// </summary>
public static class ExpectedWait
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(90);

    /// <summary>The fewest past requests a median is given from.</summary>
    public const int MinRequests = 5;

    /// <summary>The claimed requests among <paramref name="requests"/>, with how long each waited for its first claim.</summary>
    public static IReadOnlyList<ClaimWait> History(IEnumerable<TrackedRequest> requests) =>
        requests
            .Select(t => (t.Request, Claimed: t.Outcome.FirstClaimedAt ?? t.Request.ClaimedAt))
            .Where(x => x.Claimed is { } c && c >= x.Request.CreatedAt)
            .Select(x => new ClaimWait(x.Request.Skills, x.Request.CreatedAt, x.Claimed!.Value - x.Request.CreatedAt))
            .ToList();

    /// <summary>The estimate for a request asking for <paramref name="skills"/> at <paramref name="now"/>.</summary>
    public static WaitEstimate Estimate(IEnumerable<ClaimWait> history, IEnumerable<string> skills, DateTimeOffset now)
    {
        var recent = history.Where(w => w.RequestedAt > now - Window && w.RequestedAt <= now).ToList();
        var wanted = new HashSet<string>(skills, StringComparer.OrdinalIgnoreCase);
        var sharing = recent.Where(w => w.Skills.Any(wanted.Contains)).ToList();
        if (sharing.Count >= MinRequests) return new WaitEstimate(WaitBasis.SharedSkill, Median(sharing.Select(w => w.Waited)), sharing.Count);
        if (recent.Count >= MinRequests) return new WaitEstimate(WaitBasis.AllRequests, Median(recent.Select(w => w.Waited)), recent.Count);
        return new WaitEstimate(WaitBasis.NotEnoughHistory, null, recent.Count);
    }

    /// <summary>The middle value; for an even count, halfway between the two middle ones.</summary>
    public static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("A median needs at least one value.", nameof(values));
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : sorted[mid - 1] + (sorted[mid] - sorted[mid - 1]) / 2;
    }

    /// <summary>"about 40 minutes", "about an hour", "about 6 hours", "about 2 days": rounded to the unit a person would use.</summary>
    public static string About(TimeSpan t)
    {
        static long Round(double v) => (long)Math.Round(v, MidpointRounding.AwayFromZero);
        static string Count(long n, string unit) => n.ToString(CultureInfo.InvariantCulture) + " " + unit + (n == 1 ? "" : "s");
        if (t < TimeSpan.FromMinutes(1)) return "under a minute";
        var minutes = Round(t.TotalMinutes);
        if (minutes < 60) return "about " + Count(minutes, "minute");
        var hours = Round(t.TotalHours);
        if (hours == 1) return "about an hour";
        if (hours < 36) return "about " + Count(hours, "hour");
        return "about " + Count(Round(t.TotalDays), "day");
    }

    /// <summary>The sentence a mentee reads (mrkdwn-safe: it holds no user input).</summary>
    public static string Sentence(WaitEstimate e) => e.Basis switch
    {
        WaitBasis.SharedSkill =>
            $"Requests like yours have usually waited *{About(e.Median!.Value)}* for a mentor to claim them " +
            $"(the median of the {e.Count} requests sharing one of your skills in the last 90 days).",
        WaitBasis.AllRequests =>
            $"Requests have usually waited *{About(e.Median!.Value)}* for a mentor to claim them " +
            $"(the median of all {e.Count} requests in the last 90 days; too few asked for your skills to say more).",
        _ => "We don't have enough history yet to say how long requests like yours usually wait for a mentor.",
    };
}
