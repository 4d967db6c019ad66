using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Reliability;

public static class ReliabilityRegistration
{
    /// <summary>The durable queue of acknowledged work and the jobs it runs.</summary>
    public static IServiceCollection AddReliability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReliabilityOptions>().Bind(configuration.GetSection(ReliabilityOptions.Section)).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<ReliabilityOptions>, QueuePathSetup>();
        services.AddSingleton<IValidateOptions<ReliabilityOptions>, ReliabilityOptionsValidator>();
        services.TryAddSingleton<Dependencies>();
        // With PostgreSQL as the store the queue lives there too, shared by every replica; otherwise in a file of its own.
        services.AddSingleton<IJobLedger>(sp => sp.UsesPostgres()
            ? new PostgresJobLedger(sp.GetRequiredService<Storage.Postgres.PostgresConnection>())
            : new SqliteJobLedger(Path.GetFullPath(sp.GetRequiredService<IOptions<ReliabilityOptions>>().Value.QueuePath
                ?? throw new InvalidOperationException("Reliability:QueuePath is not set."))));
        services.AddSingleton(sp => new WorkQueue(sp.GetServices<IJobHandler>(), sp.GetServices<IDependency>(), sp.GetRequiredService<Dependencies>(),
            sp.GetRequiredService<IOptions<ReliabilityOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WorkQueue>>(),
            sp.GetRequiredService<IJobLedger>(), sp.GetService<IJobScopes>()));
        services.AddHostedService(sp => sp.GetRequiredService<WorkQueue>());
        // Repeats (Slack's retries, double clicks) are recognised by every replica alike when they share a database.
        services.AddSingleton<IDeliveryMemory>(sp => sp.GetRequiredService<IJobLedger>() is PostgresJobLedger shared
            ? new PostgresDeliveryMemory(shared, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresDeliveryMemory>>())
            : new LocalDeliveryMemory(sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    // The queue lives beside the embedded database unless told otherwise, so one data folder holds everything.
    private sealed class QueuePathSetup(IOptions<StorageOptions> storage) : IPostConfigureOptions<ReliabilityOptions>
    {
        public void PostConfigure(string? name, ReliabilityOptions o)
        {
            if (!string.IsNullOrWhiteSpace(o.QueuePath)) return;
            var folder = Path.GetDirectoryName(storage.Value.SqlitePath);
            o.QueuePath = Path.Combine(string.IsNullOrEmpty(folder) ? "." : folder, "pending.db");
        }
    }

    private sealed class ReliabilityOptionsValidator : IValidateOptions<ReliabilityOptions>
    {
        public ValidateOptionsResult Validate(string? name, ReliabilityOptions o)
        {
            var errors = new List<string>();
            if (o.MaxRetryDelay < TimeSpan.FromSeconds(1) || o.MaxRetryDelay > TimeSpan.FromHours(1))
                errors.Add($"Reliability:MaxRetryDelay must be between 00:00:01 and 01:00:00; got {o.MaxRetryDelay}.");
            if (o.ProbeInterval < TimeSpan.FromMilliseconds(100) || o.ProbeInterval > o.MaxRetryDelay)
                errors.Add($"Reliability:ProbeInterval must be between 00:00:00.1 and Reliability:MaxRetryDelay; got {o.ProbeInterval}.");
            if (o.LeaseTime < TimeSpan.FromSeconds(3) || o.LeaseTime > TimeSpan.FromHours(1))
                errors.Add($"Reliability:LeaseTime must be between 00:00:03 and 01:00:00; got {o.LeaseTime}.");
            if (o.PollInterval < TimeSpan.FromMilliseconds(100) || o.PollInterval > o.LeaseTime / 3)
                errors.Add($"Reliability:PollInterval must be between 00:00:00.1 and a third of Reliability:LeaseTime; got {o.PollInterval}.");
            if (o.RememberDone < TimeSpan.FromMinutes(1))
                errors.Add($"Reliability:RememberDone must be at least 00:01:00; got {o.RememberDone}.");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
