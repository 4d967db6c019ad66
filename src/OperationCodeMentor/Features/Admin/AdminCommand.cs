using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// <c>/mentor-admin</c>: the coordinators' view of the whole program. Anyone else is refused politely and nothing
/// happens. Typing mistakes are answered at once; everything that reads or changes the store runs after the
/// acknowledgement and answers through the command's response URL.
/// </summary>
public sealed partial class AdminCommand(
    AdminReports reports,
    MentorReport mentorReport,
    SlackApiClient slack,
    IOptionsMonitor<MentorshipOptions> options,
    IOptionsMonitor<CoordinationOptions> program,
    TimeProvider clock,
    ILogger<AdminCommand> log) : ISlashCommandHandler
{
    public const string Name = "/mentor-admin";
    public const int DefaultStatsDays = 30;
    public const int MaxStatsDays = 365;

    public const string Refusal =
        "Sorry, `/mentor-admin` is for mentor coordinators only, so I haven't done anything. " +
        "If you need help with a request, message a mentor coordinator; to ask for a mentor, type `/mentor`.";

    public string Command => Name;

    public Task<Handled> HandleAsync(SlashCommand command, CancellationToken ct) => Task.FromResult(Handle(command));

    private Handled Handle(SlashCommand command)
    {
        if (!options.CurrentValue.IsCoordinator(command.UserId)) return SlackAck.Ephemeral(Refusal);

        var (verb, rest) = CommandText.Verb(command.Text);
        var args = rest.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return verb switch
        {
            "" or "help" => SlackAck.Ephemeral(Help),
            "open" => Page(rest) is { } page
                ? Later(command, "list open requests", ct => reports.QueueAsync(page, ct))
                : SlackAck.Ephemeral("Usage: `/mentor-admin open [page]`, for example `/mentor-admin open 2`."),
            "stats" => Days(rest) is { } days
                ? Later(command, "compute stats", ct => reports.StatsAsync(days, ct))
                : SlackAck.Ephemeral($"Usage: `/mentor-admin stats [days]`, with days from 1 to {MaxStatsDays} (default {DefaultStatsDays})."),
            "mentor" => CommandText.TryUser(rest, out var mentor)
                ? Later(command, "show mentor", ct => mentorReport.BuildAsync(mentor, ct))
                : SlackAck.Ephemeral(NeedUser("/mentor-admin mentor @someone", rest.Length == 0 ? null : rest)),
            "assign" => args.Length == 2 && CommandText.TryUser(args[1], out var assignee)
                ? Change(command, args[0], AssignJob.KindName, p => p with { Mentor = assignee })
                : SlackAck.Ephemeral(NeedUser("/mentor-admin assign R-1042 @mentor", args.ElementAtOrDefault(1))),
            "close" => args.Length >= 1
                ? Change(command, args[0], CloseJob.KindName, p => p with { Text = args.Length > 1 ? CommandText.Plain(args[1]) : null })
                : SlackAck.Ephemeral("Usage: `/mentor-admin close R-1042 [reason]`."),
            "report" => args.Length == 1 && RequestReference.TryParse(args[0], out var reportOf)
                ? Later(command, "show session report", ct => mentorReport.SessionAsync(RequestReference.Format(reportOf), ct))
                : SlackAck.Ephemeral(args.Length == 1
                    ? $"`{Mrkdwn.Escape(args[0])}` isn't a request reference; they look like `R-1042`. Usage: `/mentor-admin report R-1042`."
                    : "Usage: `/mentor-admin report R-1042`."),
            "reopen" => args.Length == 1
                ? Change(command, args[0], ReopenJob.KindName, p => p)
                : SlackAck.Ephemeral("Usage: `/mentor-admin reopen R-1042`."),
            "hold" => Hold(command, args),
            "resume" => args.Length == 1
                ? Change(command, args[0], ResumeJob.KindName, p => p)
                : SlackAck.Ephemeral("Usage: `/mentor-admin resume R-1042`: ends a hold now."),
            _ => SlackAck.Ephemeral($"I don't know `{Mrkdwn.Escape(verb)}`.\n\n{Help}"),
        };
    }

    /// <summary><c>hold R-1042 YYYY-MM-DD [reason]</c>: a bad or past day is answered at once and nothing is recorded.</summary>
    private Handled Hold(SlashCommand command, string[] args)
    {
        var zone = program.CurrentValue.Zone;
        var now = clock.GetUtcNow();
        var usage = $"Usage: `/mentor-admin hold R-1042 YYYY-MM-DD [reason]`, for example `/mentor-admin hold R-1042 {HoldDate.Example(zone, now)} travelling`: " +
            $"the request comes back at {HoldDate.ResumeHour:D2}:00 ({program.CurrentValue.TimeZone}) that day.";
        if (args.Length < 2) return SlackAck.Ephemeral(usage);
        var (day, reason) = CommandText.Verb(args[1]);
        if (!HoldDate.TryParse(day, zone, now, out var until, out var error)) return SlackAck.Ephemeral($"{error}\n{usage}");
        return Change(command, args[0], HoldJob.KindName, p => p with { Until = until, Text = reason.Length > 0 ? CommandText.Plain(reason) : null });
    }

    /// <summary>A change to one request: durable work in its lane, answered through the command's response URL (or by DM).</summary>
    private static Handled Change(SlashCommand command, string typed, string kind, Func<Press, Press> with)
    {
        if (!RequestReference.TryParse(typed, out var number))
            return SlackAck.Ephemeral($"`{Mrkdwn.Escape(typed)}` isn't a request reference; they look like `R-1042`.");
        var press = with(new Press(RequestReference.Format(number), command.UserId, null, command.ResponseUrl));
        // Slack gives every command its own trigger; a command delivered twice is one piece of work.
        return Handled.Later(press.Work(kind, $"{kind}:{command.UserId}:{command.TriggerId ?? Guid.NewGuid().ToString("N")}", "command " + Name));
    }

    /// <summary>A report, read after the acknowledgement and answered through the command's response URL (or by DM).</summary>
    private Handled Later(SlashCommand command, string name, Func<CancellationToken, Task<(string Text, JsonArray? Blocks)>> answer) =>
        Handled.Later(name, async ct =>
        {
            JsonObject reply;
            try
            {
                var (text, blocks) = await answer(ct).ConfigureAwait(false);
                reply = Ephemeral(text);
                if (blocks is not null) reply["blocks"] = blocks;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e, name);
                reply = Ephemeral(AdminGuard.Failed);
            }
            if (command.ResponseUrl is not null) await slack.RespondAsync(command.ResponseUrl, reply, ct).ConfigureAwait(false);
            else await slack.SendDmAsync(command.UserId, reply["text"]!.ToString(), reply["blocks"]?.DeepClone() as JsonArray, ct).ConfigureAwait(false);
        });

    private static JsonObject Ephemeral(string text) => SlackAck.Ephemeral(text).Body!;

    private static int? Page(string text) =>
        text.Length == 0 ? 1 : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;

    private static int? Days(string text) =>
        text.Length == 0 ? DefaultStatsDays
        : int.TryParse(text.Trim().TrimEnd('d', 'D'), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxStatsDays ? n : null;

    private static string NeedUser(string usage, string? given) =>
        given is not null && !given.StartsWith("<@", StringComparison.Ordinal)
            ? $"I couldn't tell who `{Mrkdwn.Escape(given)}` is. Pick the person from Slack's @ list as you type, so Slack sends me their member ID. Usage: `{usage}`."
            : $"Usage: `{usage}` (pick the person from Slack's @ list as you type).";

    public const string Help =
        "*/mentor-admin* is for mentor coordinators.\n" +
        "• `/mentor-admin open [page]`: the open requests, oldest first, each with *Assign to…*, *Ask for details* and *Close*.\n" +
        "• `/mentor-admin assign R-1042 @mentor`: pair a request by hand; the mentor and mentee get the same DMs as for a claim.\n" +
        "• `/mentor-admin close R-1042 [reason]`: close a request that no longer needs a mentor; the mentee is told why.\n" +
        "• `/mentor-admin reopen R-1042`: put a closed request back in the queue.\n" +
        "• `/mentor-admin hold R-1042 YYYY-MM-DD [reason]`: take an open or claimed request off every reminder until 09:00 that day (program time zone); it comes back by itself and you're told.\n" +
        "• `/mentor-admin resume R-1042`: end a hold now; its reminders start again from today.\n" +
        "• `/mentor-admin stats [days]`: requests by service and skill, time to claim, the contact-lost share, pairings per mentor, skills to recruit for, sessions with a report, the mean rating and mentors gone quiet (default 30 days).\n" +
        "• `/mentor-admin mentor @someone`: a mentor's profile, capacity and history, with their session reports and mean rating, their last check-in, and whether they accepted the Code of Conduct and read the guidebook.\n" +
        "• `/mentor-admin report R-1042`: the mentor's private session report and the mentee's rating (the mentee only ever sees the goals).\n" +
        "Mentors holding claims get a weekly check-in; a *Need help* answer comes to you by DM. A mentor mentioned on request after request without claiming one is asked if they're still up for mentoring, and paused if they don't answer: the stats and the digest count and name them.\n" +
        "Your App Home tab shows the queue, the requests on hold (with *Hold…* and *End hold*), the headline numbers and the latest session reports, and a digest arrives by DM every week.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Coordinator command '{Name}' failed")]
    private static partial void LogFailed(ILogger log, Exception e, string name);
}
