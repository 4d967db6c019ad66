using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>How a request's state is put into words, the same in every answer that explains why nothing changed.</summary>
public static class RequestStatusText
{
    /// <summary>The answer when a button names a request the store no longer has.</summary>
    public const string Gone = "I couldn't find that request any more.";

    /// <summary>"open", "claimed", "completed" or "closed" (a cancelled request reads as closed).</summary>
    public static string Word(RequestStatus status) => status switch
    {
        RequestStatus.Open => "open",
        RequestStatus.Claimed => "claimed",
        RequestStatus.Completed => "completed",
        RequestStatus.Cancelled => "closed",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>A sentence saying where the request stands now, naming its mentor when it has one.</summary>
    public static string Sentence(MentorRequest r) => r.Status switch
    {
        RequestStatus.Claimed => $"{r.Reference} is already claimed by {Mrkdwn.User(r.ClaimedBy!)}.",
        RequestStatus.Completed => $"{r.Reference}'s session is already done.",
        RequestStatus.Cancelled => $"{r.Reference} has already been cancelled or closed.",
        _ => $"{r.Reference} is still open.",
    };
}
