using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>The mentor's and the mentee's buttons after a claim (session done, cancel, how did it go), and what each follow-up step says.</summary>
public static class FollowUpFeature
{
    public static IServiceCollection AddFollowUpFeature(this IServiceCollection services)
    {
        services.AddSingleton<IFollowUpMessages, FollowUpMessages>();
        return services.AddHandlersOf(typeof(FollowUpFeature));
    }
}
