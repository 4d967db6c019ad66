using OperationCodeMentor.Reliability;

namespace OperationCodeMentor.Slack;

public static class HandlerRegistration
{
    private static readonly Type[] Roles =
        [typeof(ISlashCommandHandler), typeof(IBlockActionHandler), typeof(IViewSubmissionHandler), typeof(ISlackEventHandler), typeof(IJobHandler)];

    /// <summary>
    /// Registers every handler in <paramref name="feature"/>'s namespace (commands, actions, modal submissions, events and
    /// durable jobs) under each role it plays, one instance per class. A feature wires itself with this one call, so a new
    /// handler needs no line anywhere else; the dispatcher and the queue find it by its ID.
    /// </summary>
    public static IServiceCollection AddHandlersOf(this IServiceCollection services, Type feature)
    {
        var handlers = feature.Assembly.GetTypes()
            .Where(t => t.Namespace == feature.Namespace && t is { IsClass: true, IsAbstract: false } && Roles.Any(r => r.IsAssignableFrom(t)));
        foreach (var type in handlers)
        {
            if (services.Any(d => d.ServiceType == type)) continue;
            services.AddSingleton(type);
            foreach (var role in Roles.Where(r => r.IsAssignableFrom(type)))
                services.AddSingleton(role, sp => sp.GetRequiredService(type));
        }
        return services;
    }
}
