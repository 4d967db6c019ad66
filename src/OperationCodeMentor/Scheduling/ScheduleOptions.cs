using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Scheduling;

/// <summary>
/// Settings under <c>Mentorship:Schedule:</c> (the follow-up ladder), plus <c>Mentorship:EscalationContacts</c>, which
/// the ladder is the only user of. Quiet hours are read in the program's time zone, <see cref="CoordinationOptions.Zone"/>.
/// Every duration is a TimeSpan (<c>d.hh:mm:ss</c>), so seconds-long values work for watching the whole ladder in a minute.
/// </summary>
public sealed class ScheduleOptions
{
    public const string Section = "Mentorship:Schedule";
    public const string EscalationContactsKey = "Mentorship:EscalationContacts";
    public const string NamedMentorWaitKey = "Mentorship:NamedMentorWait";

    /// <summary>First bump of an unclaimed request, after it was posted (or released). Default 1 day.</summary>
    public TimeSpan FirstBumpAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Time between later bumps. Default 2 days.</summary>
    public TimeSpan BumpEvery { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Most bumps of one request (0 turns bumping off). Default 3.</summary>
    public int MaxBumps { get; set; } = 3;

    /// <summary>When the coordinators are DMed about an unclaimed request and the mentee is told it's in hand. Default 3 days.</summary>
    public TimeSpan NotifyCoordinatorsAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>When an unclaimed request goes to the escalation contacts. Default 10 days.</summary>
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromDays(10);

    /// <summary>When a mentor who claimed a request and hasn't marked the session done is nudged. Default 7 days.</summary>
    public TimeSpan NudgeMentorAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>When the coordinators are told a claim looks stuck. Default 14 days.</summary>
    public TimeSpan StuckClaimAfter { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long before the time a pair set both are reminded, in their conversation. Default 1 hour.</summary>
    public TimeSpan RemindBefore { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>Mentorship:NamedMentorWait</c>: how long a request for a named mentor waits for them before it goes to the
    /// mentors channel. Default 2 days.
    /// </summary>
    public TimeSpan NamedMentorWait { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How often the sweep looks for due steps. Default 1 minute.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Optional <c>HH:mm-HH:mm</c> in <c>Mentorship:TimeZone</c>, such as <c>22:00-07:00</c>; a step due inside waits for the end. Default none.</summary>
    public string? QuietHours { get; set; }

    /// <summary><c>Mentorship:EscalationContacts</c>: Slack user IDs of the chain of command. Default none (the coordinators get escalations).</summary>
    public List<string> EscalationContacts { get; set; } = [];

    /// <summary>The parsed quiet hours in <paramref name="zone"/>, or null when there are none (or they are invalid, which validation reports).</summary>
    public QuietHours? GetQuietHours(TimeZoneInfo zone) =>
        Scheduling.QuietHours.TryParse(QuietHours, out var start, out var end) ? new QuietHours(start, end, zone) : null;
}

/// <summary>Reads the key that lives directly under <c>Mentorship:</c>; the list may be one comma-separated value.</summary>
internal sealed class ScheduleOptionsSetup(IConfiguration configuration) : IConfigureOptions<ScheduleOptions>
{
    public void Configure(ScheduleOptions o)
    {
        var contacts = configuration.GetSection(ScheduleOptions.EscalationContactsKey);
        o.EscalationContacts = contacts.GetChildren().Select(c => c.Value).Append(contacts.Value)
            .OfType<string>()
            .SelectMany(c => c.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (configuration[ScheduleOptions.NamedMentorWaitKey] is { Length: > 0 } wait)
        {
            o.NamedMentorWait = TimeSpan.TryParse(wait, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
                : throw new OptionsValidationException(ScheduleOptions.NamedMentorWaitKey, typeof(ScheduleOptions),
                    [$"{ScheduleOptions.NamedMentorWaitKey} must be a duration such as 2.00:00:00 (2 days) or 04:00:00 (4 hours); got '{wait}'."]);
        }
    }
}

internal sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduleOptions o)
    {
        var errors = new List<string>();
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero)
                errors.Add($"{ScheduleOptions.Section}:{key} must be a positive duration such as 1.00:00:00 (1 day) or 00:00:30 (30 seconds); got {value}.");
        }
        Positive(o.FirstBumpAfter, nameof(o.FirstBumpAfter));
        Positive(o.BumpEvery, nameof(o.BumpEvery));
        Positive(o.NotifyCoordinatorsAfter, nameof(o.NotifyCoordinatorsAfter));
        Positive(o.EscalateAfter, nameof(o.EscalateAfter));
        Positive(o.NudgeMentorAfter, nameof(o.NudgeMentorAfter));
        Positive(o.StuckClaimAfter, nameof(o.StuckClaimAfter));
        Positive(o.RemindBefore, nameof(o.RemindBefore));
        if (o.NamedMentorWait <= TimeSpan.Zero || o.NamedMentorWait > TimeSpan.FromDays(30))
            errors.Add($"{ScheduleOptions.NamedMentorWaitKey} must be a duration between 00:00:01 and 30.00:00:00 such as 2.00:00:00 (2 days); got {o.NamedMentorWait}.");
        if (o.MaxBumps is < 0 or > 10)
            errors.Add($"{ScheduleOptions.Section}:MaxBumps must be between 0 and 10; got {o.MaxBumps}.");
        if (o.EscalateAfter < o.NotifyCoordinatorsAfter)
            errors.Add($"{ScheduleOptions.Section}:EscalateAfter ({o.EscalateAfter}) must not come before NotifyCoordinatorsAfter ({o.NotifyCoordinatorsAfter}): coordinators hear first.");
        if (o.StuckClaimAfter < o.NudgeMentorAfter)
            errors.Add($"{ScheduleOptions.Section}:StuckClaimAfter ({o.StuckClaimAfter}) must not come before NudgeMentorAfter ({o.NudgeMentorAfter}): the mentor is nudged first.");
        if (o.SweepInterval < TimeSpan.FromSeconds(1) || o.SweepInterval > TimeSpan.FromHours(1))
            errors.Add($"{ScheduleOptions.Section}:SweepInterval must be between 00:00:01 and 01:00:00; got {o.SweepInterval}.");
        if (!string.IsNullOrWhiteSpace(o.QuietHours) && !QuietHours.TryParse(o.QuietHours, out _, out _))
            errors.Add($"{ScheduleOptions.Section}:QuietHours must look like 22:00-07:00 (start-end, 24-hour clock, start and end different); got '{o.QuietHours}'.");
        foreach (var c in o.EscalationContacts.Where(c => !SlackIds.IsUserId(c)))
            errors.Add($"{ScheduleOptions.EscalationContactsKey} must hold Slack user IDs such as U0123ABCD; '{c}' is not one (find it in the person's profile, under 'Copy member ID').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
