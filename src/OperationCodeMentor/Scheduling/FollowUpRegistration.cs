using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Scheduling;

public static class FollowUpRegistration
{
    /// <summary>The follow-up ladder (its options, the sweep) and the buttons and modals of its messages.</summary>
    public static IServiceCollection AddFollowUps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScheduleOptions>().Bind(configuration.GetSection(ScheduleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IConfigureOptions<ScheduleOptions>>(new ScheduleOptionsSetup(configuration));
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();

        services.AddSingleton<StepPoster>();
        services.AddSingleton<FollowUpMessages>();
        services.AddSingleton<FollowUpSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<FollowUpSweeper>());

        services.AddSingleton<FollowUpAccess>();
        services.AddSingleton<RequestEnding>();
        services.AddSingleton<StaffModal>();
        services.AddSingleton<IBlockActionHandler, AssignAction>();
        services.AddSingleton<IBlockActionHandler, AskDetailsAction>();
        services.AddSingleton<IViewSubmissionHandler, AskDetailsSubmission>();
        services.AddSingleton<IBlockActionHandler, CloseAction>();
        services.AddSingleton<IViewSubmissionHandler, CloseSubmission>();
        services.AddSingleton<IBlockActionHandler, SessionDoneAction>();
        services.AddSingleton<IBlockActionHandler, CancelAction>();
        foreach (var answer in Enum.GetValues<SessionFeedback>())
            services.AddSingleton<IBlockActionHandler>(sp => ActivatorUtilities.CreateInstance<FeedbackAction>(sp, answer));
        return services;
    }
}
