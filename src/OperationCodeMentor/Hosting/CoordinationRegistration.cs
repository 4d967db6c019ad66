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
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(MentorshipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinationOptions>, CoordinationOptionsValidator>();

        services.AddSingleton<RequestLimits>();
        services.AddSingleton<RequestAdmin>();
        services.AddSingleton<AdminReports>();
        services.AddSingleton<AdminGuard>();
        services.AddSingleton<AppHome>();
        // The Home tab's Claim reuses the channel's claim; the handler is stateless, so its own instance is fine.
        services.TryAddSingleton<ClaimAction>();

        services.AddSingleton<ISlashCommandHandler, AdminCommand>();
        services.AddSingleton<IBlockActionHandler, AssignSelectAction>();
        services.AddSingleton<IBlockActionHandler, CloseButtonAction>();
        services.AddSingleton<IBlockActionHandler, QueuePageAction>();
        services.AddSingleton<IViewSubmissionHandler, CloseSubmission>();

        services.AddSingleton<ISlackEventHandler, HomeOpened>();
        services.AddSingleton<IBlockActionHandler, HomeClaimButton>();
        services.AddSingleton<IBlockActionHandler>(sp => ActivatorUtilities.CreateInstance<HomePauseButton>(sp, true));
        services.AddSingleton<IBlockActionHandler>(sp => ActivatorUtilities.CreateInstance<HomePauseButton>(sp, false));

        services.AddSingleton<WeeklyDigest>();
        services.AddHostedService(sp => sp.GetRequiredService<WeeklyDigest>());
        return services;
    }
}
