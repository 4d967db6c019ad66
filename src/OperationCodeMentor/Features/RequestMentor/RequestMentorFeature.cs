using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary><c>/mentor</c>: the form, its checks and fair limits, and handing a valid request to the intake.</summary>
public static class RequestMentorFeature
{
    public static IServiceCollection AddRequestMentor(this IServiceCollection services)
    {
        services.AddSingleton<RequestLimits>();
        return services.AddHandlersOf(typeof(RequestMentorFeature));
    }
}
