using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Slack.SocketMode;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Health;

/// <summary>
/// Health for a platform and for people. <c>GET /healthz/live</c>: the process answers (200). <c>GET /healthz/ready</c>:
/// it can take traffic, the start-up checks (migrations included) passed, the store answers and shutdown has not begun
/// (200, else 503); a Slack outage does not count, since the queue holds the work until Slack is back. <c>GET /healthz</c>: JSON for people,
/// whether the store answers, whether Slack answers (only when it was asked: offline mode asks nobody) and how much
/// acknowledged work is waiting; 503 when the store or Slack cannot be reached.
/// </summary>
public static class HealthEndpoint
{
    private const string Ready = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StoreReadiness>("store", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync);
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready) });
        return app;
    }

    private static async Task<string> StoreStateAsync(IMentorshipStore store, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.CheckAsync(timeout.Token).ConfigureAwait(false);
            return "ok";
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return "unavailable";
        }
    }

    private static async Task<IResult> CheckAsync(IMentorshipStore store, SlackApiClient slack, SlackReachability reachability,
        SocketModeService socketMode, WorkQueue queue, CancellationToken ct)
    {
        var storeState = await StoreStateAsync(store, ct).ConfigureAwait(false);
        // Offline, nothing is sent to Slack, so nobody knows whether it answers: say so rather than "reachable".
        var slackState = slack.IsOffline ? null : await reachability.CheckAsync(ct).ConfigureAwait(false);
        var healthy = storeState == "ok" && slackState is null or { Reachable: true };
        var body = new
        {
            status = healthy ? "ok" : "degraded",
            store = new { kind = store.GetType().Name, state = storeState },
            slack = new
            {
                mode = slack.IsOffline ? "offline" : "online",
                reachable = slackState?.Reachable,
                error = slackState?.Error,
                checkedAt = slackState?.CheckedAt,
                socketMode = socketMode.Status,
            },
            pendingQueue = new { depth = queue.Depth, failed = queue.Failed },
            pendingWork = queue.Pending,
        };
        return healthy ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// Ready once the start-up checks have passed, and while the store answers, until shutdown begins: the work under way
    /// is then finished before the server stops (up to the host's shutdown time-out), and a load balancer that still
    /// sees the replica ready would keep sending it requests meanwhile.
    /// </summary>
    private sealed class StoreReadiness(BotStartup startup, IMentorshipStore store, IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!startup.Completed) return HealthCheckResult.Unhealthy("start-up checks have not finished");
            if (lifetime.ApplicationStopping.IsCancellationRequested) return HealthCheckResult.Unhealthy("shutting down");
            return await StoreStateAsync(store, cancellationToken).ConfigureAwait(false) == "ok"
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("the store does not answer");
        }
    }
}
