using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Messages;

/// <summary>
/// The answer to someone who writes to the bot: it cannot read what they wrote, so it says what it can do for them,
/// part by part for each thing they are to the program, with their open items and the buttons that act on them.
/// A mentee sees how to ask and their waiting or claimed requests (an open one with Cancel); a mentor, their load, each
/// claim with Session done and Release, and how to change their profile; a coordinator, the queue's size and the
/// <c>/mentor-admin</c> commands; anyone else, what the bot is and how to start.
/// </summary>
public sealed partial class DmAnswer(IMentorshipStore store, People people, SlackApiClient slack, TimeProvider clock, ILogger<DmAnswer> log)
{
    /// <summary>How far back a mentee's requests are looked for, as on App Home.</summary>
    public static readonly TimeSpan MenteeHistory = TimeSpan.FromDays(90);
    public const int MaxRequests = 5;
    public const int MaxClaims = 10;
    public const int MaxCoordinatorsNamed = 3;

    /// <summary>The coordinator's commands, a line each; <c>/mentor-admin help</c> has them all.</summary>
    public static readonly IReadOnlyList<string> CoordinatorCommands =
    [
        "`/mentor-admin open`: the queue, oldest first, with *Assign to…*, *Ask for details* and *Close*",
        "`/mentor-admin assign R-1042 @mentor`: pair a request by hand",
        "`/mentor-admin close R-1042 [reason]`: close a request; the mentee is told why",
        "`/mentor-admin stats [days]`: the program's numbers",
        "`/mentor-admin mentor @someone`: a mentor's profile and history",
        "`/mentor-admin help`: everything else",
    ];

    public async Task SendAsync(string user, string channel, string? threadTs, CancellationToken ct)
    {
        (string Text, JsonArray Blocks) reply;
        try
        {
            reply = await BuildAsync(user, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLookupFailed(log, e);
            reply = Unavailable(user);
        }
        await slack.PostMessageAsync(channel, reply.Text, reply.Blocks, threadTs, ct: ct).ConfigureAwait(false);
    }

    public async Task<(string Text, JsonArray Blocks)> BuildAsync(string user, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var openTask = store.GetOpenRequestsAsync(ct);
        var mineTask = store.GetMenteeRequestsAsync(user, now - MenteeHistory, ct);
        var loadTask = store.GetMentorLoadAsync(user, ct);
        var open = await openTask.ConfigureAwait(false);
        var mine = await mineTask.ConfigureAwait(false);
        var load = await loadTask.ConfigureAwait(false);
        var isCoordinator = people.IsCoordinator(user);

        var blocks = new List<JsonObject>
        {
            BlockKit.Section($"Hi {Mrkdwn.User(user)}! I'm the Operation Code mentorship bot. I can't read messages here, so here's what I can do for you."),
        };
        if (mine.Count == 0 && load is null && !isCoordinator) blocks.AddRange(Newcomer());
        if (mine.Count > 0) blocks.AddRange(Mentee(mine, open, now));
        if (load is not null)
        {
            var claims = (await store.GetMentorHistoryAsync(user, 50, ct).ConfigureAwait(false)).Where(r => r.Status == RequestStatus.Claimed).ToList();
            blocks.AddRange(Mentor(load, claims));
        }
        if (isCoordinator) blocks.AddRange(Coordinator(open, now));
        blocks.Add(BlockKit.Context(Closing(user)));
        return ("Here's what I can do for you. I can't read messages here; the buttons below act on your requests.", BlockKit.Blocks(blocks));
    }

    private static IEnumerable<JsonObject> Newcomer()
    {
        yield return BlockKit.Section(
            "I pair veterans, military spouses and their families with volunteer mentors for 30-minute sessions: code reviews, " +
            "resume reviews, mock interviews, career advice and more.\n" +
            "• To ask for a mentor, type `/mentor` in any channel. I'll DM you when a mentor takes your request.\n" +
            "• To volunteer as a mentor, type `/mentor-volunteer`.");
    }

    private static IEnumerable<JsonObject> Mentee(IReadOnlyList<MentorRequest> mine, IReadOnlyList<MentorRequest> open, DateTimeOffset now)
    {
        var current = mine.Where(r => r.Status is RequestStatus.Open or RequestStatus.Claimed).ToList();
        yield return BlockKit.Header("Your requests");
        if (current.Count == 0)
        {
            yield return BlockKit.Section("None waiting right now. To ask for a mentor, type `/mentor` in any channel.");
            yield break;
        }
        foreach (var r in current.Take(MaxRequests))
        {
            var text = OwnItems.MenteeRequest(r, open, now);
            yield return r.Status == RequestStatus.Open ? BlockKit.Section(text, RequestButtons.CancelButton(r.Reference)) : BlockKit.Section(text);
        }
        if (current.Count > MaxRequests) yield return BlockKit.Context($"…and {current.Count - MaxRequests} more on your Home tab.");
        yield return BlockKit.Context("To ask for another mentor, type `/mentor` in any channel.");
    }

    private static IEnumerable<JsonObject> Mentor(MentorLoad load, IReadOnlyList<MentorRequest> claims)
    {
        var m = load.Mentor;
        yield return BlockKit.Header("Mentoring");
        var state = m.Paused
            ? ":double_vertical_bar: You're *paused*: you won't be @mentioned for new requests. `/mentor-volunteer resume` starts the mentions again."
            : ":white_check_mark: You're *active*: you're @mentioned when a request matches your skills.";
        yield return BlockKit.Section($"{state}\nYou hold {load.OpenClaims} of {m.MaxMentees} mentee{(m.MaxMentees == 1 ? "" : "s")}.");
        if (claims.Count == 0) yield return BlockKit.Section("*Your claims:* none right now.");
        foreach (var r in claims.Take(MaxClaims))
        {
            yield return BlockKit.Section(OwnItems.MentorClaim(r));
            yield return BlockKit.Actions("claim_actions:" + r.Reference, RequestButtons.SessionDoneButton(r), RequestButtons.ReleaseButton(r));
        }
        if (claims.Count > MaxClaims) yield return BlockKit.Context($"…and {claims.Count - MaxClaims} more on your Home tab.");
        yield return BlockKit.Context(
            "To change your skills, how many mentees you take, your bio or your time zone, type `/mentor-volunteer`. " +
            (m.Paused ? "" : "`/mentor-volunteer pause` stops new mentions while you're busy."));
    }

    private static IEnumerable<JsonObject> Coordinator(IReadOnlyList<MentorRequest> open, DateTimeOffset now)
    {
        yield return BlockKit.Header("Coordinating");
        var queue = open.Count == 0
            ? "*Open now:* none. Every request has a mentor."
            : $"*Open now:* {open.Count}, the oldest waiting {SlackDates.Duration(now - open.Min(r => r.CreatedAt))}.";
        yield return BlockKit.Section(queue + "\n" + string.Join("\n", CoordinatorCommands.Select(c => "• " + c)));
    }

    private string Closing(string user)
    {
        var coordinators = people.Coordinators.Where(c => c != user).Take(MaxCoordinatorsNamed).ToList();
        return "Your Home tab here shows all of this as it changes." +
               (coordinators.Count == 0 ? "" : $" For anything else, message a mentor coordinator: {Mrkdwn.Users(coordinators)}.");
    }

    /// <summary>When the records can't be read: still what the bot is and how to start, and that the rest is delayed.</summary>
    private (string Text, JsonArray Blocks) Unavailable(string user)
    {
        const string text = "I couldn't look up your requests just now. Please write again in a few minutes.";
        return (text, BlockKit.Blocks([
            BlockKit.Section($"Hi {Mrkdwn.User(user)}! I'm the Operation Code mentorship bot. {text} " +
                             "Meanwhile, `/mentor` asks for a mentor and `/mentor-volunteer` signs you up as one."),
            BlockKit.Context(Closing(user)),
        ]));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the records to answer a DM to the bot; answered that they are unavailable")]
    private static partial void LogLookupFailed(ILogger log, Exception e);
}
