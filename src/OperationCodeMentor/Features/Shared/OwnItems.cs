using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// How a person's own things are written wherever they are shown to them (App Home, the answer to a DM to the bot): a
/// mentee's request and where it stands, a mentor's claim. One wording, so the two places never disagree.
/// </summary>
public static class OwnItems
{
    /// <summary>The mentee's request: reference, service and skills, then where it stands.</summary>
    /// With the agreed session time, when there is one, on a line of its own.
    public static string MenteeRequest(MentorRequest r, IReadOnlyList<MentorRequest> open, DateTimeOffset now, RequestSession? session = null) =>
        $"*{r.Reference}* · {Mrkdwn.EscapeAndTruncate(r.Service, 200)} · {Mrkdwn.EscapeAndTruncate(string.Join(", ", r.Skills), 600)}\n{MenteeStatus(r, open, now)}" +
        (r.Status == RequestStatus.Claimed && session is not null && SessionTime.Line(session) is { } time ? "\n" + time : "");

    /// <summary>Where the mentee's request stands, with its place in the queue (of <paramref name="open"/>) while it waits.</summary>
    public static string MenteeStatus(MentorRequest r, IReadOnlyList<MentorRequest> open, DateTimeOffset now)
    {
        switch (r.Status)
        {
            case RequestStatus.Open:
                var position = 1 + open.TakeWhile(o => o.Reference != r.Reference).Count();
                return $":hourglass_flowing_sand: Waiting for a mentor for {SlackDates.Duration(now - r.CreatedAt)} · *number {position} of {open.Count}* in the queue. " +
                       "Mentors with these skills have been told; I'll DM you when one claims it.";
            case RequestStatus.Claimed:
                return $":handshake: Claimed by {Mrkdwn.User(r.ClaimedBy!)}" + (r.ClaimedAt is { } at ? $" {SlackDates.When(at)}" : "") +
                       ". Agree on a time with them in your group DM (or by DM), then press *We've set a time* there.";
            case RequestStatus.Completed:
                return ":white_check_mark: Completed.";
            default:
                return ":no_entry_sign: Closed. Type `/mentor` if you still need help.";
        }
    }

    /// <summary>A claim the mentor holds: reference, mentee, service, when it was claimed and the agreed time if set.</summary>
    public static string MentorClaim(MentorRequest r, RequestSession? session = null) =>
        $"*{r.Reference}* · {Mrkdwn.User(r.MenteeSlackId)} · {Mrkdwn.EscapeAndTruncate(r.Service, 100)}" +
        (r.ClaimedAt is { } at ? $" · claimed {SlackDates.When(at)}" : "") +
        (session is not null && SessionTime.Line(session) is { } time ? $" · {time}" : "");
}
