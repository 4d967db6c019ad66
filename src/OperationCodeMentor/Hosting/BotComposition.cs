using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.CheckIn;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.Contact;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Health;
using OperationCodeMentor.Features.Home;
using OperationCodeMentor.Features.Messages;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Sessions;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Telemetry;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// Everything the bot is made of, in one place, so the bot and the demo (which hosts the same app against a
/// stand-in Slack) cannot drift apart. Add a new area here, not in Program.cs.
/// </summary>
public static class BotComposition
{
    public static IServiceCollection AddMentorBot(this IServiceCollection services, IConfiguration configuration) =>
        services
            // First, so the store is checked (and migrated) before any other service starts.
            .AddStartupChecks()
            .AddMentorshipOptions(configuration)
            .AddBotMetrics(configuration)
            .AddSlack()
            .AddMentorshipStore()
            .AddReliability(configuration)
            .AddFollowUps(configuration)
            // Each feature wires its own handlers; none of them knows another, only the shared one.
            .AddSharedFeatures()
            .AddRequestMentor()
            .AddVolunteer()
            .AddClaims()
            .AddFollowUpFeature()
            .AddSessions()
            .AddContact()
            .AddAdmin(configuration)
            .AddCheckIn(configuration)
            .AddHome()
            .AddMessages()
            .AddHealth();

    public static WebApplication MapMentorBot(this WebApplication app)
    {
        app.MapSlackEndpoints();
        app.MapHealth();
        app.MapBotMetrics();
        app.MapGet("/", () => "Operation Code mentorship bot. Slack talks to /slack/commands, /slack/interactions and /slack/events; health at /healthz (for people), /healthz/live and /healthz/ready (for a platform).");
        return app;
    }
}
