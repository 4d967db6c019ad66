using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Airtable;

/// <summary>How the bot reaches Airtable: settings under <c>Airtable:</c>.</summary>
public sealed class AirtableOptions
{
    public const string Section = "Airtable";

    /// <summary>Personal access token (<c>pat…</c>), sent as a Bearer token. Alias <c>AIRTABLE_API_KEY</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The base (<c>app…</c>). Alias <c>AIRTABLE_BASE_ID</c>.</summary>
    public string? BaseId { get; set; }

    /// <summary>Web API address. Default <c>https://api.airtable.com/v0/</c>.</summary>
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    public const string DefaultApiBaseUrl = "https://api.airtable.com/v0/";

    /// <summary>Requests per second the bot allows itself per base (Airtable's limit). Default 5.</summary>
    public int RequestsPerSecond { get; set; } = 5;

    /// <summary>How long to hold every request to a base after a 429 that names no Retry-After. Default 30 seconds.</summary>
    public TimeSpan RateLimitPenalty { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take before it counts as a timeout and is retried. Default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First backoff after a 5xx or a timeout; later ones grow exponentially, with jitter. Default 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retries after the first attempt, for 429, 5xx and timeouts alike. Default 6.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>Both the token and the base are set: the bot stores in Airtable rather than in SQLite.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(BaseId);
}

internal sealed class AirtableOptionsValidator : IValidateOptions<AirtableOptions>
{
    public ValidateOptionsResult Validate(string? name, AirtableOptions o)
    {
        var errors = new List<string>();
        var hasKey = !string.IsNullOrWhiteSpace(o.ApiKey);
        var hasBase = !string.IsNullOrWhiteSpace(o.BaseId);
        // Half a configuration would silently fall back to SQLite and hide every request from the coordinators.
        if (hasKey && !hasBase)
            errors.Add("Airtable:ApiKey is set but Airtable:BaseId (AIRTABLE_BASE_ID) is not: set both to use Airtable, or neither to use SQLite.");
        if (hasBase && !hasKey)
            errors.Add("Airtable:BaseId is set but Airtable:ApiKey (AIRTABLE_API_KEY) is not: set both to use Airtable, or neither to use SQLite.");
        if (hasBase && !(o.BaseId!.StartsWith("app", StringComparison.Ordinal) && o.BaseId.All(char.IsAsciiLetterOrDigit)))
            errors.Add($"Airtable:BaseId must be a base ID such as appAbC123xyz (from the base's API page); got '{o.BaseId}'.");
        if (!Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            errors.Add($"Airtable:ApiBaseUrl must be an absolute http(s) address; got '{o.ApiBaseUrl}'.");
        if (o.RequestsPerSecond is < 1 or > 1000)
            errors.Add($"Airtable:RequestsPerSecond must be between 1 and 1000; got {o.RequestsPerSecond}.");
        if (o.RateLimitPenalty < TimeSpan.Zero || o.RateLimitPenalty > TimeSpan.FromMinutes(5))
            errors.Add("Airtable:RateLimitPenalty must be between 00:00:00 and 00:05:00.");
        if (o.RequestTimeout <= TimeSpan.Zero || o.RequestTimeout > TimeSpan.FromMinutes(5))
            errors.Add("Airtable:RequestTimeout must be more than zero and at most 00:05:00.");
        if (o.RetryBaseDelay <= TimeSpan.Zero || o.RetryBaseDelay > TimeSpan.FromMinutes(1))
            errors.Add("Airtable:RetryBaseDelay must be more than zero and at most 00:01:00.");
        if (o.MaxRetries is < 0 or > 20)
            errors.Add($"Airtable:MaxRetries must be between 0 and 20; got {o.MaxRetries}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
