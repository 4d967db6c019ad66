using Microsoft.Extensions.Logging.Console;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// The console's formats. appsettings.json gives the terminal a time of day on each entry (<c>HH:mm:ss</c>), which the
/// other formats would otherwise copy, since the formats share their options:
/// <list type="bullet">
/// <item>JSON (<c>Logging__Console__FormatterName=json</c>, what log platforms collect): entries kept for weeks need the
/// date and the zone, so a format without a year becomes an ISO 8601 UTC time.</item>
/// <item>The journal's (chosen when systemd starts the bot): journald stamps every line itself, so a
/// format without a year is dropped.</item>
/// </list>
/// A format named in the settings is kept, under systemd too.
/// </summary>
public static class LogFormats
{
    public const string JsonTimestamp = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private const string FormatterKey = "Logging:Console:FormatterName";

    public static ILoggingBuilder AddLogFormats(this ILoggingBuilder logging, IConfiguration configuration)
    {
        // A format named in the settings wins (systemd's choice comes before this); with none named, the terminal's. The
        // name is always set: without one the console reads the time format from its own obsolete options instead.
        var chosen = configuration[FormatterKey];
        logging.Services.PostConfigure<ConsoleLoggerOptions>(o =>
            o.FormatterName = string.IsNullOrWhiteSpace(chosen) ? o.FormatterName ?? ConsoleFormatterNames.Simple : chosen);
        logging.Services.PostConfigure<JsonConsoleFormatterOptions>(o =>
        {
            if (HasDate(o.TimestampFormat)) return;
            o.TimestampFormat = JsonTimestamp;
            o.UseUtcTimestamp = true;
        });
        // The journal's format takes the options' base type.
        logging.Services.PostConfigure<ConsoleFormatterOptions>(o =>
        {
            if (!HasDate(o.TimestampFormat)) o.TimestampFormat = null;
        });
        return logging;
    }

    private static bool HasDate(string? format) => format is not null && format.Contains('y', StringComparison.Ordinal);
}
