using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Scheduling;

public static class FollowUpRegistration
{
    /// <summary>
    /// The follow-up ladder: its options and the sweep. What each step says (<see cref="IFollowUpMessages"/>) comes from
    /// the features, which register it.
    /// </summary>
    public static IServiceCollection AddFollowUps(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(FollowUpSweeper))) return services;
        services.AddOptions<ScheduleOptions>().Bind(configuration.GetSection(ScheduleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IConfigureOptions<ScheduleOptions>>(new ScheduleOptionsSetup(configuration));
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();
        services.AddCoordinationOptions(configuration);

        services.AddSingleton<StepPoster>();
        services.AddSingleton<FollowUpSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<FollowUpSweeper>());
        return services;
    }
}
