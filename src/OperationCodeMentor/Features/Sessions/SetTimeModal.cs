using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Sessions;

/// <summary>
/// The "We've set a time" modal: a date picker and a time picker in the presser's time zone (their Slack profile's, else
/// the mentor's enrolled one, else the program's). The request, the zone and where it was pressed travel in
/// <c>private_metadata</c>; the submission reads the time in that zone.
/// </summary>
public sealed partial class SetTimeModal(IMentorshipStore store, SlackApiClient slack, People people,
    IOptionsMonitor<CoordinationOptions> program, IOptionsMonitor<ScheduleOptions> schedule, TimeProvider clock, ILogger<SetTimeModal> log)
{
    public const string CallbackId = "session_time_modal";
    public const string DateBlock = "session_date";
    public const string TimeBlock = "session_time";
    public const string DateAction = "value";
    public const string TimeAction = "value";

    /// <summary>Slack answers users.info well within this, and the trigger allows 3 seconds in all.</summary>
    private static readonly TimeSpan ProfileWait = TimeSpan.FromSeconds(1.5);

    public sealed record Metadata(string Reference, string Zone, string Source, string? Channel, bool FromHome);

    /// <summary>Opens the modal for a press, or tells the presser privately why it can't be set.</summary>
    public async Task OpenAsync(Press press, string triggerId, CancellationToken ct)
    {
        TrackedRequest? tracked;
        try
        {
            tracked = await store.GetRequestAsync(press.Reference, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogStoreUnavailable(log, e, press.Reference);
            await slack.TellAsync(press.Channel, press.User,
                $"Sorry, I couldn't look up {press.Reference} just now, so the form didn't open. Nothing was changed; please press *We've set a time* again in a minute.", ct).ConfigureAwait(false);
            return;
        }
        if (WhyNot(tracked, press.User) is { } why)
        {
            await slack.TellAsync(press.Channel, press.User, why, ct).ConfigureAwait(false);
            return;
        }
        var (r, session) = (tracked!.Request, tracked.Session);
        var zone = await ZoneAsync(press.User, r.ClaimedBy!, ct).ConfigureAwait(false);
        var meta = JsonSerializer.Serialize(new Metadata(r.Reference, zone.Name, zone.Source, press.Channel, press.FromHome));
        try
        {
            await slack.OpenViewAsync(triggerId, Build(r, session, zone, press.User, meta), ct).ConfigureAwait(false);
        }
        catch (SlackApiException e) when (e.IsRefusal)
        {
            await slack.TellAsync(press.Channel, press.User,
                $"Sorry, I couldn't open the form just now (Slack said `{e.Error}`). Please press *We've set a time* again.", ct).ConfigureAwait(false);
        }
    }

    /// <summary>Why this person can't set the request's time now; null when they can.</summary>
    public string? WhyNot(TrackedRequest? tracked, string user)
    {
        if (tracked is null) return RequestStatusText.Gone;
        var r = tracked.Request;
        if (r.Status != RequestStatus.Claimed) return $"{r.Reference} is {RequestStatusText.Word(r.Status)}, so there's no session to set a time for.";
        return user != r.ClaimedBy && user != r.MenteeSlackId && !people.IsCoordinator(user)
            ? $"Only {Mrkdwn.User(r.ClaimedBy!)}, {Mrkdwn.User(r.MenteeSlackId)} or a mentor coordinator can set the time for {r.Reference}."
            : null;
    }

    /// <summary>The presser's zone from their Slack profile; else the mentor's enrolled one; else the program's.</summary>
    private async Task<SessionZone> ZoneAsync(string user, string mentor, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(ProfileWait);
        try
        {
            if (SessionZone.Find(await slack.GetUserTimeZoneAsync(user, wait.Token).ConfigureAwait(false)) is { } mine)
                return new SessionZone(mine, mine.Id, "your Slack time zone");
        }
        catch (Exception e) when (e is SlackApiException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            LogNoProfileZone(log, e.Message);
        }
        var enrolled = (await store.GetMentorAsync(mentor, ct).ConfigureAwait(false))?.TimeZone;
        if (SessionZone.Find(enrolled) is { } theirs)
            return new SessionZone(theirs, enrolled!.Trim(), user == mentor ? "the time zone you enrolled with" : $"{Mrkdwn.User(mentor)}'s time zone");
        var zone = program.CurrentValue;
        return new SessionZone(zone.Zone, zone.TimeZone, "the program's time zone");
    }

    /// <summary>The zone a submission's times are read in, as the modal showed it.</summary>
    public SessionZone ZoneOf(Metadata meta) =>
        SessionZone.Find(meta.Zone) is { } zone ? new SessionZone(zone, meta.Zone, meta.Source) : new SessionZone(program.CurrentValue.Zone, program.CurrentValue.TimeZone, "the program's time zone");

    private JsonObject Build(MentorRequest r, RequestSession session, SessionZone zone, string user, string metadata)
    {
        var other = user == r.ClaimedBy ? Mrkdwn.User(r.MenteeSlackId) : user == r.MenteeSlackId ? Mrkdwn.User(r.ClaimedBy!) : "the pair";
        var shown = TimeZoneInfo.ConvertTime(session.SessionAt ?? clock.GetUtcNow().AddDays(1), zone.Zone);
        var date = new JsonObject
        {
            ["type"] = "datepicker",
            ["action_id"] = DateAction,
            ["initial_date"] = shown.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        var time = new JsonObject { ["type"] = "timepicker", ["action_id"] = TimeAction };
        if (session.SessionAt is not null) time["initial_time"] = shown.ToString("HH:mm", CultureInfo.InvariantCulture);
        // The picker takes IANA names only; a fixed offset (UTC-5) is named in the label instead.
        if (zone.Zone.HasIanaId) time["timezone"] = zone.Zone.Id;
        var remind = FollowUpLadder.Describe(schedule.CurrentValue.RemindBefore);
        return BlockKit.Modal(CallbackId, "Session time",
        [
            BlockKit.Section($"When will you and {other} meet for *{r.Reference}*? " +
                (session.SessionAt is { } at ? $"It's set for {SlackDates.When(at)}; a new time replaces it." : "Pick the date and time you agreed on.")),
            BlockKit.Input(DateBlock, "Date", date),
            BlockKit.Input(TimeBlock, $"Time ({zone.Name})", time),
            BlockKit.Context($"Times are in *{Mrkdwn.Escape(zone.Name)}*, {zone.Source}. I'll post the time for you both and remind you {remind} before."),
        ], submit: "Save time", privateMetadata: metadata);
    }

    public static Metadata? ReadMetadata(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<Metadata>(json) is { Reference.Length: > 0, Zone.Length: > 0 } m ? m : null; }
        catch (JsonException) { return null; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Reference} to open the session time form; the presser was asked to try again")]
    private static partial void LogStoreUnavailable(ILogger log, Exception e, string reference);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not read a time zone from Slack for the session time form ({Reason}); using the mentor's or the program's")]
    private static partial void LogNoProfileZone(ILogger log, string reason);
}
