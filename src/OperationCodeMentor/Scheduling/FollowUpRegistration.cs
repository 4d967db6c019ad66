using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Scheduling;

public static class FollowUpRegistration
{
    /// <summary>The follow-up ladder (its options, the sweep) and the mentor's and mentee's buttons on its messages.</summary>
    public static IServiceCollection AddFollowUps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScheduleOptions>().Bind(configuration.GetSection(ScheduleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IConfigureOptions<ScheduleOptions>>(new ScheduleOptionsSetup(configuration));
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();
        services.AddCoordinationOptions(configuration);

        services.AddSingleton<StepPoster>();
        services.AddSingleton<FollowUpMessages>();
        services.AddSingleton<FollowUpSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<FollowUpSweeper>());

        // The coordinator's buttons on these messages (Assign to…, Ask for details, Close) are the ones of AddCoordination.
        services.AddSingleton<IBlockActionHandler, SessionDoneAction>();
        services.AddSingleton<IBlockActionHandler, CancelAction>();
        foreach (var answer in Enum.GetValues<SessionFeedback>())
            services.AddSingleton<IBlockActionHandler>(sp => ActivatorUtilities.CreateInstance<FeedbackAction>(sp, answer));
        return services;
    }
}
