using OperationCodeMentor.Demo;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage.Airtable;

// The demo hosts its own copy of the bot against a stand-in Slack; it ignores this machine's configuration.
if (args is ["demo", ..]) return await Demo.RunAsync(Console.Out, Demo.ColourWanted());

// Settings come as --key value or key=value; a bare first word is a sub-command, and only two exist.
if (args is [var first, ..] && !first.StartsWith('-') && !first.StartsWith('/') && !first.Contains('=') && first != "airtable")
{
    await Console.Error.WriteLineAsync($"Unknown command '{first}': the bot knows 'demo' and 'airtable' (run with no command to start it; settings go as --Key value).");
    return 2;
}

var builder = WebApplication.CreateBuilder(args);
SettingsBesideTheProgram.Add(builder.Configuration, builder.Environment.ContentRootPath, builder.Environment.EnvironmentName, AppContext.BaseDirectory);
builder.Configuration.AddEnvironmentAliases();
if (args is ["airtable", ..]) return await AirtableCli.RunAsync(builder.Configuration, args[1..], Console.Out);

// A failed start is told in one sentence below; the host's own report of it (a stack trace) only when debugging.
// The host's critical line for a background service that faults later still shows, with its exception.
var debugging = StartupDebugging(builder.Configuration);
if (!debugging) builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
// Started by systemd (deploy/'s unit is Type=notify), the bot tells it "ready" once its start-up checks have passed and
// it listens, and "stopping" when shutdown begins, and logs in the journal's format: one line an entry, with its
// priority, so `journalctl -p warning` finds the warnings. Started any other way, this does nothing.
builder.Services.AddSystemd();
builder.Logging.AddLogFormats(builder.Configuration);

// Under a test host (WebApplicationFactory) a failed start is the test's to see, so it is not turned into an exit code.
var underTestHost = false;
try
{
    var metricsPort = OperationCodeMentor.Telemetry.MetricsRegistration.PortFrom(builder.Configuration);
    if (ListenAddress.Choose(builder.Configuration, Environment.GetEnvironmentVariable("PORT"), metricsPort) is { } address)
    {
        builder.WebHost.UseUrls(address);
        // The addresses set include ASPNETCORE_HTTP_PORTS' own (with Metrics:Port): ASP.NET need not warn that it overrides them.
        if (metricsPort is not null) builder.WebHost.UseSetting("http_ports", "").UseSetting("https_ports", "");
    }

    builder.Services.AddMentorBot(builder.Configuration);

    var app = builder.Build();
    underTestHost = app.Services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.GetType().Namespace == "Microsoft.AspNetCore.TestHost";
    app.MapMentorBot();
    await app.RunAsync();
    return 0;
}
// A test host stops the program right after Build with HostAbortedException; that is not a failed start.
catch (Exception e) when (e is not HostAbortedException && !underTestHost)
{
    await Console.Out.FlushAsync();
    await Console.Error.WriteLineAsync(StartupErrors.Describe(e) ?? StartupErrors.Unexplained(e));
    if (debugging) await Console.Error.WriteLineAsync(e.ToString());
    return 1;
}

static bool StartupDebugging(IConfiguration configuration) =>
    configuration["Logging:LogLevel:Default"] is { } level
    && (level.Equals("Debug", StringComparison.OrdinalIgnoreCase) || level.Equals("Trace", StringComparison.OrdinalIgnoreCase));

/// <summary>Exposed so tests can host the real app.</summary>
public partial class Program;
