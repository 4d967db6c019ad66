using OperationCodeMentor.Slack;
using OperationCodeMentor.Slack.SocketMode;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Health;

/// <summary><c>GET /healthz</c>: whether the store answers, how Slack is connected, and pending background work.</summary>
public static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync);
        return app;
    }

    private static async Task<IResult> CheckAsync(IMentorshipStore store, SlackApiClient slack, SocketModeService socketMode, BackgroundWork work, CancellationToken ct)
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
        var body = new
        {
            status = storeState == "ok" ? "ok" : "degraded",
            store = new { kind = store.GetType().Name, state = storeState },
            slack = new { mode = slack.IsOffline ? "offline" : "online", socketMode = socketMode.Status },
            pendingWork = work.Pending,
        };
        return storeState == "ok" ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
