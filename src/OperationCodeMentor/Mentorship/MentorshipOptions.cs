using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Mentorship;

/// <summary>Settings under <c>Mentorship:</c>.</summary>
public sealed class MentorshipOptions
{
    public const string Section = "Mentorship";

    /// <summary>Slack user IDs of the mentor coordinators. Default: none.</summary>
    public List<string> Coordinators { get; set; } = [];

    /// <summary>At most this many mentors are @mentioned on a new request. Default 5.</summary>
    public int MaxMentions { get; set; } = 5;

    /// <summary>How many mentees a new mentor takes at once unless they say otherwise. Default 2.</summary>
    public int DefaultMaxMentees { get; set; } = 2;

    /// <summary>"Can't reach them" presses before the mentor may end a request as contact lost. Default 3.</summary>
    public int ContactAttempts { get; set; } = ContactRules.Default.Attempts;

    /// <summary>How long those attempts must span, from the first. Default 7 days.</summary>
    public TimeSpan ContactAttemptsOver { get; set; } = ContactRules.Default.Over;

    /// <summary>The Code of Conduct; when set, enrolment asks the mentor to accept it. Default none.</summary>
    public string? CodeOfConductUrl { get; set; }

    /// <summary>The mentor guidebook; when set, enrolment asks the mentor to say they have read it. Default none.</summary>
    public string? GuidebookUrl { get; set; }

    /// <summary>The contact rules these settings make.</summary>
    public ContactRules Contact => new(ContactAttempts, ContactAttemptsOver);

    public bool IsCoordinator(string userId) => Coordinators.Contains(userId, StringComparer.Ordinal);
}

internal sealed class MentorshipOptionsSetup : IPostConfigureOptions<MentorshipOptions>
{
    // Lets an environment variable carry the whole list as "U1,U2".
    public void PostConfigure(string? name, MentorshipOptions o) =>
        o.Coordinators = o.Coordinators
            .SelectMany(c => c.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}

internal sealed class MentorshipOptionsValidator : IValidateOptions<MentorshipOptions>
{
    public ValidateOptionsResult Validate(string? name, MentorshipOptions o)
    {
        var errors = new List<string>();
        if (o.MaxMentions is < 1 or > 20)
            errors.Add($"Mentorship:MaxMentions must be between 1 and 20; got {o.MaxMentions}.");
        if (o.DefaultMaxMentees is < 1 or > 10)
            errors.Add($"Mentorship:DefaultMaxMentees must be between 1 and 10; got {o.DefaultMaxMentees}.");
        if (o.ContactAttempts is < 1 or > 10)
            errors.Add($"Mentorship:ContactAttempts must be between 1 and 10; got {o.ContactAttempts}.");
        if (o.ContactAttemptsOver < TimeSpan.Zero || o.ContactAttemptsOver > TimeSpan.FromDays(60))
            errors.Add($"Mentorship:ContactAttemptsOver must be a duration between 00:00:00 and 60.00:00:00 such as 7.00:00:00 (7 days); got {o.ContactAttemptsOver}.");
        foreach (var (key, url) in new[] { ("CodeOfConductUrl", o.CodeOfConductUrl), ("GuidebookUrl", o.GuidebookUrl) })
            if (!string.IsNullOrWhiteSpace(url) && !(Uri.TryCreate(url.Trim(), UriKind.Absolute, out var u) && u.Scheme is "https" or "http"))
                errors.Add($"Mentorship:{key} must be a web address starting with https://; got '{url}'.");
        foreach (var c in o.Coordinators.Where(c => !SlackIds.IsUserId(c)))
            errors.Add($"Mentorship:Coordinators must hold Slack user IDs such as U0123ABCD; '{c}' is not one (find it in the person's profile, under 'Copy member ID').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class SlackIds
{
    public static bool IsUserId(string? id) =>
        id is { Length: >= 3 and <= 32 } && (id[0] is 'U' or 'W') && id.All(ch => char.IsAsciiLetterUpper(ch) || char.IsAsciiDigit(ch));
}
