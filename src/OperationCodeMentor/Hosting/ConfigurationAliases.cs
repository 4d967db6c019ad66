namespace OperationCodeMentor.Hosting;

/// <summary>
/// The short environment variable names people know from Slack's and Airtable's docs (SLACK_BOT_TOKEN, …),
/// mapped onto configuration keys. A value set under the full key wins.
/// </summary>
public static class ConfigurationAliases
{
    public static readonly IReadOnlyDictionary<string, string> Map = new Dictionary<string, string>
    {
        ["SLACK_BOT_TOKEN"] = "Slack:BotToken",
        ["SLACK_SIGNING_SECRET"] = "Slack:SigningSecret",
        ["SLACK_APP_TOKEN"] = "Slack:AppToken",
        ["AIRTABLE_API_KEY"] = "Airtable:ApiKey",
        ["AIRTABLE_BASE_ID"] = "Airtable:BaseId",
    };

    public static IConfigurationBuilder AddEnvironmentAliases(this IConfigurationManager configuration)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (env, key) in Map)
        {
            var value = Environment.GetEnvironmentVariable(env);
            if (!string.IsNullOrEmpty(value) && string.IsNullOrEmpty(configuration[key])) values[key] = value;
        }
        return configuration.AddInMemoryCollection(values);
    }
}
