using System.Diagnostics;

namespace OperationCodeMentor.Tests.Hosting;

/// <summary>
/// The systemd unit in deploy/, read by systemd's own checker (<c>systemd-analyze verify</c>): every key known and every
/// value parsed. No systemd runs here, so this is as far as the unit itself can be tested; what it relies on of the bot
/// (READY=1, STOPPING=1, the journal's format) is <see cref="StartupTests"/>' UnderSystemd tests.
/// </summary>
public class SystemdUnitTests
{
    private static string Unit()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OperationCodeMentor.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "deploy", "operationcode-mentor.service");
    }

    [Fact]
    public async Task TheUnit_IsOneSystemdAccepts_AsANotifyServiceThatRetriesAFailedStartWithinALimit()
    {
        var text = await File.ReadAllTextAsync(Unit());
        var folder = Directory.CreateTempSubdirectory("ocm-unit-").FullName;
        try
        {
            // The checker wants the unit under its own name. It also checks that ExecStart's program exists: where .NET is
            // not at /usr/bin/dotnet, the copy names the dotnet this test runs under.
            var copy = Path.Combine(folder, "operationcode-mentor.service");
            var dotnet = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "/usr/bin/dotnet";
            await File.WriteAllTextAsync(copy, File.Exists("/usr/bin/dotnet") ? text : text.Replace("/usr/bin/dotnet", dotnet, StringComparison.Ordinal));
            var psi = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "verify", copy }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();

            Assert.True(p.ExitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {p.ExitCode}: {output}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        Assert.Contains("\nType=notify\n", text);
        Assert.Contains("\nRestart=on-failure\n", text);
        Assert.Contains("\nRestartPreventExitStatus=2\n", text);
        Assert.Contains("\nStartLimitBurst=5\n", text);
    }
}
