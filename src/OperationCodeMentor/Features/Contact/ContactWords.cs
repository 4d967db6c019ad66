using System.Globalization;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Contact;

/// <summary>
/// How the contact rules (<c>Mentorship:ContactAttempts</c> over <c>Mentorship:ContactAttemptsOver</c>) are put to the
/// mentor: how far they are, and when <b>No response</b> becomes possible, as <see cref="RequestLifecycle.MayGiveUp"/> decides it.
/// </summary>
public sealed class ContactWords(IOptionsMonitor<MentorshipOptions> options)
{
    public ContactRules Rules => options.CurrentValue.Contact;

    /// <summary>"3 attempts over 7 days".</summary>
    public string RuleText => $"{Attempts(Rules.Attempts)} over {Span(Rules.Over)}";

    /// <summary>The earliest moment the rules allow No response, given the attempts so far; null before the first attempt.</summary>
    public DateTimeOffset? EarliestAt(RequestSession s) => s.FirstAttemptAt is { } first ? first + Rules.Over : null;

    /// <summary>What is still missing before No response, in words; null when nothing is (No response can be pressed).</summary>
    public string? StillNeeded(RequestSession s, DateTimeOffset now)
    {
        if (RequestLifecycle.MayGiveUp(s, Rules, now)) return null;
        var more = Math.Max(0, Rules.Attempts - s.ContactAttempts);
        var earliest = EarliestAt(s);
        var when = earliest is { } at && at > now ? $"on or after {SlackDates.When(at)}" : null;
        return (more, when) switch
        {
            (_, null) when s.FirstAttemptAt is null => $"after {Attempts(Rules.Attempts)} over {Span(Rules.Over)}, counted from your first *Can't reach them*",
            (> 0, null) => $"after {more} more {(more == 1 ? "attempt" : "attempts")}",
            (> 0, _) => $"after {more} more {(more == 1 ? "attempt" : "attempts")}, and {when}",
            _ => when!,
        };
    }

    /// <summary>Where the mentee was nudged: their shared conversation with the mentor, or a DM from the bot.</summary>
    public static string NudgedWhere(TrackedRequest t) => t.Session.ConversationId is null ? "by DM" : "in your group DM";

    private static string Attempts(int n) => n == 1 ? "1 attempt" : $"{n.ToString(CultureInfo.InvariantCulture)} attempts";

    private static string Span(TimeSpan span) => span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays)
        ? $"{(int)span.TotalDays} day{((int)span.TotalDays == 1 ? "" : "s")}"
        : FollowUpLadder.Describe(span);

    /// <summary>A refusal of No response or Can't reach them about a request that is not (or no longer) claimed.</summary>
    public static string NotClaimed(TrackedRequest t) => t.Request.Status == RequestStatus.Cancelled && t.Session.ContactLostAt is not null
        ? $"{t.Reference} was already closed as contact lost. Nothing was changed."
        : $"{t.Reference} isn't claimed right now, so there's nobody to reach. {RequestStatusText.Sentence(t.Request)}";

    /// <summary>The answer to someone other than the mentor holding the request.</summary>
    public static string NotTheMentor(TrackedRequest t, Press press) => press.User == t.Request.MenteeSlackId
        ? $"This button is for your mentor, {Mrkdwn.User(t.Request.ClaimedBy!)}, to note when they couldn't reach you. " +
          "If you're here, just reply to them in a message and set up your session. Nothing was changed."
        : $"Only {Mrkdwn.User(t.Request.ClaimedBy!)}, who claimed {t.Reference}, can record that they couldn't reach the mentee. Nothing was changed.";
}
