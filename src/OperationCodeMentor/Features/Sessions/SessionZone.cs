using System.Globalization;
using System.Text.RegularExpressions;

namespace OperationCodeMentor.Features.Sessions;

/// <summary>
/// The time zone a session time is typed in, and where it came from: the presser's Slack profile, the mentor's enrolment
/// (an IANA name such as America/Chicago, or an offset such as UTC-5), or the program's own zone.
/// </summary>
public sealed partial record SessionZone(TimeZoneInfo Zone, string Name, string Source)
{
    /// <summary>The zone a name stands for: an IANA or system name, <c>UTC</c>/<c>GMT</c>, or a fixed offset such as <c>UTC-5</c> or <c>GMT+5:30</c>.</summary>
    public static TimeZoneInfo? Find(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        name = name.Trim();
        var offset = Offset().Match(name);
        if (offset.Success)
        {
            var hours = offset.Groups["h"].Success ? int.Parse(offset.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
            var minutes = offset.Groups["m"].Success ? int.Parse(offset.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
            if (hours > 14 || minutes > 59) return null;
            var span = new TimeSpan(hours, minutes, 0);
            if (offset.Groups["sign"].Value == "-") span = -span;
            return span == TimeSpan.Zero ? TimeZoneInfo.Utc : TimeZoneInfo.CreateCustomTimeZone(name, span, name, name);
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The moment a date and a time picked in this zone stand for; null with a reason when they don't make one (not a
    /// date, not a time, or a time the clocks skip when they go forward).
    /// </summary>
    public (DateTimeOffset? At, string? DateProblem, string? TimeProblem) Read(string? date, string? time)
    {
        var okDate = DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d);
        var okTime = TimeOnly.TryParseExact(time, ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t);
        if (!okDate || !okTime)
            return (null, okDate ? null : "Pick the date you agreed on.", okTime ? null : "Pick the time you agreed on, such as 18:30.");
        var local = d.ToDateTime(t, DateTimeKind.Unspecified);
        if (Zone.IsInvalidTime(local))
            return (null, null, $"{t:HH:mm} doesn't exist on that day in {Name} (the clocks go forward). Pick a time an hour later.");
        // A time the clocks pass twice (when they go back) is taken at its first passing.
        var offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Max() : Zone.GetUtcOffset(local);
        return (new DateTimeOffset(local, offset), null, null);
    }

    [GeneratedRegex(@"^(?:UTC|GMT)(?:(?<sign>[+-])(?<h>\d{1,2})(?::(?<m>\d{2}))?)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Offset();
}
