using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Home;

/// <summary>The bot's Home tab: drawn when opened, and redrawn after a press made on it.</summary>
public static class HomeFeature
{
    public static IServiceCollection AddHome(this IServiceCollection services)
    {
        services.AddSingleton<AppHome>();
        services.AddSingleton<IHomeTab>(sp => sp.GetRequiredService<AppHome>());
        return services.AddHandlersOf(typeof(HomeFeature));
    }
}
