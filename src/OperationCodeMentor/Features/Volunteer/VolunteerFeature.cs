using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Volunteer;

/// <summary><c>/mentor-volunteer</c>: enrol, update, pause and resume.</summary>
public static class VolunteerFeature
{
    public static IServiceCollection AddVolunteer(this IServiceCollection services) => services.AddHandlersOf(typeof(VolunteerFeature));
}
