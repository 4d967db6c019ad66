using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// Who someone is to the program, from configuration: a mentor coordinator (<c>Mentorship:Coordinators</c>) or one of the
/// chain of command (<c>Mentorship:EscalationContacts</c>), who get escalations and may act on what they bring.
/// </summary>
public sealed class People(IOptionsMonitor<MentorshipOptions> mentorship, IOptionsMonitor<ScheduleOptions> schedule)
{
    public IReadOnlyList<string> Coordinators => mentorship.CurrentValue.Coordinators;

    public bool IsCoordinator(string userId) => mentorship.CurrentValue.IsCoordinator(userId);

    public bool IsEscalationContact(string userId) => schedule.CurrentValue.EscalationContacts.Contains(userId, StringComparer.Ordinal);

    /// <summary>Coordinators and escalation contacts: who may assign, ask for details and close.</summary>
    public bool IsStaff(string userId) => IsCoordinator(userId) || IsEscalationContact(userId);

    /// <summary>The person as the request lifecycle sees them.</summary>
    public Actor Actor(string userId) => new(userId, IsCoordinator(userId), IsEscalationContact(userId));
}
