using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Sessions;

/// <summary>"We've set a time": the pair (or a coordinator) record when they'll meet; both are told, and reminded before it.</summary>
public static class SessionsFeature
{
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddSingleton<SetTimeModal>();
        return services.AddHandlersOf(typeof(SessionsFeature));
    }
}
