using System.Diagnostics;
using Npgsql;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// A real PostgreSQL server for the tests: the one <c>OCM_TEST_POSTGRES</c> names (a connection string), or else a
/// throwaway cluster started once per test run in a temporary folder (initdb, then pg_ctl on a unix socket in that
/// folder, fsync off) and stopped when the run ends. Each caller gets a fresh schema of its own. No server is a failure
/// with the reason, never a skipped test.
/// </summary>
internal static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    /// <summary>A connection string whose search path is a new, empty schema.</summary>
    public static async Task<string> NewSchemaAsync()
    {
        string admin;
        try
        {
            admin = await Server.Value;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "The PostgreSQL tests need a server: set OCM_TEST_POSTGRES to a connection string, or install PostgreSQL " +
                "so that initdb and pg_ctl are on PATH (Debian: apt-get install postgresql). " + e.Message, e);
        }
        var schema = "t_" + Guid.NewGuid().ToString("N");
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE SCHEMA {schema}";
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("OCM_TEST_POSTGRES") is { Length: > 0 } given) return given;

        var bin = await FindBinDirAsync();
        // .ci/run names a parent folder so that it can stop whatever is left in it; otherwise the system's temp folder.
        var parent = Environment.GetEnvironmentVariable("OCM_TEST_POSTGRES_ROOT") is { Length: > 0 } named ? named : Path.GetTempPath();
        var root = Path.Combine(parent, "ocm-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", root]);

        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], asRoot);
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "log"), "-w", "-t", "60",
            "-o", $"-F -k {root} -c listen_addresses='' -c max_connections=200", "start"], asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(bin, data, root, asRoot);
        return new NpgsqlConnectionStringBuilder { Host = root, Username = "postgres", Database = "postgres", Pooling = true, MaxPoolSize = 20 }.ConnectionString;
    }

    private static void Stop(string bin, string data, string root, bool asRoot)
    {
        try
        {
            RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot).GetAwaiter().GetResult();
            Directory.Delete(root, recursive: true);
        }
        catch
        {
            // The run is ending either way; .ci/run stops any cluster left behind.
        }
    }

    private static async Task<string> FindBinDirAsync()
    {
        try
        {
            var dir = (await RunAsync("pg_config", ["--bindir"])).Trim();
            if (File.Exists(Path.Combine(dir, "initdb"))) return dir;
        }
        catch (Exception)
        {
            // Not installed with pg_config; look on PATH below.
        }
        // Debian's packages keep the server's programs out of PATH, under /usr/lib/postgresql/<version>/bin.
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin"))
            : [];
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Concat(debian))
            if (d.Length > 0 && File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl"))) return d;
        throw new InvalidOperationException("Neither pg_config --bindir, PATH nor /usr/lib/postgresql leads to initdb and pg_ctl.");
    }

    private static async Task<string> RunAsync(string file, IReadOnlyList<string> args, bool asPostgres = false)
    {
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asPostgres) foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        // pg_ctl's server keeps the pipes open; read what is there once the command itself exits.
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({p.ExitCode}): {await error}");
        return await output;
    }
}
