using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.CheckIn;

/// <summary>The weekly mentor check-in (its schedule, its DM and the answers to it), and mentors who have gone quiet.</summary>
public static class CheckInFeature
{
    public static IServiceCollection AddCheckIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoordinationOptions(configuration);
        services.AddCheckInOptions(configuration);
        services.AddSingleton<WeeklyCheckIn>();
        services.AddHostedService(sp => sp.GetRequiredService<WeeklyCheckIn>());
        services.AddSingleton<QuietMentorWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<QuietMentorWatch>());
        return services.AddHandlersOf(typeof(CheckInFeature));
    }
}
