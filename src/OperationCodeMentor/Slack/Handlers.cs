using OperationCodeMentor.Reliability;

namespace OperationCodeMentor.Slack;

/// <summary>
/// What a handler answers: the acknowledgement Slack gets within its 3 seconds, and the work to do after it, if any.
/// The dispatcher runs that work, so no handler starts background work of its own: durable work is on disk before the
/// acknowledgement leaves, transient work starts beside it.
/// </summary>
public sealed record Handled(SlackAck Ack, AfterAck? Then = null)
{
    public static readonly Handled Nothing = new(SlackAck.Empty);

    /// <summary>An empty acknowledgement, then <paramref name="then"/>.</summary>
    public static Handled Later(AfterAck then) => new(SlackAck.Empty, then);

    /// <summary>An empty acknowledgement, then transient work.</summary>
    public static Handled Later(string name, Func<CancellationToken, Task> work) => new(SlackAck.Empty, new TransientWork(name, work));

    public static implicit operator Handled(SlackAck ack) => new(ack);
}

/// <summary>Handles one slash command. Must answer quickly: slow work goes in <see cref="Handled.Then"/>.</summary>
public interface ISlashCommandHandler
{
    string Command { get; }
    Task<Handled> HandleAsync(SlashCommand command, CancellationToken ct);
}

/// <summary>Handles the button or select with one <c>action_id</c>.</summary>
public interface IBlockActionHandler
{
    string ActionId { get; }
    Task<Handled> HandleAsync(BlockAction action, CancellationToken ct);
}

/// <summary>Handles submissions of the modal with one <c>callback_id</c>.</summary>
public interface IViewSubmissionHandler
{
    string CallbackId { get; }
    Task<Handled> HandleAsync(Interaction submission, CancellationToken ct);
}

/// <summary>Handles one Events API event type; events are acknowledged empty, so only the work after it is returned.</summary>
public interface ISlackEventHandler
{
    string EventType { get; }
    AfterAck? Handle(System.Text.Json.Nodes.JsonObject evt);
}
