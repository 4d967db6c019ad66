namespace OperationCodeMentor.Demo;

/// <summary>Someone in the demo's workspace.</summary>
public sealed record Person(string Id, string Name, string Role)
{
    public string Label => $"{Name} ({Role})";

    public string UserName => Name.ToLowerInvariant();
}

/// <summary>The people in the story. Their IDs look like Slack's, so the bot's own checks accept them.</summary>
public static class Cast
{
    public static readonly Person Maria = new("U0MARIA", "Maria", "mentor");
    public static readonly Person Dev = new("U0DEV", "Dev", "mentor");
    public static readonly Person Sam = new("U0SAM", "Sam", "mentee");
    public static readonly Person Alex = new("U0ALEX", "Alex", "mentee");
    public static readonly Person Jordan = new("U0JORDAN", "Jordan", "mentor coordinator");
    public static readonly Person Casey = new("U0CASEY", "Casey", "Operation Code leadership");

    public static readonly IReadOnlyList<Person> Everyone = [Maria, Dev, Sam, Alex, Jordan, Casey];

    public static Person? ById(string id) => Everyone.FirstOrDefault(p => p.Id == id);

    public const string GeneralChannelId = "C0GENERAL";
    public const string MentorsChannelId = "G0MENTORS";
    public const string MentorsChannelName = "mentors-internal";

    public static readonly IReadOnlyDictionary<string, string> Channels = new Dictionary<string, string>
    {
        [GeneralChannelId] = "general",
        [MentorsChannelId] = MentorsChannelName,
    };
}
