using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Claims;

/// <summary>Claim and Release, wherever their buttons are shown.</summary>
public static class ClaimsFeature
{
    public static IServiceCollection AddClaims(this IServiceCollection services) => services.AddHandlersOf(typeof(ClaimsFeature));
}
