using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.RequestMentor;
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
        services.AddSingleton<PendingWorkQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<PendingWorkQueue>());
        services.AddSingleton<IPendingJobHandler, RequestIntakeJob>();
        services.AddSingleton<IReservedRequestNumbers, RequestIntakeJob.Reservations>();
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
            if (o.RememberDone < TimeSpan.FromMinutes(1))
                errors.Add($"Reliability:RememberDone must be at least 00:01:00; got {o.RememberDone}.");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
