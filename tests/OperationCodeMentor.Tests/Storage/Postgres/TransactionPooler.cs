using System.Diagnostics;
using Npgsql;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// PgBouncer in transaction mode in front of the test server, as hosted PostgreSQL services offer it: each transaction
/// the bot sends may run on a different server session, so nothing may rely on a session's state. Started on first use,
/// once per run, in a folder of its own beside the cluster's (its socket, settings, log and pid), and stopped with the
/// server. Missing PgBouncer is a failure with the reason, never a skipped test.
/// </summary>
internal static class TransactionPooler
{
    /// <summary>The port in the name of the first pooler's unix socket (the others' follow it); they listen on no TCP port.</summary>
    private const int Port = 6432;

    private const string PidFile = "pgbouncer.pid";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Task<Pooler>?[] Starting = new Task<Pooler>?[4];
    private static readonly List<Pooler> Running = [];

    /// <summary>
    /// A connection string through the pooler to a new, empty database of its own (the pooler cannot pass a search path on).
    /// The pooler hands a transaction the server session freed most recently, PgBouncer's default; with
    /// <paramref name="oldestFreeFirst"/>, another one that hands out the one free longest (its <c>server_round_robin</c>).
    /// With <paramref name="ownPooler"/>, a pooler of the same kind that no other test class shares (the probe's tests hold
    /// its sessions or time its answers, which the bot replicas of other classes, at work through the shared one, would
    /// disturb). One pooler of each kind, each on a socket of its own.
    /// </summary>
    public static async Task<string> NewDatabaseAsync(bool oldestFreeFirst = false, bool ownPooler = false)
    {
        var admin = await PostgresServer.AdminAsync();
        Pooler pooler;
        var mode = (oldestFreeFirst ? 1 : 0) + (ownPooler ? 2 : 0);
        await Gate.WaitAsync();
        try
        {
            Starting[mode] ??= StartAsync(admin, oldestFreeFirst, Port + mode);
        }
        finally
        {
            Gate.Release();
        }
        try
        {
            pooler = await Starting[mode]!;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "The pooler tests need PgBouncer: install it so that pgbouncer is on PATH or in /usr/sbin (Debian: apt-get install pgbouncer). " + e.Message, e);
        }
        var database = "t_" + Guid.NewGuid().ToString("N");
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", c);
            await create.ExecuteNonQueryAsync();
        }
        return pooler.ConnectionString(database);
    }

    /// <summary>Stops this run's poolers and removes their folders. Safe to call more than once.</summary>
    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            foreach (var pooler in Running) await pooler.StopAsync();
            Running.Clear();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the pooler an earlier run left running in <paramref name="root"/>, if that is what it is.</summary>
    public static void StopLeftOver(string root)
    {
        var folder = Path.Combine(root, "pooler");
        if (PostgresServer.RunningFrom(Path.Combine(folder, PidFile), folder) is not { } pid) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
            p.WaitForExit(5000);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone already, or not ours to stop.
        }
    }

    private static string? Find() =>
        new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Where(d => d.Length > 0).Select(d => Path.Combine(d, "pgbouncer")))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// PgBouncer, installed from Debian's package first where it is missing and the tests may (as root, with apt-get), so
    /// that <c>dotnet test</c> alone sets up what its tests need on a fresh machine.
    /// </summary>
    private static async Task<string> ProgramAsync(bool asRoot)
    {
        if (Find() is { } found) return found;
        if (!asRoot || !File.Exists("/usr/bin/apt-get")) throw new InvalidOperationException("pgbouncer was not found, and these tests may only install it as root with apt-get.");
        string[] install = ["install", "-y", "-qq", "--no-install-recommends", "pgbouncer"];
        try
        {
            await PostgresServer.RunAsync("/usr/bin/env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", .. install]);
        }
        catch (InvalidOperationException)
        {
            // The package lists may be missing or stale on a fresh machine.
            await PostgresServer.RunAsync("/usr/bin/env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-qq"]);
            await PostgresServer.RunAsync("/usr/bin/env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", .. install]);
        }
        return Find() ?? throw new InvalidOperationException("apt-get installed pgbouncer, but it is not where it was expected.");
    }

    private static async Task<Pooler> StartAsync(string admin, bool oldestFreeFirst, int port)
    {
        var asRoot = Environment.UserName == "root";
        var program = await ProgramAsync(asRoot);
        var root = Path.Combine(PostgresServer.Parent, PostgresServer.FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
        var folder = Path.Combine(root, "pooler");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(root, PostgresServer.OwnerFile), PostgresServer.Owner.OfThisProcess());
        var server = new NpgsqlConnectionStringBuilder(admin);
        var target = $"host={server.Host} port={server.Port} user={server.Username}" + (server.Password is { Length: > 0 } password ? $" password={password}" : "");
        var settings = Path.Combine(folder, "pgbouncer.ini");
        File.WriteAllText(settings, $"""
            [databases]
            * = {target}
            [pgbouncer]
            pool_mode = transaction
            listen_addr =
            listen_port = {port}
            server_round_robin = {(oldestFreeFirst ? 1 : 0)}
            unix_socket_dir = {folder}
            auth_type = any
            default_pool_size = 4
            max_client_conn = 500
            pidfile = {Path.Combine(folder, PidFile)}
            logfile = {Path.Combine(folder, "pgbouncer.log")}
            ignore_startup_parameters = extra_float_digits
            """);
        if (asRoot) await PostgresServer.RunAsync("chown", ["-R", "postgres:postgres", root]);
        var psi = PostgresServer.Command(program, [settings], asRoot);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var pooler = new Pooler(root, folder, port, process);
        lock (Running) Running.Add(pooler);
        await PostgresServer.WaitForConnectionsAsync(pooler.ConnectionString("postgres"), process, "pgbouncer", TimeSpan.FromSeconds(30), pooler.Log);
        return pooler;
    }

    private sealed class Pooler(string root, string folder, int port, Process process)
    {
        public string ConnectionString(string database) =>
            new NpgsqlConnectionStringBuilder { Host = folder, Port = port, Database = database, Username = "postgres", Pooling = true, MaxPoolSize = 20 }.ConnectionString;

        public string Log()
        {
            try
            {
                return string.Join(" | ", File.ReadAllLines(Path.Combine(folder, "pgbouncer.log")).TakeLast(5));
            }
            catch (IOException)
            {
                return "(no log)";
            }
        }

        public async Task StopAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    // It was sent SIGKILL; the folder goes below regardless.
                }
            }
            process.Dispose();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The next run removes what is left.
            }
        }
    }
}
