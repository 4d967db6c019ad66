namespace OperationCodeMentor.Slack;

/// <summary>
/// Scopes carried by every log entry written while the bot works for someone: the Slack user and what they did,
/// and the mentorship request it concerns. Scopes flow into background work started inside them, so an entry
/// written after the acknowledgement still says whose click it came from and which request it was about.
/// </summary>
public static class LogScopes
{
    private static readonly Func<ILogger, string, string, string, IDisposable?> SlackUser =
        LoggerMessage.DefineScope<string, string, string>("Slack user {SlackUserId}, {SlackKind} {SlackId}");

    private static readonly Func<ILogger, string, IDisposable?> Request =
        LoggerMessage.DefineScope<string>("Request {RequestReference}");

    /// <param name="kind">command, action, view or event.</param>
    /// <param name="id">The command, action ID, callback ID or event type.</param>
    public static IDisposable? BeginSlackUserScope(this ILogger log, string userId, string kind, string id) => SlackUser(log, userId, kind, id);

    public static IDisposable? BeginRequestScope(this ILogger log, string reference) => Request(log, reference);
}
