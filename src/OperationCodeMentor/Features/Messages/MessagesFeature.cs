using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Messages;

/// <summary>The bot's Messages tab: someone who writes to the bot is answered with what it can do for them.</summary>
public static class MessagesFeature
{
    public static IServiceCollection AddMessages(this IServiceCollection services)
    {
        services.AddSingleton<DmAnswer>();
        return services.AddHandlersOf(typeof(MessagesFeature));
    }
}
