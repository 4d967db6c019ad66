using System.Diagnostics;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>Runs the built bot as a real process, the way an operator starts it.</summary>
public static class BotProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "OperationCodeMentor.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Start from a clean slate: no Slack or Airtable settings leak in from the machine running the tests.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("SLACK", StringComparison.OrdinalIgnoreCase) || k.StartsWith("AIRTABLE", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Slack__", StringComparison.Ordinal) || k.StartsWith("Airtable__", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        // Nor an address: each test says where its bot listens.
        foreach (var key in new[] { "PORT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "URLS", "DOTNET_URLS" })
            psi.Environment.Remove(key);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Runs to exit (or kills after the timeout) and returns the exit code and both streams.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        using var p = Process.Start(StartInfo(environment, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        return (p.HasExited ? p.ExitCode : -1, await stdout, await stderr);
    }
}
