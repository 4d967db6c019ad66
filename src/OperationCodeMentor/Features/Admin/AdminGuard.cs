using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Reliability;
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

    /// <summary>The same place, as durable work about a request carries it.</summary>
    public Press Press(string reference) => new(reference, UserId, FromHome ? null : ChannelId, ResponseUrl, FromHome);
}

/// <summary>
/// Who may do what a coordinator does. Anyone not allowed is told so and nothing changes (a crafted payload gets no
/// further than a real click would; the lifecycle checks again). Changes go to durable work; reading and opening forms
/// run after the acknowledgement, and their answers go back where the click came from, redrawing a Home tab.
/// </summary>
public sealed partial class AdminGuard(People people, SlackApiClient slack, IHomeTab home, ILogger<AdminGuard> log)
{
    public const string Refusal = "Sorry, only mentor coordinators can do that. Nothing was changed.";

    /// <summary>The answer when something a coordinator asked for failed on our side.</summary>
    public const string Failed =
        "Sorry, that didn't finish because of a problem on our side. Check the request with `/mentor-admin open` and try again in a minute.";

    /// <summary>Durable work for a coordinator or an escalation contact; anyone else is refused.</summary>
    public Handled ForStaff(AdminOrigin origin, Func<DurableWork> work) =>
        people.IsStaff(origin.UserId) ? Handled.Later(work()) : Refuse(origin);

    /// <summary>Reading or opening a form, for a coordinator (or, with <paramref name="staff"/>, an escalation contact).</summary>
    public Handled Run(string name, AdminOrigin origin, Func<CancellationToken, Task<string?>> act, bool staff = false)
    {
        if (!(staff ? people.IsStaff(origin.UserId) : people.IsCoordinator(origin.UserId))) return Refuse(origin);
        return Handled.Later(name, async ct =>
        {
            string? answer;
            try
            {
                answer = await act(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e, name);
                answer = Failed;
            }
            if (answer is not null) await ReplyAsync(origin, answer, redraw: origin.FromHome, ct).ConfigureAwait(false);
        });
    }

    private Handled Refuse(AdminOrigin origin) => Handled.Later("refuse", ct => ReplyAsync(origin, Refusal, redraw: false, ct));

    public async Task ReplyAsync(AdminOrigin origin, string text, bool redraw, CancellationToken ct)
    {
        await PrivateReply.SendAsync(slack, origin.UserId, origin.ChannelId, origin.ResponseUrl, origin.FromHome, text, ct).ConfigureAwait(false);
        if (redraw) await home.PublishAsync(origin.UserId, ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Coordinator action '{Name}' failed")]
    private static partial void LogFailed(ILogger log, Exception e, string name);
}
