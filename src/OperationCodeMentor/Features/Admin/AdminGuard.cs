using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Home;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Admin;

/// <summary>Where a coordinator clicked: an ephemeral list (answer through its response URL), a message, or the Home tab.</summary>
public sealed record AdminOrigin(string UserId, string? ChannelId, string? ResponseUrl, bool FromHome)
{
    /// <summary>
    /// Only an ephemeral message (a <c>/mentor-admin</c> answer) needs its response URL; any other message is answered
    /// privately in its conversation, and the Home tab by DM.
    /// </summary>
    public static AdminOrigin Of(Interaction i) =>
        new(i.UserId, i.ChannelId, i.IsEphemeral ? i.ResponseUrl : null, Interaction.Str(i.View, "type") == "home");
}

/// <summary>
/// Who may do what a coordinator does, and the checks and answers every coordinator button shares. Anyone not
/// allowed is told so and nothing changes (a crafted payload gets no further than a real click would); answers go
/// back where the click came from, and a Home tab is redrawn to show the change. Mentor and mentee buttons ask
/// <see cref="IsCoordinator"/> here too, for the coordinator who may press them on someone's behalf.
/// </summary>
public sealed partial class AdminGuard(
    IOptionsMonitor<MentorshipOptions> mentorship,
    IOptionsMonitor<ScheduleOptions> schedule,
    SlackApiClient slack,
    AppHome home,
    BackgroundWork work,
    ILogger<AdminGuard> log)
{
    public const string Refusal = "Sorry, only mentor coordinators can do that. Nothing was changed.";

    public bool IsCoordinator(string userId) => mentorship.CurrentValue.IsCoordinator(userId);

    /// <summary>Coordinators and the escalation contacts: the people the notices and escalations go to, who can act on a request.</summary>
    public bool IsStaff(string userId) => IsCoordinator(userId) || schedule.CurrentValue.EscalationContacts.Contains(userId, StringComparer.Ordinal);

    public IReadOnlyList<string> Coordinators => mentorship.CurrentValue.Coordinators;

    /// <summary>Runs <paramref name="act"/> after the acknowledgement for a coordinator; refuses anyone else.</summary>
    public SlackAck Run(string name, AdminOrigin origin, Func<CancellationToken, Task<string?>> act) => Run(name, origin, act, IsCoordinator);

    /// <summary>Runs <paramref name="act"/> after the acknowledgement for a coordinator or an escalation contact; refuses anyone else.</summary>
    public SlackAck RunForStaff(string name, AdminOrigin origin, Func<CancellationToken, Task<string?>> act) => Run(name, origin, act, IsStaff);

    private SlackAck Run(string name, AdminOrigin origin, Func<CancellationToken, Task<string?>> act, Func<string, bool> allowed)
    {
        if (!allowed(origin.UserId))
        {
            work.Run("refuse " + name, ct => ReplyAsync(origin, Refusal, redraw: false, ct));
            return SlackAck.Empty;
        }
        work.Run(name, async ct =>
        {
            string? answer;
            try
            {
                answer = await act(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e, name);
                answer = AdminCommand.Failed;
            }
            if (answer is not null) await ReplyAsync(origin, answer, redraw: origin.FromHome, ct).ConfigureAwait(false);
        });
        return SlackAck.Empty;
    }

    public async Task ReplyAsync(AdminOrigin origin, string text, bool redraw, CancellationToken ct)
    {
        if (origin.ResponseUrl is not null && !origin.FromHome)
        {
            var message = SlackAck.Ephemeral(text).Body!;
            message["replace_original"] = false;
            await slack.RespondAsync(origin.ResponseUrl, message, ct).ConfigureAwait(false);
        }
        else
            await slack.TellAsync(origin.FromHome ? null : origin.ChannelId, origin.UserId, text, ct).ConfigureAwait(false);
        if (redraw) await home.PublishAsync(origin.UserId, ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Coordinator action '{Name}' failed")]
    private static partial void LogFailed(ILogger log, Exception e, string name);
}
