using System.Globalization;
using System.Text.RegularExpressions;

namespace OperationCodeMentor.Mentorship;

/// <summary>A day of the week and a time of day, read in a time zone: when something weekly is due.</summary>
public readonly partial record struct WeeklyTime(DayOfWeek Day, TimeOnly Time)
{
    public static bool IsOff(string? text) =>
        text is not null && (text.Trim().Equals("off", StringComparison.OrdinalIgnoreCase) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads <c>Monday 09:00</c>, <c>mon 9:00</c> or <c>Friday 17:30</c>.</summary>
    public static bool TryParse(string? text, out WeeklyTime value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = Pattern().Match(text.Trim());
        if (!m.Success) return false;
        var day = Enum.GetValues<DayOfWeek>().Cast<DayOfWeek?>()
            .FirstOrDefault(d => d.ToString()!.StartsWith(m.Groups[1].Value, StringComparison.OrdinalIgnoreCase) && m.Groups[1].Value.Length >= 3);
        if (day is null) return false;
        var hour = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var minute = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        if (hour > 23 || minute > 59) return false;
        value = new WeeklyTime(day.Value, new TimeOnly(hour, minute));
        return true;
    }

    /// <summary>
    /// The first moment strictly after <paramref name="now"/> when it is this day and time in <paramref name="zone"/>.
    /// A time skipped by a daylight-saving change moves forward an hour; a repeated one takes its first occurrence.
    /// </summary>
    public DateTimeOffset NextAfter(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var days = ((int)Day - (int)local.DayOfWeek + 7) % 7;
        var date = DateOnly.FromDateTime(local.DateTime).AddDays(days);
        for (var week = 0; week < 3; week++, date = date.AddDays(7))
        {
            var candidate = ToUtc(date.ToDateTime(Time), zone);
            if (candidate > now) return candidate;
        }
        throw new InvalidOperationException("Could not find the next weekly time.");
    }

    private static DateTimeOffset ToUtc(DateTime localTime, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(localTime)) localTime = localTime.AddHours(1);
        var offset = zone.IsAmbiguousTime(localTime) ? zone.GetAmbiguousTimeOffsets(localTime).Max() : zone.GetUtcOffset(localTime);
        return new DateTimeOffset(DateTime.SpecifyKind(localTime, DateTimeKind.Unspecified), offset).ToUniversalTime();
    }

    public override string ToString() => $"{Day} {Time.ToString("HH:mm", CultureInfo.InvariantCulture)}";

    [GeneratedRegex(@"^([A-Za-z]+)\s+(\d{1,2}):(\d{2})$")]
    private static partial Regex Pattern();
}
