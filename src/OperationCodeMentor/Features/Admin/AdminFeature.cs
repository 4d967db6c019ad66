using Microsoft.Extensions.Configuration;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>What coordinators do: <c>/mentor-admin</c>, the buttons beside a request wherever it is shown to them, and the weekly digest.</summary>
public static class AdminFeature
{
    public static IServiceCollection AddAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoordinationOptions(configuration);
        services.AddSingleton<AdminGuard>();
        services.AddSingleton<CoordinatorModal>();
        services.AddSingleton<MentorReport>();
        services.AddSingleton<DigestSender>();
        services.AddSingleton<WeeklyDigest>();
        services.AddHostedService(sp => sp.GetRequiredService<WeeklyDigest>());
        return services.AddHandlersOf(typeof(AdminFeature));
    }
}
