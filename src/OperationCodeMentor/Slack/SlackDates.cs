using System.Globalization;

namespace OperationCodeMentor.Slack;

/// <summary>Times written for people: Slack's date token (shown in each reader's own time zone) and short durations.</summary>
public static class SlackDates
{
    /// <summary>A moment Slack shows in the reader's time zone, with a UTC fallback for clients that cannot.</summary>
    public static string When(DateTimeOffset at) =>
        $"<!date^{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}^{{date_short_pretty}} at {{time}}|{Utc(at)}>";

    /// <summary>The same moment as plain text in the given zone, for places mrkdwn does not reach (modal errors).</summary>
    public static string Plain(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var name = zone.Id == "UTC" || zone.Id == "Etc/UTC" ? "UTC" : zone.Id;
        return local.ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " " + name;
    }

    private static string Utc(DateTimeOffset at) => at.ToUniversalTime().ToString("d MMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>"45 min", "3 h 20 min", "2 d 4 h": two units at most, rounded down.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalMinutes < 1) return "under a minute";
        if (span.TotalHours < 1) return $"{(int)span.TotalMinutes} min";
        if (span.TotalDays < 1) return span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min";
        return span.Hours == 0 ? $"{(int)span.TotalDays} d" : $"{(int)span.TotalDays} d {span.Hours} h";
    }
}
