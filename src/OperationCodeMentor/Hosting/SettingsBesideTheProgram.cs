using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace OperationCodeMentor.Hosting;

/// <summary>
/// The host reads <c>appsettings.json</c> from the working directory. A published bot is often started from
/// somewhere else (a systemd unit whose working directory is its data folder, <c>dotnet /opt/…/OperationCodeMentor.dll</c>
/// from a shell), and without its settings file the logs lose their quiet defaults: every request and every
/// outgoing Slack call at Information, with no timestamps. So when the working directory holds no settings file,
/// the one published beside the program is read in its place, still below environment variables and arguments.
/// </summary>
public static class SettingsBesideTheProgram
{
    public const string FileName = "appsettings.json";

    public static void Add(IConfigurationManager configuration, string contentRoot, string environment) =>
        Add(configuration, contentRoot, environment, AppContext.BaseDirectory);

    internal static void Add(IConfigurationManager configuration, string contentRoot, string environment, string programFolder)
    {
        if (File.Exists(Path.Combine(contentRoot, FileName))) return;
        if (!File.Exists(Path.Combine(programFolder, FileName))) return;
        if (Path.GetFullPath(contentRoot).TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(programFolder).TrimEnd(Path.DirectorySeparatorChar)) return;

        var sources = configuration.Sources;
        // The host's own entry for the file marks the place: above it the host's defaults, below it the environment and arguments.
        var at = sources.ToList().FindIndex(s => s is JsonConfigurationSource { Path: FileName });
        var files = new PhysicalFileProvider(programFolder);
        var beside = new List<IConfigurationSource>
        {
            new JsonConfigurationSource { Path = FileName, Optional = true, FileProvider = files },
            new JsonConfigurationSource { Path = $"appsettings.{environment}.json", Optional = true, FileProvider = files },
        };
        foreach (var (source, n) in beside.Select((s, n) => (s, n))) sources.Insert(at + 1 + n, source);
    }
}
