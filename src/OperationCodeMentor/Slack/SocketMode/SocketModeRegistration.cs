namespace OperationCodeMentor.Slack.SocketMode;

public static class SocketModeRegistration
{
    /// <summary>Socket Mode's connection service; it stays idle unless Slack:AppToken is set.</summary>
    public static IServiceCollection AddSlackSocketMode(this IServiceCollection services)
    {
        services.AddSingleton<SocketModeService>();
        services.AddHostedService(sp => sp.GetRequiredService<SocketModeService>());
        return services;
    }
}
