using System.Globalization;
using System.Text.Json.Nodes;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Scheduling;

/// <summary>
/// One message a follow-up step sends: to a user by DM, or to a channel (optionally as a thread reply); or, with
/// <see cref="RedrawTs"/>, a message of the bot's that it redraws (a request's card).
/// </summary>
public sealed record StepMessage(string? UserId, string? ChannelId, string? ThreadTs, bool Broadcast, string Text, IReadOnlyList<JsonObject> Blocks)
{
    /// <summary>The message this step redraws in place rather than posting anew; a redraw is the same however often it is repeated.</summary>
    public string? RedrawTs { get; init; }

    public static StepMessage Dm(string userId, string text, IReadOnlyList<JsonObject> blocks) => new(userId, null, null, false, text, blocks);

    public static StepMessage Redraw(string channelId, string ts, string text, IReadOnlyList<JsonObject> blocks) =>
        new(null, channelId, null, false, text, blocks) { RedrawTs = ts };

    public string Target => RedrawTs is not null ? $"message {ChannelId}/{RedrawTs}"
        : UserId is not null ? $"DM {UserId}" : ThreadTs is not null ? $"thread {ChannelId}/{ThreadTs}" : $"channel {ChannelId}";
}

public enum PostResult
{
    /// <summary>Every message was sent (or was found already sent), or at least one was and the rest were refused by Slack.</summary>
    Sent,

    /// <summary>Slack refused every message (ok:false): nothing went out, so the step can simply be tried again later.</summary>
    Refused,
}

/// <summary>
/// Sends a step's messages, each marked with the step's token (as the first block's <c>block_id</c>). When a step is
/// resumed after a crash, it first reads the conversation back and skips messages that already carry the token, so
/// a crash between a post and the store write never sends a message twice.
/// </summary>
public sealed partial class StepPoster(SlackApiClient slack, ILogger<StepPoster> log)
{
    private const string MarkerPrefix = "followup-";

    /// <summary>
    /// Sends the messages. Exceptions other than Slack refusals (network faults, 5xx, time-outs, cancellation)
    /// propagate: whether Slack received the message is then unknown, and the step stays pending for a checked retry.
    /// </summary>
    public async Task<PostResult> PostAsync(IReadOnlyList<StepMessage> messages, string token, DateTimeOffset? resumingSince, CancellationToken ct)
    {
        if (messages.Count == 0) return PostResult.Sent;
        var refused = 0;
        foreach (var m in messages)
        {
            try
            {
                if (m.RedrawTs is { } ts)
                {
                    await slack.UpdateMessageAsync(m.ChannelId!, ts, m.Text, BlockKit.Blocks(m.Blocks.Select(b => (JsonObject)b.DeepClone())), ct).ConfigureAwait(false);
                    continue;
                }
                var channel = m.ChannelId ?? await slack.OpenDmAsync(m.UserId!, ct).ConfigureAwait(false);
                if (resumingSince is { } since && await AlreadySentAsync(channel, m.ThreadTs, token, since, ct).ConfigureAwait(false))
                {
                    LogAlreadySent(log, m.Target, token);
                    continue;
                }
                var body = new JsonObject
                {
                    ["channel"] = channel,
                    ["text"] = m.Text,
                    ["blocks"] = Mark(m.Blocks, token),
                    ["unfurl_links"] = false,
                };
                if (m.ThreadTs is not null) body["thread_ts"] = m.ThreadTs;
                if (m.Broadcast) body["reply_broadcast"] = true;
                // A time-out may hide a post that went through: the step's resume reads back rather than posting blindly.
                await slack.CallAsync("chat.postMessage", body, ct, SlackRetry.OnlyIfNotSent).ConfigureAwait(false);
            }
            catch (SlackApiException e) when (e.IsRefusal)
            {
                refused++;
                LogRefused(log, m.Target, e.Error);
            }
        }
        return refused == messages.Count ? PostResult.Refused : PostResult.Sent;
    }

    private static JsonArray Mark(IReadOnlyList<JsonObject> blocks, string token)
    {
        var marked = BlockKit.Blocks(blocks.Select(b => (JsonObject)b.DeepClone()));
        if (marked.Count > 0) marked[0]!["block_id"] = MarkerPrefix + token;
        return marked;
    }

    /// <summary>Whether a message marked with <paramref name="token"/> is already in the conversation (or the thread).</summary>
    private async Task<bool> AlreadySentAsync(string channel, string? threadTs, string token, DateTimeOffset since, CancellationToken ct) =>
        await slack.FindMarkedMessageAsync(channel, threadTs, MarkerPrefix + token, since, ct).ConfigureAwait(false) is not null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Follow-up {Token} to {Target} was already sent before a restart; not sending it again")]
    private static partial void LogAlreadySent(ILogger log, string target, string token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack refused a follow-up to {Target}: {Error}")]
    private static partial void LogRefused(ILogger log, string target, string error);

}
