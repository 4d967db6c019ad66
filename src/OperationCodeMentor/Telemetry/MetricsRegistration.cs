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

    public static IServiceCollection AddBotMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<BotMetrics>();
        var prometheus = configuration.GetValue<bool>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Prometheus)}");
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
        services.Configure<MetricsOptions>(o => o.Prometheus = prometheus);
        if (!prometheus && !otlp) return services;

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("operation-code-mentor"))
            .WithMetrics(m =>
            {
                m.AddMeter(BotMetrics.MeterName)
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

    /// <summary>Maps <c>/metrics</c> when Prometheus is on; otherwise the path stays unknown (404).</summary>
    public static WebApplication MapBotMetrics(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetricsOptions>>().Value.Prometheus)
            app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
