using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Contact;

/// <summary>
/// The mentor's attempts to reach a mentee who has gone quiet: <b>Can't reach them</b> records each attempt and nudges the
/// mentee; after enough attempts over long enough, <b>No response</b> ends the request as "contact lost".
/// </summary>
public static class ContactFeature
{
    public static IServiceCollection AddContact(this IServiceCollection services)
    {
        services.AddSingleton<ContactWords>();
        return services.AddHandlersOf(typeof(ContactFeature));
    }
}
