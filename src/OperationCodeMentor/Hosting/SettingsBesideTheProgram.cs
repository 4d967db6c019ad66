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

    /// <param name="programFolder">Where the program was published (<see cref="AppContext.BaseDirectory"/>).</param>
    public static void Add(IConfigurationManager configuration, string contentRoot, string environment, string programFolder)
    {
        // Also covers a start from the program's own folder: its file is then the host's already.
        if (File.Exists(Path.Combine(contentRoot, FileName)) || !File.Exists(Path.Combine(programFolder, FileName))) return;

        var sources = configuration.Sources;
        // Right after the host's own entry for the file: above it the host's defaults, below it the environment and arguments.
        var at = sources.ToList().FindIndex(s => s is JsonConfigurationSource { Path: FileName }) + 1;
        var files = new PhysicalFileProvider(programFolder);
        sources.Insert(at, new JsonConfigurationSource { Path = FileName, Optional = true, FileProvider = files });
        sources.Insert(at + 1, new JsonConfigurationSource { Path = $"appsettings.{environment}.json", Optional = true, FileProvider = files });
    }
}
