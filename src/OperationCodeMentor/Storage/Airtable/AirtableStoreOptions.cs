using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// Where the mentorship data lives in the base: settings under <c>Airtable:</c> (<c>Airtable:Tables:*</c>,
/// <c>Airtable:Fields:*:*</c>, <c>Airtable:CacheTtl</c>). The defaults are the names in Operation Code's base,
/// plus the fields the bot adds; rename any of them to fit an existing base without touching the base.
/// </summary>
public sealed class AirtableStoreOptions
{
    /// <summary>How long mentors, the option tables and the open, claimed and recent requests are served from memory before a background refresh. Default 5 minutes.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    public AirtableTableNames Tables { get; set; } = new();

    public AirtableFieldNames Fields { get; set; } = new();
}

public sealed class AirtableTableNames
{
    public string Mentors { get; set; } = "Mentors";
    public string Skillsets { get; set; } = "Skillsets";
    public string Services { get; set; } = "Services";
    public string Affiliations { get; set; } = "Affiliations";
    public string Requests { get; set; } = "Mentor Requests";
}

public sealed class AirtableFieldNames
{
    public MentorFieldNames Mentors { get; set; } = new();
    public OptionFieldNames Skillsets { get; set; } = new();
    public OptionFieldNames Services { get; set; } = new();
    public OptionFieldNames Affiliations { get; set; } = new();
    public RequestFieldNames Requests { get; set; } = new();
}

public sealed class OptionFieldNames
{
    public string Name { get; set; } = "Name";
}

public sealed class MentorFieldNames
{
    // Names Operation Code's base already has.
    public string Name { get; set; } = "Slack Name";
    public string Active { get; set; } = "Active";
    public string Skills { get; set; } = "Skills";
    public string MaxMentees { get; set; } = "Max Mentees";
    public string Bio { get; set; } = "Bio";
    public string TimeZone { get; set; } = "Time Zone";

    // Added by the bot.
    public string SlackUserId { get; set; } = "Slack User ID";
    public string Paused { get; set; } = "Paused";
    public string LastClaimedAt { get; set; } = "Last Claimed At";
}

public sealed class RequestFieldNames
{
    // Names Operation Code's base already has.
    public string MenteeName { get; set; } = "Slack Name";
    public string Service { get; set; } = "Service";
    public string Affiliation { get; set; } = "Affiliation";
    public string Skills { get; set; } = "Skillsets Requested";
    public string Details { get; set; } = "Additional Details";
    public string MessageTs { get; set; } = "Slack Message TS";
    public string ResetCount { get; set; } = "Reset Count";

    // Pybot's claim bookkeeping, still written so the coordinators' views keep working. Empty: not written.
    public string Claimed { get; set; } = "Claimed";
    public string ClaimedBy { get; set; } = "Claimed By";
    public string ClaimedOn { get; set; } = "Claimed On";
    public string ResetBy { get; set; } = "Reset By";
    public string ResetOn { get; set; } = "Reset On";

    // Added by the bot.
    public string Reference { get; set; } = "Reference";
    public string MenteeSlackId { get; set; } = "Mentee Slack ID";
    public string Status { get; set; } = "Status";
    public string RequestedAt { get; set; } = "Requested At";
    public string ClaimedBySlackId { get; set; } = "Claimed By Slack ID";
    public string ClaimedAt { get; set; } = "Claimed At";
    public string ReleasedBySlackId { get; set; } = "Released By Slack ID";
    public string ReleasedAt { get; set; } = "Released At";
    public string ChannelId { get; set; } = "Channel ID";
    public string MentionedMentors { get; set; } = "Mentioned Mentors";

    // Added by the bot for coordination: the submission a request came from, the first claim, assignment and closing.
    public string SubmissionKey { get; set; } = "Submission Key";
    public string FirstClaimedAt { get; set; } = "First Claimed At";
    public string AssignedBySlackId { get; set; } = "Assigned By Slack ID";
    public string ClosedBySlackId { get; set; } = "Closed By Slack ID";
    public string ClosedAt { get; set; } = "Closed At";
    public string CloseReason { get; set; } = "Close Reason";

    // Added by the bot for the follow-up ladder (bumps, notices, escalation, nudges) and how a request ended.
    public string FollowUpVersion { get; set; } = "Follow-up Version";
    public string BumpCount { get; set; } = "Bump Count";
    public string LastBumpAt { get; set; } = "Last Bump At";
    public string CoordinatorsNotifiedAt { get; set; } = "Coordinators Notified At";
    public string EscalatedAt { get; set; } = "Escalated At";
    public string FirstEscalatedAt { get; set; } = "First Escalated At";
    public string MentorNudgedAt { get; set; } = "Mentor Nudged At";
    public string StuckReportedAt { get; set; } = "Stuck Reported At";
    public string NextActionAt { get; set; } = "Next Action At";
    public string PendingStep { get; set; } = "Pending Step";
    public string PendingToken { get; set; } = "Pending Token";
    public string PendingAt { get; set; } = "Pending At";
    public string CompletedAt { get; set; } = "Completed At";
    public string CompletedBySlackId { get; set; } = "Completed By Slack ID";
    public string FollowUpOf { get; set; } = "Follow-up Of";
    public string Feedback { get; set; } = "Feedback";
    public string FeedbackBySlackId { get; set; } = "Feedback By Slack ID";
    public string FeedbackAt { get; set; } = "Feedback At";
}

internal sealed class AirtableStoreOptionsValidator : IValidateOptions<AirtableStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, AirtableStoreOptions o)
    {
        var errors = new List<string>();
        if (o.CacheTtl < TimeSpan.FromSeconds(1) || o.CacheTtl > TimeSpan.FromHours(24))
            errors.Add($"Airtable:CacheTtl must be between 00:00:01 and 24:00:00; got {o.CacheTtl}.");
        foreach (var (key, value, optional) in AirtableSchema.Names(o))
        {
            if (string.IsNullOrWhiteSpace(value) && !optional)
                errors.Add($"Airtable:{key} must name a table or field.");
            else if (value.IndexOfAny(['{', '}']) >= 0)
                errors.Add($"Airtable:{key} cannot contain braces ('{value}'): Airtable formulas could not name it.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
