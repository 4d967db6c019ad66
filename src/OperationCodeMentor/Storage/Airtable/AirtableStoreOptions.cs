using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// Where the mentorship data lives in the base: settings under <c>Airtable:</c> (<c>Airtable:Tables:*</c>,
/// <c>Airtable:Fields:*:*</c>, <c>Airtable:Views:*</c>, <c>Airtable:CacheTtl</c>). The defaults are the names in
/// Operation Code's base, plus the fields the bot adds; rename any of them to fit an existing base without touching
/// the base.
/// </summary>
public sealed class AirtableStoreOptions
{
    /// <summary>How long mentors, the option tables and the open, claimed and recent requests are served from memory before a background refresh. Default 5 minutes.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    public AirtableTableNames Tables { get; set; } = new();

    public AirtableFieldNames Fields { get; set; } = new();

    public AirtableViewNames Views { get; set; } = new();
}

/// <summary>
/// Views to read the mentors and the option lists through, as Pybot did to see only the rows coordinators keep valid.
/// Empty (the default): the whole table, less the rows its Valid field marks invalid.
/// </summary>
public sealed class AirtableViewNames
{
    public string Mentors { get; set; } = "";
    public string Skillsets { get; set; } = "";
    public string Services { get; set; } = "";
    public string Affiliations { get; set; } = "";
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

    /// <summary>A field giving "valid" or "invalid" (a formula in Operation Code's base): an invalid row is never offered. Empty: every row is.</summary>
    public string Valid { get; set; } = "Valid";
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
    public string CodeOfConductAccepted { get; set; } = "Code of Conduct Accepted";
    public string GuidebookRead { get; set; } = "Guidebook Read";

    /// <summary>A field giving "valid" or "invalid" (a formula in Operation Code's base): an invalid mentor is never matched. Empty: none is left out.</summary>
    public string Valid { get; set; } = "Valid";

    // Added by the bot.
    public string SlackUserId { get; set; } = "Slack User ID";
    public string Paused { get; set; } = "Paused";
    public string LastClaimedAt { get; set; } = "Last Claimed At";

    // Added by the bot for the weekly check-in.
    public string CheckInSentAt { get; set; } = "Check-in Sent At";
    public string CheckInAnsweredAt { get; set; } = "Check-in Answered At";

    // Added by the bot for mentors who have gone quiet.
    public string QuietAskedAt { get; set; } = "Still Mentoring Asked At";
    public string QuietAnsweredAt { get; set; } = "Still Mentoring Answered At";
    public string PausedForInactivityAt { get; set; } = "Paused for Inactivity At";
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

    // Added by the bot so work replayed after a crash can tell that its change is already made.
    public string LastChange { get; set; } = "Last Change";

    // Added by the bot for what happens after the claim: the pair's conversation and time, contact attempts, a hold,
    // the mentor's private report (goals one per line), the mentee's rating, and a mentor asked for by name.
    public string ConversationId { get; set; } = "Conversation ID";
    public string ConversationOpenedAt { get; set; } = "Conversation Opened At";
    public string SessionAt { get; set; } = "Session At";
    public string TimeFirstSetAt { get; set; } = "Session Time First Set At";
    public string ReminderSentAt { get; set; } = "Session Reminder Sent At";
    public string ContactAttempts { get; set; } = "Contact Attempts";
    public string FirstContactAttemptAt { get; set; } = "First Contact Attempt At";
    public string LastContactAttemptAt { get; set; } = "Last Contact Attempt At";
    public string ContactLostAt { get; set; } = "Contact Lost At";
    public string OnHoldUntil { get; set; } = "On Hold Until";
    public string OnHoldBySlackId { get; set; } = "On Hold By Slack ID";
    public string ResumedAt { get; set; } = "Resumed At";
    public string SessionCovered { get; set; } = "Session Covered";
    public string SessionGoals { get; set; } = "Session Goals";
    public string FollowUpWanted { get; set; } = "Follow-up Wanted";
    public string NotesForCoordinators { get; set; } = "Notes for Coordinators";
    public string ReportedBySlackId { get; set; } = "Reported By Slack ID";
    public string ReportedAt { get; set; } = "Reported At";
    public string Rating { get; set; } = "Rating";
    public string RatingComment { get; set; } = "Rating Comment";
    public string RatedAt { get; set; } = "Rated At";
    public string PreferredMentorSlackId { get; set; } = "Preferred Mentor Slack ID";
    public string OfferEndedAt { get; set; } = "Offer Ended At";

    // Added by the bot for the weekly check-in: the mentor's last answer about the pairing (on_track, need_help) and when.
    public string CheckedInAt { get; set; } = "Checked In At";
    public string CheckInAnswer { get; set; } = "Check-in Answer";
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
