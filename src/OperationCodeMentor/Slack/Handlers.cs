namespace OperationCodeMentor.Slack;

/// <summary>Handles one slash command. Must answer quickly: slow work goes to <see cref="BackgroundWork"/>.</summary>
public interface ISlashCommandHandler
{
    string Command { get; }
    Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken ct);
}

/// <summary>Handles the button or select with one <c>action_id</c>.</summary>
public interface IBlockActionHandler
{
    string ActionId { get; }
    Task<SlackAck> HandleAsync(BlockAction action, CancellationToken ct);
}

/// <summary>Handles submissions of the modal with one <c>callback_id</c>.</summary>
public interface IViewSubmissionHandler
{
    string CallbackId { get; }
    Task<SlackAck> HandleAsync(Interaction submission, CancellationToken ct);
}

/// <summary>Handles one Events API event type.</summary>
public interface ISlackEventHandler
{
    string EventType { get; }
    Task HandleAsync(System.Text.Json.Nodes.JsonObject evt, CancellationToken ct);
}
