using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OperationCodeMentor.Telemetry;

/// <summary>Settings under <c>Metrics:</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve <c>/metrics</c> in Prometheus text format. Off by default: the numbers are for operators, not the public.</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// A port of its own for <c>/metrics</c> (9464 is usual): served there and nowhere else, beside the health probes,
    /// so the address Slack and the public reach never shows it. Null: <c>/metrics</c> is on the bot's own port.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>Where OTLP sends the metrics (scheme, host, port and path of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); null when it does not.</summary>
    public string? Otlp { get; set; }

    /// <summary>Where the metrics go, for the first lines after start; null when nowhere.</summary>
    public string? Describe()
    {
        var where = new List<string>();
        if (Prometheus) where.Add(Port is { } port ? $"Prometheus at /metrics on port {port} only" : "Prometheus at /metrics, on the bot's own port (Metrics:Port gives it one of its own)");
        if (Otlp is not null) where.Add($"OTLP to {Otlp}");
        return where.Count == 0 ? null : string.Join("; ", where);
    }
}

/// <summary>
/// Wires the bot's meter (<see cref="BotMetrics"/>) and ASP.NET Core's and HttpClient's own instruments to the
/// exporters asked for: Prometheus at <c>/metrics</c> when <c>Metrics:Prometheus=true</c>, OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the standard <c>OTEL_*</c> variables itself).
/// With neither, no meter provider is started and recording costs next to nothing.
/// </summary>
public static class MetricsRegistration
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string PortKey = "Metrics:Port";

    /// <summary>
    /// <c>Metrics:Port</c>, or null when it is not set. A value that is not a port, or a port with nothing to serve on it
    /// (Prometheus off), stops start-up with one sentence.
    /// </summary>
    public static int? PortFrom(IConfiguration configuration)
    {
        var raw = configuration[PortKey];
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (!int.TryParse(raw.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new Hosting.StartupException(
                $"{PortKey} is '{raw}', which is not a port number; set it to a number from 1 to 65535, or remove it to serve /metrics on the bot's own port.");
        if (!configuration.GetValue<bool>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Prometheus)}"))
            throw new Hosting.StartupException(
                $"{PortKey} is set, but Metrics:Prometheus is not true, so there would be nothing to serve on port {port}; set Metrics:Prometheus=true, or remove {PortKey}.");
        return port;
    }

    /// <summary>The meter .NET itself publishes (<c>dotnet.gc.*</c>, <c>dotnet.jit.*</c>, <c>dotnet.thread_pool.*</c>, …).</summary>
    internal const string RuntimeMeter = "System.Runtime";

    public static IServiceCollection AddBotMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<BotMetrics>();
        var prometheus = configuration.GetValue<bool>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Prometheus)}");
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
        var port = PortFrom(configuration);
        var endpoint = otlp ? ShownEndpoint(configuration[OtlpEndpointVariable]!) : null;
        services.Configure<MetricsOptions>(o => (o.Prometheus, o.Port, o.Otlp) = (prometheus, port, endpoint));
        if (!prometheus && !otlp) return services;

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("operation-code-mentor"))
            .WithMetrics(m =>
            {
                // The runtime's own meter (collections and their pauses, JIT, the thread pool's queue): what a latency
                // figure needs beside it, since a pause or a compilation shows there and nowhere in the bot's meter.
                m.AddMeter(BotMetrics.MeterName, RuntimeMeter)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                // Meters made by another host's factory in this process (tests host many bots at once) are not ours.
                ((IDeferredMeterProviderBuilder)m).Configure((sp, b) =>
                {
                    var ours = sp.GetRequiredService<IMeterFactory>();
                    b.AddView(i => i.Meter.Scope is IMeterFactory f && !ReferenceEquals(f, ours) ? MetricStreamConfiguration.Drop : null);
                });
                // No response cache: a scrape shows the values of that moment. The one costly gauge keeps its own cache.
                if (prometheus) m.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp) m.AddOtlpExporter();
            });
        return services;
    }

    /// <summary>The endpoint without what may carry a credential (user information, a query).</summary>
    private static string ShownEndpoint(string value) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "the endpoint in " + OtlpEndpointVariable;

    /// <summary>
    /// Maps <c>/metrics</c> when Prometheus is on; otherwise the path stays unknown (404). With a port of its own, a request
    /// is told apart by the port it arrived on (not its Host header, which the sender chooses): there, <c>/metrics</c> and the
    /// health probes answer and nothing else; on every other port, <c>/metrics</c> is 404.
    /// </summary>
    public static WebApplication MapBotMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetricsOptions>>().Value;
        if (!options.Prometheus) return app;
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (options.Port is { } port)
            app.Use((context, next) =>
            {
                var path = context.Request.Path;
                var metrics = path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase);
                var allowed = context.Connection.LocalPort == port ? metrics || path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase) : !metrics;
                if (allowed) return next(context);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        return app;
    }

    private const string MetricsPath = "/metrics";
}
