using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Slack.SocketMode;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Storage.Postgres;
using OperationCodeMentor.Storage.Sqlite;

namespace OperationCodeMentor.Hosting;

public static class ServiceRegistration
{
    /// <summary>Options, each bound to its section, validated at start-up with messages that name the key.</summary>
    public static IServiceCollection AddMentorshipOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackOptions>().Bind(configuration.GetSection(SlackOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SlackOptions>, SlackOptionsValidator>();
        services.AddOptions<MentorshipOptions>().Bind(configuration.GetSection(MentorshipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<MentorshipOptions>, MentorshipOptionsSetup>();
        services.AddSingleton<IValidateOptions<MentorshipOptions>, MentorshipOptionsValidator>();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>>(new StorageOptionsValidator(configuration));
        return services;
    }

    /// <summary>The Slack layer: verification, the Web API client, the dispatcher and background work.</summary>
    public static IServiceCollection AddSlack(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(SlackApiClient.HttpClientName)
            .ConfigureHttpClient((sp, c) => c.Timeout = sp.GetRequiredService<IOptions<SlackOptions>>().Value.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton(sp => new SlackApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(SlackApiClient.HttpClientName),
            sp.GetRequiredService<IOptionsMonitor<SlackOptions>>(),
            sp.GetRequiredService<ILogger<SlackApiClient>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Dependencies>(),
            sp.GetService<Telemetry.BotMetrics>()));
        services.AddSingleton<SlackSignatureVerifier>();
        services.AddSingleton<SlackRequestReader>();
        services.AddSingleton<SlackDispatcher>();
        services.AddSingleton<SlackReachability>();
        services.AddSingleton<IDependency, SlackDependency>();
        services.AddSingleton<IJobScopes, SlackJobScopes>();
        services.TryAddSingleton<Dependencies>();
        services.AddSlackSocketMode();
        return services;
    }

    /// <summary>What runs before the bot takes traffic: <see cref="BotStartup"/> and the checks it runs.</summary>
    public static IServiceCollection AddStartupChecks(this IServiceCollection services)
    {
        services.AddSingleton<BotStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<BotStartup>());
        services.AddSingleton<IStartupCheck, StoreStartupCheck>();
        return services;
    }

    /// <summary>
    /// The store: Airtable when <c>Airtable:ApiKey</c> and <c>Airtable:BaseId</c> are both set, else PostgreSQL when
    /// <c>Storage:Postgres:ConnectionString</c> or <c>DATABASE_URL</c> is, otherwise the embedded SQLite database.
    /// </summary>
    /// <summary>Whether PostgreSQL holds the data (it is configured, and Airtable is not).</summary>
    public static bool UsesPostgres(this IServiceProvider services) => !services.UsesAirtable() && services.GetService<PostgresConnection>() is not null;

    public static IServiceCollection AddMentorshipStore(this IServiceCollection services)
    {
        services.AddSingleton<SqliteMentorshipStore>();
        services.AddAirtableStore();
        // Read from configuration once; null (no PostgreSQL configured) is what the store choice and the first lines ask for.
        services.AddSingleton(sp => PostgresConnection.FromConfiguration(sp.GetRequiredService<IConfiguration>())!);
        services.AddSingleton<PostgresMentorshipStore>();
        services.AddSingleton<IMentorshipStore>(sp => sp.UsesAirtable()
            ? sp.GetRequiredService<AirtableMentorshipStore>()
            : sp.UsesPostgres()
                ? sp.GetRequiredService<PostgresMentorshipStore>()
                : sp.GetRequiredService<SqliteMentorshipStore>());
        services.AddSingleton<IDependency, StoreDependency>();
        return services;
    }

}
