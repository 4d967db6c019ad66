using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>What several features use: the cards and their poster, the announcements, the intake, and the work after a press.</summary>
public static class SharedFeature
{
    public static IServiceCollection AddSharedFeatures(this IServiceCollection services)
    {
        services.AddSingleton<People>();
        services.AddSingleton<RequestChanges>();
        services.AddSingleton<MentorsChannel>();
        services.AddSingleton<ChannelCard>();
        services.AddSingleton<CardPoster>();
        services.AddSingleton<Pairing>();
        services.AddSingleton<RequestEnding>();
        services.AddSingleton<PressKit>();
        services.AddSingleton<AdminReports>();
        services.AddSingleton<ModalOpener>();
        services.AddSingleton<SessionReportModal>();
        services.AddSingleton<PreviousGoals>();
        services.AddSingleton<ClaimWaits>();
        services.AddHostedService<ClaimWaitsWarmUp>();
        return services.AddHandlersOf(typeof(SharedFeature));
    }
}
