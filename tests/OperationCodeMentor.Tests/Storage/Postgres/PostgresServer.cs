using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

// The run's own cluster is stopped and removed before xunit reports the run finished: after that report the test
// host may be ended at any moment, which is what left clusters (and unreaped server processes) behind.
[assembly: TestFramework("OperationCodeMentor.Tests.Storage.Postgres.StopsPostgresTestFramework", "OperationCodeMentor.Tests")]

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// A real PostgreSQL server for the tests: the one <c>OCM_TEST_POSTGRES</c> names (a connection string), or else a
/// throwaway cluster started once per test run in a temporary folder (initdb, then the server on a unix socket in that
/// folder, fsync off) and stopped when the run ends. Each caller gets a fresh schema of its own. No server is a failure
/// with the reason, never a skipped test.
/// </summary>
/// <remarks>
/// The server is this process's child (through <c>runuser</c> when the tests run as root), not a daemon, so its exit
/// is reaped here. Each cluster folder names the test host that owns it; at start, folders left by earlier runs are
/// removed: those whose owner has gone (their server stopped first, if it still runs), and folders of an older layout
/// whose server no longer runs. A live cluster of a run still going is never touched.
/// </remarks>
internal static class PostgresServer
{
    internal const string FolderPrefix = "ocm-pg-";
    internal const string OwnerFile = "owner";

    /// <summary>A folder without an owner file this recently touched may be a parallel run between creating it and writing it.</summary>
    private static readonly TimeSpan Settling = TimeSpan.FromMinutes(2);

    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Cluster? _cluster;

    /// <summary>The server's own connection string (its <c>postgres</c> database, as its superuser).</summary>
    public static async Task<string> AdminAsync()
    {
        try
        {
            return await Server.Value;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "The PostgreSQL tests need a server: set OCM_TEST_POSTGRES to a connection string, or install PostgreSQL " +
                "so that initdb and pg_ctl are on PATH (Debian: apt-get install postgresql). " + e.Message, e);
        }
    }

    /// <summary>The folder this run's own files go in: <c>OCM_TEST_POSTGRES_ROOT</c> (.ci/run names one), else the temp folder.</summary>
    internal static string Parent =>
        Environment.GetEnvironmentVariable("OCM_TEST_POSTGRES_ROOT") is { Length: > 0 } named ? named : Path.GetTempPath();

    /// <summary>A connection string whose search path is a new, empty schema.</summary>
    public static async Task<string> NewSchemaAsync()
    {
        var admin = await AdminAsync();
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

    /// <summary>Runs <paramref name="sql"/> on a test's database (a connection string from <see cref="NewSchemaAsync"/>).</summary>
    public static async Task ExecAsync(string database, string sql)
    {
        await using var c = new NpgsqlConnection(database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row <paramref name="sql"/> answers on <paramref name="database"/>.</summary>
    public static async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var c = new NpgsqlConnection(database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Stops this run's cluster, waits for its server to exit, and removes its folder. Safe to call more than once.</summary>
    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            NpgsqlConnection.ClearAllPools();
            await TransactionPooler.StopAsync();
            if (_cluster is not { } cluster) return;
            _cluster = null;
            await cluster.StopAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("OCM_TEST_POSTGRES") is { Length: > 0 } given) return given;

        var bin = await FindBinDirAsync();
        // .ci/run names a parent folder so that it can stop whatever is left in it; otherwise the system's temp folder.
        var parent = Parent;
        var asRoot = Environment.UserName == "root";
        await RemoveLeftoversAsync(parent, bin, asRoot);

        var root = Path.Combine(parent, FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        // First, so that a parallel run's clean-up sees at once whose folder this is.
        File.WriteAllText(Path.Combine(root, OwnerFile), Owner.OfThisProcess());
        var cluster = new Cluster(bin, root, asRoot);
        await Gate.WaitAsync();
        try
        {
            await cluster.StartAsync();
            _cluster = cluster;
        }
        catch
        {
            await cluster.StopAsync();
            throw;
        }
        finally
        {
            Gate.Release();
        }
        // A run that ends without xunit's finish (Ctrl-C) still tries; a killed one is cleaned up by the next run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().Wait(TimeSpan.FromSeconds(5));
        return cluster.ConnectionString;
    }

    /// <summary>
    /// Removes the folders earlier runs left in <paramref name="parent"/>: an owner that has gone means nothing uses the
    /// cluster any more (its server, if still running, is stopped first); a folder without an owner file (an older
    /// layout) goes only once its server is not running and nothing has touched it for a while.
    /// </summary>
    private static async Task RemoveLeftoversAsync(string parent, string bin, bool asRoot)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var root in Directory.GetDirectories(parent, FolderPrefix + "*"))
        {
            try
            {
                var data = Path.Combine(root, "data");
                var ownerFile = Path.Combine(root, OwnerFile);
                var postmaster = Postmaster(data);
                if (File.Exists(ownerFile))
                {
                    if (Owner.IsAlive(File.ReadAllText(ownerFile))) continue;
                    TransactionPooler.StopLeftOver(root);
                    if (postmaster is not null)
                        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], asRoot);
                }
                else
                {
                    if (postmaster is not null) continue;
                    var touched = new[] { root, data, Path.Combine(root, "log") }
                        .Where(p => Path.Exists(p)).Max(p => File.GetLastWriteTimeUtc(p));
                    if (DateTime.UtcNow - touched < Settling) continue;
                }
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Another run may be removing the same folder, or it is not ours to remove: leave it.
            }
        }
    }

    /// <summary>The running server of the cluster in <paramref name="data"/>, or null when none runs there.</summary>
    private static int? Postmaster(string data) => RunningFrom(Path.Combine(data, "postmaster.pid"), data);

    /// <summary>
    /// The process whose id the first line of <paramref name="pidFile"/> gives, while it runs on <paramref name="folder"/>
    /// (named on its command line); null otherwise: the id may since have gone to another program.
    /// </summary>
    internal static int? RunningFrom(string pidFile, string folder)
    {
        if (!File.Exists(pidFile)) return null;
        if (!int.TryParse(File.ReadLines(pidFile).FirstOrDefault()?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        var cmdline = $"/proc/{pid}/cmdline";
        if (File.Exists(cmdline)) return File.ReadAllText(cmdline).Replace('\0', ' ').Contains(folder, StringComparison.Ordinal) ? pid : null;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited ? null : pid;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Which test host owns a folder: its pid and, where /proc tells it, its start time (a pid is reused, the pair is not).</summary>
    internal static class Owner
    {
        public static string OfThisProcess() => $"{Environment.ProcessId} {StartTime(Environment.ProcessId)}";

        public static bool IsAlive(string owner)
        {
            var parts = owner.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
            try
            {
                using var p = Process.GetProcessById(pid);
                if (p.HasExited) return false;
            }
            catch (ArgumentException)
            {
                return false;
            }
            return parts.Length < 2 || parts[1] == StartTime(pid);
        }

        /// <summary>Field 22 of /proc/&lt;pid&gt;/stat (after the command name, which may hold spaces), or "?" without /proc.</summary>
        private static string StartTime(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return fields[19];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                return "?";
            }
        }
    }

    /// <summary>One throwaway cluster: its folder, and its server as a child of this process.</summary>
    private sealed class Cluster(string bin, string root, bool asRoot)
    {
        private readonly string _data = Path.Combine(root, "data");
        private Process? _server;
        private StreamWriter? _log;

        public string ConnectionString { get; } =
            new NpgsqlConnectionStringBuilder { Host = root, Username = "postgres", Database = "postgres", Pooling = true, MaxPoolSize = 20 }.ConnectionString;

        public async Task StartAsync()
        {
            if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", root]);
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", _data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], asRoot);

            _log = new StreamWriter(Path.Combine(root, "log")) { AutoFlush = true };
            var psi = Command(Path.Combine(bin, "postgres"), ["-D", _data, "-F", "-k", root, "-c", "listen_addresses=", "-c", "max_connections=200"], asRoot);
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            _server = Process.Start(psi)!;
            var log = _log;
            void Write(object _, DataReceivedEventArgs e)
            {
                if (e.Data is null) return;
                lock (log) { try { log.WriteLine(e.Data); } catch (ObjectDisposedException) { } }
            }
            _server.OutputDataReceived += Write;
            _server.ErrorDataReceived += Write;
            _server.BeginOutputReadLine();
            _server.BeginErrorReadLine();

            await WaitForConnectionsAsync(ConnectionString, _server, "postgres", TimeSpan.FromSeconds(60), Tail);
        }

        /// <summary>Immediate shutdown, waited for (the server's exit reaped here), then the folder removed.</summary>
        public async Task StopAsync()
        {
            if (_server is { HasExited: false } server)
            {
                try
                {
                    await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"], asRoot);
                }
                catch (InvalidOperationException)
                {
                    // Already stopping, or pg_ctl could not tell: waiting below decides.
                }
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await server.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    server.Kill(entireProcessTree: true);
                    await server.WaitForExitAsync();
                }
            }
            _server?.Dispose();
            if (_log is { } log) lock (log) log.Dispose();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        private string Tail()
        {
            try
            {
                var path = Path.Combine(root, "log");
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                return string.Join(" | ", lines.TakeLast(5));
            }
            catch (IOException)
            {
                return "(no log)";
            }
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

    /// <summary>
    /// Waits until a server just started (<paramref name="process"/>, <paramref name="name"/> in messages) accepts a
    /// connection to <paramref name="connectionString"/>; fails with the end of its log when it exits or takes too long.
    /// </summary>
    internal static async Task WaitForConnectionsAsync(string connectionString, Process process, string name, TimeSpan within, Func<string> log)
    {
        var until = DateTime.UtcNow + within;
        var probe = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 2 }.ConnectionString;
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited with code {process.ExitCode} while starting: {log()}");
            try
            {
                await using var c = new NpgsqlConnection(probe);
                await c.OpenAsync();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException)
            {
                if (DateTime.UtcNow > until) throw new InvalidOperationException($"{name} did not accept connections within {within.TotalSeconds:0} s: {log()}", e);
                await Task.Delay(50);
            }
        }
    }

    /// <summary>The command line, run as the postgres user when the tests run as root (the server refuses to run as root).</summary>
    internal static ProcessStartInfo Command(string file, IReadOnlyList<string> args, bool asPostgres)
    {
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : file) { UseShellExecute = false };
        if (asPostgres) foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    internal static async Task<string> RunAsync(string file, IReadOnlyList<string> args, bool asPostgres = false)
    {
        var psi = Command(file, args, asPostgres);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({p.ExitCode}): {await error}");
        return await output;
    }
}

/// <summary>xunit's own framework, plus one step at the very end of the run: the throwaway PostgreSQL cluster is stopped.</summary>
public sealed class StopsPostgresTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new Runner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class Runner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        /// <summary>Runs before xunit reports the run finished, while the test host is sure to be alive.</summary>
        protected override async Task BeforeTestAssemblyFinishedAsync()
        {
            try
            {
                await PostgresServer.StopAsync();
            }
            catch (Exception e)
            {
                DiagnosticMessageSink.OnMessage(new DiagnosticMessage($"Stopping the test PostgreSQL cluster failed: {e.Message}"));
            }
            await base.BeforeTestAssemblyFinishedAsync();
        }
    }
}
