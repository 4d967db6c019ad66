using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// The messages one piece of durable work sends, each exactly once however often the work is replayed. Before a message
/// goes out, the intent is written to the work's progress; once Slack answers, its <c>ts</c> is. A replay that finds an
/// intent without an answer (the process died, or the answer was lost) reads the conversation back for the message's
/// marker (the first block's <c>block_id</c>) and posts only if it is not there. A post's <c>ts</c>, and a group DM Slack
/// opened, are noted in the progress without a write of their own: they go to disk with the work's next write (the next
/// message's intent, or the work's own next step), since a replay that lacks them finds them again; so does a redraw,
/// which a replay repeats to the same effect. Intents can also be noted ahead (<see cref="Intend"/>) and go to disk with a
/// store change. Calls that leave nothing to read back (an ephemeral reply, a response URL) are written once answered;
/// one cut off in that instant may repeat.
/// </summary>
public sealed class Outbox
{
    private readonly SlackApiClient _slack;
    private readonly IDictionary<string, string?> _sent;
    private readonly Func<CancellationToken, Task> _save;
    private readonly Func<ProgressRide>? _ride;
    private readonly string _prefix;
    private readonly DateTimeOffset _since;
    private readonly Job _job;
    private readonly HashSet<string> _intended = new(StringComparer.Ordinal);

    /// <summary>
    /// The job's progress as it stood when an intent was last noted ahead. Every write of the progress (the work's own, or
    /// one a store change carried) replaces it, so while it is still the same, some intent has not reached disk.
    /// </summary>
    private JsonObject? _noted;

    /// <param name="sent">Where the work keeps what it sent (part of its progress): a name to the message's ts, or null for an intent.</param>
    /// <param name="save">Writes the work's progress to disk.</param>
    /// <param name="ride">Offers the work's progress to the store's next change (<see cref="ProgressRide"/>).</param>
    public Outbox(SlackApiClient slack, Job job, IDictionary<string, string?> sent, Func<CancellationToken, Task> save, Func<ProgressRide>? ride = null)
    {
        _slack = slack;
        _sent = sent;
        _save = save;
        _ride = ride;
        _job = job;
        _since = job.CreatedAt;
        _prefix = "w" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(job.Key)))[..16] + "-";
    }

    /// <summary>
    /// Notes, without a write of its own, that the message under this name is about to go out, so that several intents
    /// and a store change reach disk together (<see cref="ProgressRide"/>). Should no write of the work's progress come
    /// before the message, the outbox writes it then. Nothing happens for a message already intended or sent.
    /// </summary>
    public void Intend(string name)
    {
        if (_sent.ContainsKey(name)) return;
        _sent[name] = null;
        _intended.Add(name);
        _noted = _job.Progress;
    }

    /// <summary>
    /// The intents in the progress were written with the work itself, before any attempt at it (its first step, taken with
    /// its write: <see cref="FirstStep"/>): nothing has gone out under them, so there is nothing to look for before sending.
    /// Only for an attempt of work that nobody has tried before (<see cref="JobContext.Untried"/>).
    /// </summary>
    public void IntendedWithTheWork()
    {
        foreach (var (name, ts) in _sent)
            if (ts is null) _intended.Add(name);
    }

    /// <summary>Whether an intent noted ahead has not been written yet.</summary>
    private bool IntentsUnwritten => _noted is not null && ReferenceEquals(_noted, _job.Progress);

    /// <summary>Whether the message under this name went out (now or in an earlier attempt).</summary>
    public bool HasSent(string name) => _sent.TryGetValue(name, out var ts) && ts is not null;

    /// <summary>Posts to a conversation (or a thread in it) once; answers the message's ts.</summary>
    public async Task<string> PostAsync(string name, string channel, string text, JsonArray? blocks = null, string? threadTs = null,
        bool broadcast = false, CancellationToken ct = default)
    {
        if (_sent.TryGetValue(name, out var done) && done is not null) return done;
        var marked = Mark(name, text, blocks, out var marker);
        // An intent noted in this attempt is on disk (written now, if the write it was meant to ride with did not come) and
        // nothing was sent under it yet: no need to look, or to write it again.
        if (_intended.Remove(name))
        {
            if (IntentsUnwritten) await _save(ct).ConfigureAwait(false);
        }
        else
        {
            if (_sent.ContainsKey(name)
                && await _slack.FindMarkedMessageAsync(channel, threadTs, marker, _since, ct).ConfigureAwait(false) is { } found)
                return Note(name, found);
            await RecordAsync(name, null, ct).ConfigureAwait(false);
        }
        // A time-out may hide a post that went through: a replay reads back rather than posting blindly.
        var body = new JsonObject { ["channel"] = channel, ["text"] = text, ["blocks"] = marked, ["unfurl_links"] = false };
        if (threadTs is not null) body["thread_ts"] = threadTs;
        if (broadcast) body["reply_broadcast"] = true;
        var answer = await _slack.CallAsync("chat.postMessage", body, ct, SlackRetry.OnlyIfNotSent).ConfigureAwait(false);
        return Note(name, answer["ts"]?.ToString() ?? "");
    }

    /// <summary>A direct message from the bot to one person, once.</summary>
    public async Task<string> DmAsync(string name, string userId, string text, JsonArray? blocks = null, CancellationToken ct = default)
    {
        if (_sent.TryGetValue(name, out var done) && done is not null) return done;
        var channel = await _slack.OpenDmAsync(userId, ct).ConfigureAwait(false);
        return await PostAsync(name, channel, text, blocks, ct: ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the group DM of the bot with <paramref name="users"/> once, and remembers what Slack said: the conversation,
    /// or why it refused (a workspace that restricts group DMs, a missing scope), so a replay neither asks again nor
    /// changes its mind. An outage is thrown, for the work to be tried again.
    /// </summary>
    public async Task<GroupDm> OpenGroupDmAsync(string name, IReadOnlyCollection<string> users, CancellationToken ct = default)
    {
        if (_sent.TryGetValue(name, out var done) && done is not null) return GroupDm.Read(done);
        string answer;
        try
        {
            answer = await _slack.OpenGroupDmAsync(users, ct).ConfigureAwait(false);
        }
        catch (SlackApiException e) when (GroupDm.IsRefusal(e))
        {
            answer = GroupDm.RefusedPrefix + e.Error;
        }
        // Asking again for the same people gives the same conversation, so this rides with the next write too. A refusal
        // is the same each time it is asked.
        Note(name, answer);
        return GroupDm.Read(answer);
    }

    /// <summary>
    /// Redraws a message once (a replay must not undo a later one). That it was redrawn is noted, not written: it rides
    /// with the work's next write, and a replay before that redraws the same message the same way again, which changes nothing.
    /// </summary>
    public async Task UpdateAsync(string name, string channel, string ts, string text, JsonArray? blocks, CancellationToken ct = default)
    {
        if (_sent.TryGetValue(name, out var done) && done is not null) return;
        await _slack.UpdateMessageAsync(channel, ts, text, blocks, ct).ConfigureAwait(false);
        Note(name, "");
    }

    /// <summary>Tells one person privately where they clicked (or by DM, with no channel), once.</summary>
    public Task TellAsync(string name, string? channel, string userId, string text, CancellationToken ct = default, JsonArray? blocks = null) =>
        channel is null
            ? DmAsync(name, userId, text, blocks, ct)
            : OnceAsync(name, () => _slack.PostEphemeralAsync(channel, userId, text, blocks, ct), ct);

    /// <summary>Answers through an interaction's or command's response URL, once.</summary>
    public Task RespondAsync(string name, string responseUrl, JsonObject message, CancellationToken ct = default) =>
        OnceAsync(name, () => _slack.RespondAsync(responseUrl, message, ct), ct);

    /// <summary>Any other call that leaves nothing to read back: done once it has answered.</summary>
    public async Task OnceAsync(string name, Func<Task> call, CancellationToken ct)
    {
        if (_sent.TryGetValue(name, out var done) && done is not null) return;
        await call().ConfigureAwait(false);
        await RecordAsync(name, "", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A store change made once. The work's progress, with this change noted as made and whatever was noted before it
    /// (answers, intents), is written in the same transaction where the store can (<see cref="ProgressRide"/>), and
    /// right after the change otherwise. The change must be safe to make again: a crash after it and before the write
    /// repeats it.
    /// </summary>
    public async Task ChangeOnceAsync(string name, Func<Task> change, CancellationToken ct)
    {
        if (_sent.TryGetValue(name, out var done) && done is not null)
        {
            if (IntentsUnwritten) await _save(ct).ConfigureAwait(false);
            return;
        }
        var intended = _sent.ContainsKey(name);
        _sent[name] = "";
        using var ride = _ride?.Invoke();
        try
        {
            await change().ConfigureAwait(false);
        }
        catch
        {
            // Not made: as it was (an intent from an earlier attempt, or nothing).
            if (intended) _sent[name] = null;
            else _sent.Remove(name);
            throw;
        }
        if (ride is not { Taken: true }) await _save(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Notes that the store change under this name is folded into the change about to be written (see
    /// <see cref="ChangeOnceAsync"/>), so it counts as made once that write is made, and is not made again.
    /// </summary>
    public void Changed(string name) => _sent[name] = "";

    /// <summary>Notes what Slack answered, to be written with the work's next write.</summary>
    private string Note(string name, string ts)
    {
        _sent[name] = ts;
        return ts;
    }

    private async Task<string> RecordAsync(string name, string? ts, CancellationToken ct)
    {
        _sent[name] = ts;
        await _save(ct).ConfigureAwait(false);
        return ts ?? "";
    }

    /// <summary>The blocks with the message's marker as the first block's ID (one the message already carries is kept).</summary>
    private JsonArray Mark(string name, string text, JsonArray? blocks, out string marker)
    {
        var marked = blocks is { Count: > 0 }
            ? BlockKit.Blocks(blocks.OfType<JsonObject>().Select(b => (JsonObject)b.DeepClone()))
            : BlockKit.Blocks([BlockKit.Section(text)]);
        var first = (JsonObject)marked[0]!;
        marker = first["block_id"]?.ToString() ?? _prefix + name;
        first["block_id"] = marker;
        return marked;
    }
}

/// <summary>What Slack said when asked for a group DM: its ID, or the error it refused with.</summary>
public sealed record GroupDm(string? ChannelId, string? Refusal)
{
    internal const string RefusedPrefix = "refused:";

    /// <summary>
    /// Slack said no to this conversation (the workspace restricts group DMs, the app lacks <c>mpim:write</c>, someone
    /// has left): the pair is told in two DMs instead. A token that no longer works or a rate limit is not a refusal of
    /// the group DM, so the work waits for it like any other call.
    /// </summary>
    public static bool IsRefusal(SlackApiException e) => e.IsRefusal && (!e.IsAuthProblem || e.Error == "missing_scope");

    internal static GroupDm Read(string recorded) => recorded.StartsWith(RefusedPrefix, StringComparison.Ordinal)
        ? new GroupDm(null, recorded[RefusedPrefix.Length..])
        : new GroupDm(recorded, null);
}
