using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Storage;

/// <summary>Settings under <c>Storage:</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The embedded database file, created on first run. Default <c>data/mentorship.db</c>.</summary>
    public string SqlitePath { get; set; } = "data/mentorship.db";
}

/// <summary>The store's settings, checked at start-up: the SQLite path, and a PostgreSQL connection when one is given.</summary>
internal sealed class StorageOptionsValidator(IConfiguration configuration) : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.SqlitePath) || o.SqlitePath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            return ValidateOptionsResult.Fail($"Storage:SqlitePath must be a file path; got '{o.SqlitePath}'.");
        try
        {
            Postgres.PostgresConnection.FromConfiguration(configuration);
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
        return ValidateOptionsResult.Success;
    }
}

/// <summary>The option lists a new embedded store starts with; coordinators can edit them afterwards.</summary>
public static class DefaultOptionLists
{
    public static readonly IReadOnlyList<string> Services =
    [
        "General Guidance - Slack Chat",
        "General Guidance - Voice Chat",
        "Pair Programming",
        "Code Review",
        "Resume Review",
        "Mock Interview",
        "Career Guidance",
    ];

    public static readonly IReadOnlyList<string> Skillsets =
    [
        "Python", "JavaScript", "TypeScript", "Java", "C#", "Go", "Ruby", "PHP", "C / C++",
        "HTML / CSS", "React", "Node.js", "SQL", "DevOps", "AWS", "Azure", "Cloud",
        "Data Science", "Machine Learning", "Cyber Security", "Mobile", "UX / UI Design",
        "Product Management", "Project Management", "Web Development", "Backend Development",
        "Frontend Development", "Career Advice", "Interview Prep", "Resume Writing", "Networking",
    ];

    public static readonly IReadOnlyList<string> Affiliations =
    [
        "Veteran", "Active Duty", "Military Spouse", "Non Veteran",
    ];
}
