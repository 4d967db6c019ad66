using System.Globalization;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// A session report and rating in words. <see cref="ForCoordinators"/> and <see cref="Entry"/> show everything and are
/// for coordinators only (<c>/mentor-admin report</c>, the mentor report, App Home); <see cref="GoalLines"/> is the one
/// part the mentee and their next mentor see.
/// </summary>
public static class SessionReportText
{
    /// <summary>The goals as a numbered list, escaped.</summary>
    public static string GoalLines(IReadOnlyList<string> goals) =>
        string.Join("\n", goals.Select((g, i) => $"{(i + 1).ToString(CultureInfo.InvariantCulture)}. {Mrkdwn.EscapeAndTruncate(g, 300)}"));

    public static string Wish(FollowUpWish wish) => wish switch
    {
        FollowUpWish.SameMentor => "another session with the same mentor",
        FollowUpWish.AnotherMentor => "a session with another mentor",
        _ => "none",
    };

    public static string Rating(RequestSession s) =>
        s.Rating is { } stars
            ? $"{stars}/5" + (s.RatingComment is { } c ? $" — “{Mrkdwn.EscapeAndTruncate(c.ReplaceLineEndings(" "), 500)}”" : "")
            : "not rated yet";

    /// <summary>Everything about one request's session, for <c>/mentor-admin report</c>.</summary>
    public static string ForCoordinators(TrackedRequest t)
    {
        var (r, s) = (t.Request, t.Session);
        var report = s.Report!;
        var head = $"*Session report for {r.Reference}* · {Mrkdwn.User(r.MenteeSlackId)} with {Mrkdwn.User(r.ClaimedBy ?? s.ReportedBy ?? "")}" +
                   $" · {Mrkdwn.EscapeAndTruncate(r.Service, 100)}\n" +
                   $"Filed by {Mrkdwn.User(s.ReportedBy ?? "")}" + (s.ReportedAt is { } at ? $" {SlackDates.When(at)}" : "");
        return head +
               "\n*Covered*\n" + Mrkdwn.Quote(report.Covered, 2000) +
               "\n*Goals*\n" + (report.Goals.Count == 0 ? "none agreed" : GoalLines(report.Goals)) +
               $"\n*Follow-up wanted:* {Wish(report.FollowUp)}" +
               "\n*For coordinators*\n" + (report.ForCoordinators is { } note ? Mrkdwn.Quote(note, 2000) : "nothing added") +
               $"\n*Mentee's rating:* {Rating(s)}";
    }

    /// <summary>One line (or a few) per session in a list: who, when, what was covered, the wish, the rating.</summary>
    public static string Entry(TrackedRequest t, bool showMentor)
    {
        var (r, s) = (t.Request, t.Session);
        var who = showMentor ? $"{Mrkdwn.User(r.MenteeSlackId)} with {Mrkdwn.User(r.ClaimedBy ?? s.ReportedBy ?? "")}" : Mrkdwn.User(r.MenteeSlackId);
        var when = s.ReportedAt ?? s.RatedAt ?? t.Outcome.CompletedAt;
        var line = $"• *{r.Reference}* · {who}" + (when is { } at ? $" · {SlackDates.When(at)}" : "");
        if (s.Report is { } report)
        {
            line += $"\n   {Mrkdwn.EscapeAndTruncate(report.Covered.ReplaceLineEndings(" "), 200)}" +
                    $"\n   goals: {report.Goals.Count} · follow-up: {Wish(report.FollowUp)}" +
                    (report.ForCoordinators is { } note ? $" · note: {Mrkdwn.EscapeAndTruncate(note.ReplaceLineEndings(" "), 150)}" : "");
        }
        else line += " · no report";
        return line + $" · rating: {Rating(s)}";
    }
}
