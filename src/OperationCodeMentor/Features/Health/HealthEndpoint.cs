using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Slack.SocketMode;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Health;

/// <summary>
/// <c>GET /healthz</c>: whether the store answers, whether Slack answers, and how much acknowledged work is waiting.
/// 503 when the store or Slack cannot be reached (the queue keeps what comes in meanwhile).
/// </summary>
public static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync);
        return app;
    }

    private static async Task<IResult> CheckAsync(IMentorshipStore store, SlackApiClient slack, SlackReachability reachability,
        SocketModeService socketMode, WorkQueue queue, CancellationToken ct)
    {
        string storeState;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.CheckAsync(timeout.Token).ConfigureAwait(false);
            storeState = "ok";
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            storeState = "unavailable";
        }
        var slackState = await reachability.CheckAsync(ct).ConfigureAwait(false);
        var healthy = storeState == "ok" && slackState.Reachable;
        var body = new
        {
            status = healthy ? "ok" : "degraded",
            store = new { kind = store.GetType().Name, state = storeState },
            slack = new
            {
                mode = slack.IsOffline ? "offline" : "online",
                reachable = slackState.Reachable,
                error = slackState.Error,
                checkedAt = slackState.CheckedAt,
                socketMode = socketMode.Status,
            },
            pendingQueue = new { depth = queue.Depth, failed = queue.Failed },
            pendingWork = queue.Pending,
        };
        return healthy ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
