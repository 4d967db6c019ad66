using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// Who may press which follow-up button. Every handler asks here before changing anything, because a
/// block_actions payload can be crafted by anyone who can reach the bot, whatever message it pretends to come from.
/// </summary>
public sealed class FollowUpAccess(IOptionsMonitor<MentorshipOptions> mentorship, IOptionsMonitor<ScheduleOptions> schedule, SlackApiClient slack)
{
    public bool IsCoordinator(string user) => mentorship.CurrentValue.IsCoordinator(user);

    /// <summary>Coordinators and the escalation contacts: the people the notices and escalations go to.</summary>
    public bool IsStaff(string user) => IsCoordinator(user) || schedule.CurrentValue.EscalationContacts.Contains(user, StringComparer.Ordinal);

    public IReadOnlyList<string> Coordinators => mentorship.CurrentValue.Coordinators;

    /// <summary>Tells the presser, privately, why nothing happened.</summary>
    public Task RefuseAsync(string? channel, string user, string why, CancellationToken ct) => slack.TellAsync(channel, user, why, ct);

    public const string StaffOnly = "Only mentor coordinators (and the escalation contacts) can do that. Nothing was changed.";
}
