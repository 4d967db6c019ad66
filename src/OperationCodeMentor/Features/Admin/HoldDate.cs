using System.Globalization;

namespace OperationCodeMentor.Features.Admin;

/// <summary>
/// The day a coordinator's hold ends, as typed (<c>/mentor-admin hold R-1042 2026-01-15</c>) or picked in the Hold… modal:
/// the request comes back at <see cref="ResumeHour"/> that day in the program's time zone (<c>Mentorship:TimeZone</c>).
/// </summary>
public static class HoldDate
{
    public const int ResumeHour = 9;
    public const int MaxDaysAhead = 365;

    /// <summary>The moment the hold ends, or a sentence saying what is wrong with the date.</summary>
    public static bool TryParse(string? typed, TimeZoneInfo zone, DateTimeOffset now, out DateTimeOffset until, out string error)
    {
        until = default;
        error = "";
        if (!DateOnly.TryParseExact(typed?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            error = $"`{typed}` isn't a date I can read; write it as YYYY-MM-DD, for example `{Example(zone, now)}`.";
            return false;
        }
        var local = day.ToDateTime(new TimeOnly(ResumeHour, 0), DateTimeKind.Unspecified);
        // A 09:00 that a clock change skips is taken an hour later.
        if (zone.IsInvalidTime(local)) local = local.AddHours(1);
        until = new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
        if (until <= now)
        {
            error = $"{day:yyyy-MM-dd} at {ResumeHour:D2}:00 ({ZoneName(zone)}) has already passed; choose a later day, for example `{Example(zone, now)}`.";
            return false;
        }
        if (until > now.AddDays(MaxDaysAhead))
        {
            error = $"{day:yyyy-MM-dd} is more than {MaxDaysAhead} days away; choose a day within a year, or close the request instead.";
            return false;
        }
        return true;
    }

    /// <summary>A week from today in the program's time zone, as an example of a date to type.</summary>
    public static string Example(TimeZoneInfo zone, DateTimeOffset now) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime).AddDays(7).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string ZoneName(TimeZoneInfo zone) => zone.Id is "UTC" or "Etc/UTC" ? "UTC" : zone.Id;
}
