using System.Text.Json.Nodes;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Home;

/// <summary><c>app_home_opened</c>: publish a fresh Home tab for whoever opened it, after the acknowledgement.</summary>
public sealed class HomeOpened(AppHome home) : ISlackEventHandler
{
    public const string Type = "app_home_opened";

    public string EventType => Type;

    public AfterAck? Handle(JsonObject evt)
    {
        var user = Interaction.Str(evt, "user") ?? throw new SlackPayloadException("app_home_opened needs 'event.user'.");
        // The same event fires for the Messages tab; only the Home tab has anything to draw.
        if (Interaction.Str(evt, "tab") is { } tab && tab != "home") return null;
        return new TransientWork("publish home", stop => home.PublishAsync(user, stop));
    }
}
