using System.Globalization;

namespace OperationCodeMentor.Scheduling;

/// <summary>
/// A daily window, in a time zone, when the bot sends no follow-ups. The window may wrap midnight (22:00-07:00).
/// The start is inside the window, the end is not.
/// </summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End, TimeZoneInfo Zone)
{
    /// <summary>Reads <c>HH:mm-HH:mm</c>.</summary>
    public static bool TryParse(string? text, out TimeOnly start, out TimeOnly end)
    {
        start = end = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && TimeOnly.TryParseExact(parts[0], ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out start)
            && TimeOnly.TryParseExact(parts[1], ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out end)
            && start != end;
    }

    public bool Contains(DateTimeOffset at)
    {
        var t = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime);
        return Start < End ? t >= Start && t < End : t >= Start || t < End;
    }

    /// <summary>When <paramref name="at"/> falls in quiet hours, the moment they end; otherwise <paramref name="at"/> itself.</summary>
    public DateTimeOffset Defer(DateTimeOffset at)
    {
        if (!Contains(at)) return at;
        var local = TimeZoneInfo.ConvertTime(at, Zone).DateTime;
        var endDay = Start > End && TimeOnly.FromDateTime(local) >= Start ? local.Date.AddDays(1) : local.Date;
        var end = endDay + End.ToTimeSpan();
        // A wall-clock time skipped by a daylight-saving jump does not exist; the first minute after the jump does.
        while (Zone.IsInvalidTime(end)) end = end.AddMinutes(1);
        return new DateTimeOffset(end, Zone.GetUtcOffset(end));
    }
}
