using System.Text.Json.Nodes;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Messages;

/// <summary>
/// <c>message</c> in the bot's DM with someone (its Messages tab): answered, after the acknowledgement, with what the bot
/// can do for that person and their open items (<see cref="DmAnswer"/>). Only a person writing counts: edits,
/// deletions, other apps' and the bot's own posts get nothing. Someone who writes several lines in a row gets one answer:
/// after an answer, that person's next one waits <see cref="AnswerEvery"/> on the bot's clock.
/// </summary>
/// <remarks>
/// The answer is transient work: losing it in a crash loses nothing the person did, and they can write again. A Slack
/// retry of the same event is skipped by the dispatcher (by its event ID) and, should it come after a restart, by the pace.
/// </remarks>
public sealed partial class DirectMessage(DmAnswer answer, TimeProvider clock, ILogger<DirectMessage> log) : ISlackEventHandler
{
    public const string Type = "message";

    /// <summary>The least time between two answers to one person.</summary>
    public static readonly TimeSpan AnswerEvery = TimeSpan.FromMinutes(2);

    /// <summary>Past this many people remembered, those answered longer ago than <see cref="AnswerEvery"/> are forgotten.</summary>
    private const int PruneAbove = 1_000;

    private readonly Dictionary<string, DateTimeOffset> _lastAnswer = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public string EventType => Type;

    public AfterAck? Handle(JsonObject evt)
    {
        // Messages in channels and group DMs the bot is in are not addressed to it.
        if (Interaction.Str(evt, "channel_type") != "im") return null;
        if (!FromAPerson(evt, out var user)) return null;
        var channel = Interaction.Str(evt, "channel") ?? throw new SlackPayloadException("A message event needs 'event.channel'.");
        if (!TakeTurn(user))
        {
            LogNotAgain(log, AnswerEvery.TotalMinutes);
            return null;
        }
        var thread = Interaction.Str(evt, "thread_ts");
        return new TransientWork("answer a DM", ct => answer.SendAsync(user, channel, thread, ct));
    }

    /// <summary>
    /// A person's own new message: not an edit or deletion (those come with a subtype), not a post by an app (it carries
    /// <c>bot_id</c>), and not the bot's own (its user is the installation's bot user, named in the envelope).
    /// A person sharing a file writes too.
    /// </summary>
    private static bool FromAPerson(JsonObject evt, out string user)
    {
        user = Interaction.Str(evt, "user") ?? "";
        if (user.Length == 0) return false;
        if (Interaction.Str(evt, "subtype") is { } subtype && subtype != "file_share") return false;
        if (evt["bot_id"] is not null || evt["hidden"]?.GetValueKind() == System.Text.Json.JsonValueKind.True) return false;
        return !IsTheBot(evt, user);
    }

    private static bool IsTheBot(JsonObject evt, string user)
    {
        if (evt.Parent?["authorizations"] is not JsonArray authorizations) return false;
        foreach (var a in authorizations.OfType<JsonObject>())
            if (Interaction.Str(a, "user_id") == user && a["is_bot"]?.GetValueKind() == System.Text.Json.JsonValueKind.True) return true;
        return false;
    }

    /// <summary>True when the person may be answered now, and records that they are.</summary>
    private bool TakeTurn(string user)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (_lastAnswer.TryGetValue(user, out var last) && now - last < AnswerEvery) return false;
            if (_lastAnswer.Count >= PruneAbove)
                foreach (var old in _lastAnswer.Where(p => now - p.Value >= AnswerEvery).Select(p => p.Key).ToList())
                    _lastAnswer.Remove(old);
            _lastAnswer[user] = now;
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A DM to the bot within {Minutes} min of the last answer to its writer was not answered again")]
    private static partial void LogNotAgain(ILogger log, double minutes);
}
