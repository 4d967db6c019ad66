using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace OperationCodeMentor.Slack;

/// <summary>
/// The three URLs Slack calls. Each one reads the raw body (capped), verifies the signature before anything
/// is parsed, hands the payload to the <see cref="SlackDispatcher"/> and answers with its acknowledgement.
/// </summary>
public static partial class SlackEndpoints
{
    public static IEndpointRouteBuilder MapSlackEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/slack");
        group.MapPost("/commands", HandleCommandAsync);
        group.MapPost("/interactions", HandleInteractionAsync);
        group.MapPost("/events", HandleEventAsync);
        return app;
    }

    private static async Task<IResult> HandleCommandAsync(HttpContext http, SlackRequestReader reader, SlackDispatcher dispatcher, ILoggerFactory logs)
    {
        var read = await reader.ReadAsync(http).ConfigureAwait(false);
        if (read.Failure is not null) return read.Failure;
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(read.Body));
        if (form.TryGetValue("ssl_check", out var ssl) && ssl == "1") return TypedResults.Ok();
        return await GuardAsync(logs, "command", async () =>
        {
            var command = SlashCommand.From(k => form.TryGetValue(k, out var v) ? v.ToString() : null);
            return await dispatcher.DispatchCommandAsync(command, http.RequestAborted).ConfigureAwait(false);
        }, onError: SlackAck.CommandFailed).ConfigureAwait(false);
    }

    private static async Task<IResult> HandleInteractionAsync(HttpContext http, SlackRequestReader reader, SlackDispatcher dispatcher, ILoggerFactory logs)
    {
        var read = await reader.ReadAsync(http).ConfigureAwait(false);
        if (read.Failure is not null) return read.Failure;
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(read.Body));
        return await GuardAsync(logs, "interaction", async () =>
        {
            if (!form.TryGetValue("payload", out var payload) || string.IsNullOrEmpty(payload))
                throw new SlackPayloadException("An interaction needs a 'payload' field.");
            return await dispatcher.DispatchInteractionAsync(Interaction.Parse(payload!), http.RequestAborted).ConfigureAwait(false);
        }, onError: null).ConfigureAwait(false);
    }

    private static async Task<IResult> HandleEventAsync(HttpContext http, SlackRequestReader reader, SlackDispatcher dispatcher, ILoggerFactory logs)
    {
        var read = await reader.ReadAsync(http).ConfigureAwait(false);
        if (read.Failure is not null) return read.Failure;
        JsonObject? body;
        try { body = JsonNode.Parse(read.Body) as JsonObject; }
        catch (JsonException) { body = null; }
        if (body is null) return BadRequest(logs, "The event body is not a JSON object.");

        switch (Interaction.Str(body, "type"))
        {
            case "url_verification":
                var challenge = Interaction.Str(body, "challenge");
                return challenge is null ? BadRequest(logs, "url_verification without 'challenge'.") : TypedResults.Json(new { challenge });
            case "event_callback":
                return await GuardAsync(logs, "event", async () =>
                {
                    await dispatcher.DispatchEventAsync(body, http.RequestAborted).ConfigureAwait(false);
                    return SlackAck.Empty;
                }, onError: null).ConfigureAwait(false);
            default:
                return BadRequest(logs, "Unknown event envelope type.");
        }
    }

    /// <summary>Turns the dispatcher's answer into a response; bad payloads become a 400 without internals.</summary>
    private static async Task<IResult> GuardAsync(ILoggerFactory logs, string kind, Func<Task<SlackAck>> handle, SlackAck? onError)
    {
        try
        {
            var ack = await handle().ConfigureAwait(false);
            return ack.Body is null ? TypedResults.Ok() : TypedResults.Content(ack.Body.ToJsonString(), "application/json", Encoding.UTF8);
        }
        catch (SlackPayloadException e)
        {
            return BadRequest(logs, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogHandlerFailed(logs.CreateLogger("OperationCodeMentor.Slack"), e, kind);
            // A failed view submission the dispatcher could not answer with an error in the form answers 500, so Slack
            // still keeps the modal open with what the person typed.
            return onError is null
                ? TypedResults.StatusCode(StatusCodes.Status500InternalServerError)
                : TypedResults.Content(onError.Body!.ToJsonString(), "application/json", Encoding.UTF8);
        }
    }

    private static IResult BadRequest(ILoggerFactory logs, string why)
    {
        LogBadRequest(logs.CreateLogger("OperationCodeMentor.Slack"), why);
        return TypedResults.BadRequest(new { error = "bad_request", message = why });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a Slack request: {Why}")]
    private static partial void LogBadRequest(ILogger log, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a Slack {Kind} failed")]
    private static partial void LogHandlerFailed(ILogger log, Exception e, string kind);
}
