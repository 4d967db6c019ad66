using System.ComponentModel.DataAnnotations;

namespace OperationCodeMentor.Slack;

/// <summary>Settings under <c>Slack:</c>.</summary>
public sealed class SlackOptions
{
    public const string Section = "Slack";

    /// <summary>Bot token (<c>xoxb-…</c>). Empty means offline mode: Web API calls are logged, not sent.</summary>
    public string? BotToken { get; set; }

    /// <summary>
    /// Signing secret used to verify every HTTP request from Slack. Without it every HTTP request is refused.
    /// Optional in Socket Mode, where the WebSocket itself is authenticated.
    /// </summary>
    public string? SigningSecret { get; set; }

    /// <summary>
    /// App-level token (<c>xapp-…</c>, scope <c>connections:write</c>). When set, the bot receives commands,
    /// interactions and events over a Socket Mode WebSocket instead of needing a public HTTPS address.
    /// </summary>
    public string? AppToken { get; set; }

    /// <summary>Web API base address. Default <c>https://slack.com/api/</c>.</summary>
    public string ApiBaseUrl { get; set; } = "https://slack.com/api/";

    /// <summary>The private channel requests are posted to: an ID (<c>C…</c>/<c>G…</c>) or a name. Default <c>mentors-internal</c>.</summary>
    public string MentorsChannel { get; set; } = "mentors-internal";

    /// <summary>Largest request body accepted from Slack, in bytes. Default 1 MB.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How far a request timestamp may be from now before it is treated as a replay. Default 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Posts to one channel (or DM) that may go out at once before pacing starts. Default 10.</summary>
    public int ChannelBurst { get; set; } = 10;

    /// <summary>After the burst, at most one post to a channel per this interval. Default 1 second, Slack's guidance.</summary>
    public TimeSpan ChannelInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool IsOffline => string.IsNullOrWhiteSpace(BotToken);

    public bool UsesSocketMode => !string.IsNullOrWhiteSpace(AppToken);
}

internal sealed class SlackOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<SlackOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, SlackOptions o)
    {
        var errors = new List<string>();
        if (!o.IsOffline && !o.UsesSocketMode && string.IsNullOrWhiteSpace(o.SigningSecret))
            errors.Add("Slack:SigningSecret (SLACK_SIGNING_SECRET) is required when Slack:BotToken is set: copy it from your app's Basic Information page (or set Slack:AppToken to use Socket Mode).");
        if (o.UsesSocketMode && !o.AppToken!.StartsWith("xapp-", StringComparison.Ordinal))
            errors.Add("Slack:AppToken (SLACK_APP_TOKEN) does not look like an app-level token; it should start with 'xapp-' (Basic Information → App-Level Tokens, scope connections:write).");
        if (o.UsesSocketMode && o.IsOffline)
            errors.Add("Slack:BotToken (SLACK_BOT_TOKEN) is required when Slack:AppToken is set: Socket Mode only receives; the bot token (xoxb-…) is what answers.");
        if (!o.IsOffline && !o.BotToken!.StartsWith("xox", StringComparison.Ordinal))
            errors.Add("Slack:BotToken (SLACK_BOT_TOKEN) does not look like a Slack token; it should start with 'xoxb-'.");
        if (!Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            errors.Add($"Slack:ApiBaseUrl must be an absolute http(s) address; got '{o.ApiBaseUrl}'.");
        if (string.IsNullOrWhiteSpace(o.MentorsChannel))
            errors.Add("Slack:MentorsChannel must name the mentors channel (an ID such as G0123ABCD or a name such as mentors-internal).");
        if (o.ChannelBurst is < 1 or > 100)
            errors.Add($"Slack:ChannelBurst must be between 1 and 100; got {o.ChannelBurst}.");
        if (o.ChannelInterval < TimeSpan.Zero || o.ChannelInterval > TimeSpan.FromMinutes(1))
            errors.Add($"Slack:ChannelInterval must be between 00:00:00 and 00:01:00; got {o.ChannelInterval}.");
        if (o.MaxBodyBytes < 1024)
            errors.Add("Slack:MaxBodyBytes must be at least 1024.");
        if (o.MaxClockSkew <= TimeSpan.Zero || o.MaxClockSkew > TimeSpan.FromMinutes(5))
            errors.Add("Slack:MaxClockSkew must be more than zero and at most 00:05:00.");
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
