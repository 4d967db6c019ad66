using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.Home;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Hosting;

public static class CoordinationRegistration
{
    /// <summary>What coordinators and mentors see of the whole program: /mentor-admin, App Home, request limits and the weekly digest.</summary>
    public static IServiceCollection AddCoordination(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoordinationOptions(configuration);

        services.AddSingleton<RequestLimits>();
        services.AddSingleton<RequestAdmin>();
        services.AddSingleton<AdminReports>();
        services.AddSingleton<AdminGuard>();
        services.AddSingleton<CoordinatorModal>();
        services.AddSingleton<AppHome>();
        // The Home tab's Claim reuses the channel's claim; the handler is stateless, so its own instance is fine.
        services.TryAddSingleton<ClaimAction>();

        services.AddSingleton<ISlashCommandHandler, AdminCommand>();
        // One handler per coordinator action, whichever message the button is on: the queue, App Home or a follow-up DM.
        services.AddSingleton<IBlockActionHandler, AssignAction>();
        services.AddSingleton<IBlockActionHandler, CloseAction>();
        services.AddSingleton<IViewSubmissionHandler, CloseSubmission>();
        services.AddSingleton<IBlockActionHandler, AskDetailsAction>();
        services.AddSingleton<IViewSubmissionHandler, AskDetailsSubmission>();
        services.AddSingleton<IBlockActionHandler, QueuePageAction>();

        services.AddSingleton<ISlackEventHandler, HomeOpened>();
        services.AddSingleton<IBlockActionHandler, HomeClaimButton>();
        services.AddSingleton<IBlockActionHandler>(sp => ActivatorUtilities.CreateInstance<HomePauseButton>(sp, true));
        services.AddSingleton<IBlockActionHandler>(sp => ActivatorUtilities.CreateInstance<HomePauseButton>(sp, false));

        services.AddSingleton<WeeklyDigest>();
        services.AddHostedService(sp => sp.GetRequiredService<WeeklyDigest>());
        return services;
    }

    /// <summary>
    /// Binds <see cref="CoordinationOptions"/> once, however many areas ask: the follow-up ladder reads the program's
    /// time zone from it too, and may be composed without the rest of coordination (the sweep benchmark is).
    /// </summary>
    public static IServiceCollection AddCoordinationOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<CoordinationOptions>))) return services;
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(MentorshipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinationOptions>, CoordinationOptionsValidator>();
        return services;
    }
}
