using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Hosting;

public static class CoordinationRegistration
{
    /// <summary>What coordinators and mentors see of the whole program: /mentor-admin, App Home, request limits and the weekly digest.</summary>
    public static IServiceCollection AddCoordination(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(MentorshipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinationOptions>, CoordinationOptionsValidator>();

        services.AddSingleton<RequestLimits>();
        return services;
    }
}
