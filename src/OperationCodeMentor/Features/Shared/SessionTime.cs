using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// How the time a pair agreed on ("We've set a time") is shown: on the channel card, on App Home, in the confirmation to
/// both and in the reminder before it. Every time is Slack's date token, so each reader sees it in their own time zone.
/// </summary>
public static class SessionTime
{
    /// <summary>"Session: Mon 7 Dec at 15:00", for the card and the lists; null when no time is set.</summary>
    public static string? Line(RequestSession session) =>
        session.SessionAt is { } at ? $":calendar: Session: {SlackDates.When(at)}" : null;

    /// <summary>Where the pair hear about their session: their group DM, or (when there is none) each by DM.</summary>
    public static IReadOnlyList<(string? Channel, string? User)> Audience(MentorRequest r, RequestSession session) =>
        session.ConversationId is { } conversation
            ? [(conversation, null)]
            : [(null, r.ClaimedBy!), (null, r.MenteeSlackId)];

    /// <summary>The message to both once a time is set (or changed).</summary>
    public static (string Text, JsonArray Blocks) Confirmation(MentorRequest r, DateTimeOffset at, string setBy, bool changed, TimeSpan remindBefore)
    {
        var what = changed ? "changed the session time" : "set the session time";
        var headline = $":calendar: {Mrkdwn.User(setBy)} {what} for *{r.Reference}*: *{SlackDates.When(at)}*.";
        var blocks = new List<JsonObject>
        {
            BlockKit.Section($"{headline}\n{Mrkdwn.User(r.ClaimedBy!)} and {Mrkdwn.User(r.MenteeSlackId)}: I'll remind you both here {FollowUpLadder.Describe(remindBefore)} before. " +
                "If it moves, press *We've set a time* again with the new time."),
            BlockKit.Actions("session_time_actions", RequestButtons.SetTimeButton(r.Reference)),
        };
        return ($"Session for {r.Reference}: {SlackDates.When(at)}", BlockKit.Blocks(blocks));
    }

    /// <summary>The reminder shortly before the session.</summary>
    public static (string Text, IReadOnlyList<JsonObject> Blocks) Reminder(MentorRequest r, DateTimeOffset at, DateTimeOffset now)
    {
        var text = $":alarm_clock: Reminder: {Mrkdwn.User(r.ClaimedBy!)} and {Mrkdwn.User(r.MenteeSlackId)}, your mentorship session for *{r.Reference}* " +
                   $"is at *{SlackDates.When(at)}*, in {FollowUpLadder.Describe(TimeSpan.FromMinutes(Math.Ceiling((at - now).TotalMinutes)))}.";
        return ($"Reminder: your session for {r.Reference} is at {SlackDates.When(at)}",
        [
            BlockKit.Section(text + "\nIf the time has moved, press *We've set a time* with the new one."),
            BlockKit.Actions("session_time_actions", RequestButtons.SetTimeButton(r.Reference)),
        ]);
    }
}
