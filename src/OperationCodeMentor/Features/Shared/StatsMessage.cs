using System.Globalization;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// The program's numbers as a message: for <c>/mentor-admin stats</c>, the weekly digest and (the headline) App Home.
/// Figures the store does not record yet read "not tracked yet", never a made-up zero.
/// </summary>
public static class StatsMessage
{
    public const string NotTracked = "not tracked yet";

    public static (string Text, JsonArray Blocks) Build(ProgramStats s, string title)
    {
        var blocks = new List<JsonObject>
        {
            BlockKit.Header(title),
            BlockKit.Context($"Requests made from {SlackDates.When(s.From)} to {SlackDates.When(s.To)}."),
            BlockKit.Section(Overview(s)),
            BlockKit.Section(TimeToClaim(s)),
            BlockKit.Section(FollowUp(s)),
            BlockKit.Section(AfterTheClaim(s)),
            BlockKit.Section("*Requests by service*\n" + Counts(s.ByService, 15)),
            BlockKit.Section("*Requests by skill*\n" + Counts(s.BySkill, 25)),
            BlockKit.Section("*Pairings per mentor*\n" + (s.PairingsPerMentor.Count == 0
                ? "none in this period"
                : BlockKit.Lines(s.PairingsPerMentor.Select(p => $"• {Mrkdwn.User(p.Name)}: {p.Count}").ToList(), 30))),
            BlockKit.Section(Recruit(s)),
            BlockKit.Section(GoneQuiet(s)),
        };
        return ($"Mentorship stats: {s.Requests} request{Plural(s.Requests)}, {s.Claimed} claimed, {s.OpenNow} open now.", BlockKit.Blocks(blocks));
    }

    /// <summary>The few numbers a coordinator wants at a glance; a follow-up figure the store does not record is left out.</summary>
    public static string Headline(ProgramStats s, int days) =>
        $"*Last {days} days:* {s.Requests} request{Plural(s.Requests)}, {s.Claimed} claimed" +
        $" · median time to first claim {Time(s.MedianTimeToClaim)}" +
        $" · claimed within 48 h: {Ratio(s.ClaimedWithin48Hours)}" +
        (s.SessionsDone is { } done ? $" · sessions done: {done}" : "") +
        (s.Helped is { } helped ? $" · \"it helped\": {Ratio(helped)}" : "") +
        (s.Escalated is { } escalated ? $" · escalated: {Ratio(escalated)}" : "") +
        (s.MeanRating is { } mean ? $" · mean rating {Stars(mean)} of 5" : "") +
        $" · skills asked for with no mentor: {s.SkillsWithNoMentor.Count}";

    public static string QueueSummary(ProgramStats s) =>
        s.OpenNow == 0
            ? "*Open now:* none. Every request has a mentor."
            : $"*Open now:* {s.OpenNow}, the oldest waiting {SlackDates.Duration(s.OldestOpenAge!.Value)}" +
              (s.OpenWithNoAvailableMentor > 0 ? $"; {s.OpenWithNoAvailableMentor} with no available mentor for their skills" : "") + ".";

    private static string Overview(ProgramStats s) =>
        $"*{s.Requests} request{Plural(s.Requests)}* · {s.Claimed} claimed · {s.AssignedByHand} paired by a coordinator · {s.Closed} closed\n" +
        QueueSummary(s);

    private static string TimeToClaim(ProgramStats s) =>
        $"*Time to first claim:* median {Time(s.MedianTimeToClaim)} · 90th percentile {Time(s.P90TimeToClaim)}\n" +
        $"*Claimed within 48 h:* {Ratio(s.ClaimedWithin48Hours)} (of requests made over 48 h ago and not withdrawn unclaimed)";

    private static string FollowUp(ProgramStats s) =>
        $"*Escalated:* {(s.Escalated is { } e ? Ratio(e) : NotTracked)}\n" +
        $"*Sessions done:* {(s.SessionsDone is { } d ? d.ToString(CultureInfo.InvariantCulture) : NotTracked)}\n" +
        $"*Feedback \"it helped\":* {(s.Helped is { } h ? Ratio(h) : NotTracked)}\n" +
        $"*Re-pairs:* {(s.RePairs is { } r ? r.ToString(CultureInfo.InvariantCulture) : NotTracked)}\n" +
        $"*Contact lost* (of claimed requests, the mentee never answered): {(s.ContactLost is { } c ? Ratio(c) : NotTracked)}\n" +
        $"*Sessions with a report:* {Ratio(s.SessionsReported)}\n" +
        $"*Rating:* {Rating(s)} · rated: {Ratio(s.SessionsRated)}";

    private static string AfterTheClaim(ProgramStats s) =>
        $"*Claim to a session time set:* " + (s.MedianClaimToTimeSet is { } t
            ? $"median {SlackDates.Duration(t)} ({s.TimesSet} pairing{Plural(s.TimesSet)} set a time)"
            : "n/a (no pair has set a time yet)");

    /// <summary>The mean rating out of 5, or why there is none.</summary>
    public static string Rating(ProgramStats s) =>
        s.MeanRating is { } mean ? $"mean {Stars(mean)} of 5" : "n/a (no session rated yet)";

    /// <summary>A mean of ratings to one decimal place, the way coordinators read it.</summary>
    public static string Stars(double mean) => mean.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Recruit(ProgramStats s)
    {
        var none = s.SkillsWithNoMentor.Select(k => $"• {Mrkdwn.Escape(k.Skill)} (asked {k.Asked}×)").ToList();
        var one = s.SkillsWithOneMentor.Select(k => $"• {Mrkdwn.Escape(k.Skill)} (asked {k.Asked}×): only {Mrkdwn.User(k.Mentors[0])}").ToList();
        if (none.Count == 0 && one.Count == 0) return "*Who to recruit:* every skill asked for has at least two mentors.";
        var text = "*Who to recruit*";
        if (none.Count > 0) text += "\n_No mentor lists:_\n" + BlockKit.Lines(none, 20, 1300);
        if (one.Count > 0) text += "\n_Only one mentor lists:_\n" + BlockKit.Lines(one, 20, 1300);
        return text;
    }

    /// <summary>Mentors asked "still up for mentoring?", and those paused for not answering, by name so a coordinator can reach them.</summary>
    private static string GoneQuiet(ProgramStats s) =>
        $"*Mentors gone quiet:* {s.QuietMentorsAsked} asked \"still up for mentoring?\" · {s.PausedForInactivity.Count} paused for no answer" +
        (s.PausedForInactivity.Count == 0 ? "" : "\n" + BlockKit.Lines(s.PausedForInactivity.Select(m => $"• {Mrkdwn.User(m)} (resumes with `/mentor-volunteer resume`)").ToList(), 20));

    private static string Counts(IReadOnlyList<NameCount> counts, int max) =>
        counts.Count == 0 ? "none in this period" : BlockKit.Lines(counts.Select(c => $"• {Mrkdwn.Escape(c.Name)}: {c.Count}").ToList(), max);

    public static string Time(TimeSpan? t) => t is null ? "n/a (nothing claimed)" : SlackDates.Duration(t.Value);

    public static string Ratio(Share share) =>
        share.Percent is { } p ? $"{share.Part} of {share.Whole} ({Math.Round(p).ToString(CultureInfo.InvariantCulture)}%)" : "n/a (none yet)";

    private static string Plural(int n) => n == 1 ? "" : "s";
}
