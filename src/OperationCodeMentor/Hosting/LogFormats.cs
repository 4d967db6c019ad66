using Microsoft.Extensions.Logging.Console;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// The console's formats. appsettings.json gives the terminal a time of day on each entry (<c>HH:mm:ss</c>), which the
/// JSON format (<c>Logging__Console__FormatterName=json</c>, what log platforms collect) would otherwise copy: entries
/// a platform keeps for weeks need the date and the zone. There, a format without a year becomes an ISO 8601 UTC time.
/// </summary>
public static class LogFormats
{
    public const string JsonTimestamp = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static ILoggingBuilder AddLogFormats(this ILoggingBuilder logging)
    {
        logging.Services.PostConfigure<JsonConsoleFormatterOptions>(o =>
        {
            if (o.TimestampFormat is { } format && format.Contains('y', StringComparison.Ordinal)) return;
            o.TimestampFormat = JsonTimestamp;
            o.UseUtcTimestamp = true;
        });
        return logging;
    }
}
