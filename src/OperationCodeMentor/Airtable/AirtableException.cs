using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Airtable;

/// <summary>
/// Airtable refused a request, or never answered usably after the retries. Carries Airtable's error type
/// (<c>INVALID_MULTIPLE_CHOICE_OPTIONS</c>, <c>NOT_FOUND</c>, …) and message; never the token. An
/// <see cref="IOException"/>, because to the features it is the store failing, as a disk would: the handlers that
/// tell the person "couldn't do that just now" when the store fails recognise it without knowing Airtable.
/// </summary>
public sealed class AirtableException(string operation, HttpStatusCode? status, string errorType, string? detail)
    : IOException($"Airtable {operation} failed: {(status is null ? "" : $"{(int)status.Value} ")}{errorType}{(string.IsNullOrEmpty(detail) ? "" : $" ({detail})")}. {AirtableErrors.Advice(errorType)}".TrimEnd())
{
    public string Operation { get; } = operation;

    /// <summary>The HTTP status, or null when no answer came back at all.</summary>
    public HttpStatusCode? Status { get; } = status;

    public string ErrorType { get; } = errorType;

    public string? ErrorMessage { get; } = detail;
}

public static class AirtableErrors
{
    public const string Unreachable = "UNREACHABLE";
    public const string NotFound = "NOT_FOUND";

    /// <summary>
    /// Reads the three shapes Airtable answers with: <c>{"error":{"type","message"}}</c>, the bare
    /// <c>{"error":"NOT_FOUND"}</c>, and the rate limiter's <c>{"errors":[{"error","message"}]}</c>.
    /// </summary>
    public static (string Type, string? Message) Parse(string? body, HttpStatusCode status)
    {
        var fallback = ($"HTTP_{(int)status}", (string?)null);
        if (string.IsNullOrWhiteSpace(body)) return fallback;
        JsonNode? json;
        try { json = JsonNode.Parse(body); }
        catch (JsonException) { return fallback; }
        if (json is not JsonObject o) return fallback;
        switch (o["error"])
        {
            case JsonValue v when v.TryGetValue<string>(out var bare):
                return (bare, null);
            case JsonObject e:
                return (Text(e["type"]) ?? fallback.Item1, Text(e["message"]));
        }
        if (o["errors"] is JsonArray { Count: > 0 } list && list[0] is JsonObject first)
            return (Text(first["error"]) ?? fallback.Item1, Text(first["message"]));
        return fallback;
    }

    private static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string Advice(string type) => type switch
    {
        "AUTHENTICATION_REQUIRED" or "UNAUTHORIZED" => "Check Airtable:ApiKey (AIRTABLE_API_KEY): create a personal access token with the scopes the README lists.",
        "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND" or "INVALID_PERMISSIONS" => "Check Airtable:BaseId and that the token was granted this base and the scopes the README lists.",
        "UNKNOWN_FIELD_NAME" or "TABLE_NOT_FOUND" => "Run `airtable check` to compare the base with the names the bot expects (README: Airtable).",
        "INVALID_MULTIPLE_CHOICE_OPTIONS" => "A select field lacks an option the bot writes; `airtable check` names it.",
        "RATE_LIMIT_REACHED" => "Airtable kept rate limiting the bot; something else may be using the same base.",
        Unreachable => "Airtable did not answer; check the network and Airtable:ApiBaseUrl.",
        _ => "",
    };
}
