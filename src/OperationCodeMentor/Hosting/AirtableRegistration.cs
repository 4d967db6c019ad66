using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Storage.Airtable;

namespace OperationCodeMentor.Hosting;

public static class AirtableRegistration
{
    /// <summary>
    /// The Airtable client and store, their options (section <c>Airtable</c>) and the start-up check of the base (run by <see cref="StoreStartupCheck"/>).
    /// Registering costs nothing when Airtable is not configured: everything is resolved on first use.
    /// </summary>
    public static IServiceCollection AddAirtableStore(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(AirtableClient))) return services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<AirtableOptions>().BindConfiguration(AirtableOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AirtableOptions>, AirtableOptionsValidator>();
        services.AddOptions<AirtableStoreOptions>().BindConfiguration(AirtableOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AirtableStoreOptions>, AirtableStoreOptionsValidator>();

        services.AddHttpClient(AirtableClient.HttpClientName)
            // Each attempt has its own timeout (Airtable:RequestTimeout); the client's would cut retries short.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton<AirtableRateLimiter>();
        services.AddSingleton(sp => new AirtableClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(AirtableClient.HttpClientName),
            sp.GetRequiredService<IOptionsMonitor<AirtableOptions>>(),
            sp.GetRequiredService<AirtableRateLimiter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AirtableClient>>(),
            sp.GetService<Reliability.Dependencies>(),
            sp.GetService<Telemetry.BotMetrics>()));
        services.AddSingleton<AirtableLayoutSource>();
        services.AddSingleton<AirtableLookups>();
        services.AddSingleton<AirtableMentorshipStore>();
        services.AddSingleton<AirtableSchemaSetup>();
        services.AddSingleton<AirtableStartupCheck>();
        return services;
    }

    /// <summary>Airtable is the store when both its token and its base are configured.</summary>
    public static bool UsesAirtable(this IServiceProvider services) =>
        services.GetRequiredService<IOptions<AirtableOptions>>().Value.IsConfigured;
}
