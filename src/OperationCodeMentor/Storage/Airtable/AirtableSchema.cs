using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>What a field carries for the bot; each kind fits several Airtable types (see <see cref="AirtableLayout"/>).</summary>
public enum AirtableFieldKind
{
    Text,
    LongText,
    Number,
    /// <summary>Yes or no: a checkbox, or true/false words.</summary>
    Flag,
    Time,
    Status,
    /// <summary>Names from an option table (<see cref="ExpectedField.LinkedTable"/>): links to its rows, select options, or text.</summary>
    Choice,
    /// <summary>Someone, known to the bot by Slack ID: a link to their mentor record, or text.</summary>
    Person,
    /// <summary>Another row of <see cref="ExpectedField.LinkedTable"/>: a link, or text holding its record ID.</summary>
    Link,
}

/// <param name="Key">The configuration key that names it, under <c>Airtable:</c>.</param>
/// <param name="Optional">Pybot's bookkeeping: configured empty, it is neither required nor written.</param>
/// <param name="Multiple">A choice of several names (skills), which a single select cannot hold.</param>
/// <param name="ReadOnly">Only read (an option's name), so a formula can give it.</param>
public sealed record ExpectedField(string Key, string Name, AirtableFieldKind Kind, string? LinkedTable = null, bool Optional = false,
    bool Multiple = false, bool ReadOnly = false);

/// <summary>A table the bot needs; its first field becomes the primary field when the bot creates the table.</summary>
/// <param name="Valid">The field whose "valid" rows alone the bot uses, with its key; null where the bot reads every row.</param>
/// <param name="View">The view the table is read through, with its key; null or empty for the whole table.</param>
public sealed record ExpectedTable(string Key, string Name, IReadOnlyList<ExpectedField> Fields,
    (string Key, string Name)? Valid = null, (string Key, string Name)? View = null);

/// <summary>Something about the base that keeps the bot from using it; <see cref="Creatable"/> ones <c>airtable init</c> can fix.</summary>
public sealed record SchemaProblem(string Message, bool Creatable);

/// <summary>The tables and fields the Airtable store reads and writes, with the names configured for them.</summary>
public static class AirtableSchema
{
    /// <summary>The words the store writes in the Status field, so the single select offers exactly those.</summary>
    public static readonly IReadOnlyList<string> Statuses = Enum.GetValues<Mentorship.RequestStatus>().Select(AirtableMentorshipStore.StatusText).ToList();

    /// <summary>In creation order: tables that others link to come first.</summary>
    public static IReadOnlyList<ExpectedTable> Expected(AirtableStoreOptions o)
    {
        var t = o.Tables;
        var m = o.Fields.Mentors;
        var r = o.Fields.Requests;
        ExpectedTable Options(string key, string table, OptionFieldNames f, string view) =>
            new($"Tables:{key}", table, [new($"Fields:{key}:Name", f.Name, AirtableFieldKind.Text, ReadOnly: true)],
                Valid: ($"Fields:{key}:Valid", f.Valid), View: ($"Views:{key}", view));
        return
        [
            Options("Skillsets", t.Skillsets, o.Fields.Skillsets, o.Views.Skillsets),
            Options("Services", t.Services, o.Fields.Services, o.Views.Services),
            Options("Affiliations", t.Affiliations, o.Fields.Affiliations, o.Views.Affiliations),
            new("Tables:Mentors", t.Mentors,
            [
                new("Fields:Mentors:Name", m.Name, AirtableFieldKind.Text),
                new("Fields:Mentors:SlackUserId", m.SlackUserId, AirtableFieldKind.Text),
                new("Fields:Mentors:Active", m.Active, AirtableFieldKind.Flag),
                new("Fields:Mentors:Paused", m.Paused, AirtableFieldKind.Flag),
                new("Fields:Mentors:Skills", m.Skills, AirtableFieldKind.Choice, t.Skillsets, Multiple: true),
                new("Fields:Mentors:MaxMentees", m.MaxMentees, AirtableFieldKind.Number),
                new("Fields:Mentors:Bio", m.Bio, AirtableFieldKind.LongText),
                new("Fields:Mentors:TimeZone", m.TimeZone, AirtableFieldKind.Text),
                new("Fields:Mentors:LastClaimedAt", m.LastClaimedAt, AirtableFieldKind.Time),
                new("Fields:Mentors:CheckInSentAt", m.CheckInSentAt, AirtableFieldKind.Time),
                new("Fields:Mentors:CheckInAnsweredAt", m.CheckInAnsweredAt, AirtableFieldKind.Time),
                new("Fields:Mentors:QuietAskedAt", m.QuietAskedAt, AirtableFieldKind.Time),
                new("Fields:Mentors:QuietAnsweredAt", m.QuietAnsweredAt, AirtableFieldKind.Time),
                new("Fields:Mentors:PausedForInactivityAt", m.PausedForInactivityAt, AirtableFieldKind.Time),
                new("Fields:Mentors:CodeOfConductAccepted", m.CodeOfConductAccepted, AirtableFieldKind.Flag),
                new("Fields:Mentors:GuidebookRead", m.GuidebookRead, AirtableFieldKind.Flag),
            ], Valid: ("Fields:Mentors:Valid", m.Valid), View: ("Views:Mentors", o.Views.Mentors)),
            new("Tables:Requests", t.Requests,
            [
                new("Fields:Requests:Reference", r.Reference, AirtableFieldKind.Text),
                new("Fields:Requests:MenteeSlackId", r.MenteeSlackId, AirtableFieldKind.Text),
                new("Fields:Requests:MenteeName", r.MenteeName, AirtableFieldKind.Text),
                new("Fields:Requests:Service", r.Service, AirtableFieldKind.Choice, t.Services),
                new("Fields:Requests:Skills", r.Skills, AirtableFieldKind.Choice, t.Skillsets, Multiple: true),
                new("Fields:Requests:Affiliation", r.Affiliation, AirtableFieldKind.Choice, t.Affiliations),
                new("Fields:Requests:Details", r.Details, AirtableFieldKind.LongText),
                new("Fields:Requests:Status", r.Status, AirtableFieldKind.Status),
                new("Fields:Requests:RequestedAt", r.RequestedAt, AirtableFieldKind.Time),
                new("Fields:Requests:ClaimedBySlackId", r.ClaimedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ClaimedAt", r.ClaimedAt, AirtableFieldKind.Time),
                new("Fields:Requests:ReleasedBySlackId", r.ReleasedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ReleasedAt", r.ReleasedAt, AirtableFieldKind.Time),
                new("Fields:Requests:ResetCount", r.ResetCount, AirtableFieldKind.Number),
                new("Fields:Requests:ChannelId", r.ChannelId, AirtableFieldKind.Text),
                new("Fields:Requests:MessageTs", r.MessageTs, AirtableFieldKind.Text),
                new("Fields:Requests:MentionedMentors", r.MentionedMentors, AirtableFieldKind.LongText),
                new("Fields:Requests:SubmissionKey", r.SubmissionKey, AirtableFieldKind.Text),
                new("Fields:Requests:FirstClaimedAt", r.FirstClaimedAt, AirtableFieldKind.Time),
                new("Fields:Requests:AssignedBySlackId", r.AssignedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ClosedBySlackId", r.ClosedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ClosedAt", r.ClosedAt, AirtableFieldKind.Time),
                new("Fields:Requests:CloseReason", r.CloseReason, AirtableFieldKind.LongText),
                new("Fields:Requests:FollowUpVersion", r.FollowUpVersion, AirtableFieldKind.Number),
                new("Fields:Requests:BumpCount", r.BumpCount, AirtableFieldKind.Number),
                new("Fields:Requests:LastBumpAt", r.LastBumpAt, AirtableFieldKind.Time),
                new("Fields:Requests:CoordinatorsNotifiedAt", r.CoordinatorsNotifiedAt, AirtableFieldKind.Time),
                new("Fields:Requests:EscalatedAt", r.EscalatedAt, AirtableFieldKind.Time),
                new("Fields:Requests:FirstEscalatedAt", r.FirstEscalatedAt, AirtableFieldKind.Time),
                new("Fields:Requests:MentorNudgedAt", r.MentorNudgedAt, AirtableFieldKind.Time),
                new("Fields:Requests:StuckReportedAt", r.StuckReportedAt, AirtableFieldKind.Time),
                new("Fields:Requests:NextActionAt", r.NextActionAt, AirtableFieldKind.Time),
                new("Fields:Requests:PendingStep", r.PendingStep, AirtableFieldKind.Text),
                new("Fields:Requests:PendingToken", r.PendingToken, AirtableFieldKind.Text),
                new("Fields:Requests:PendingAt", r.PendingAt, AirtableFieldKind.Time),
                new("Fields:Requests:CompletedAt", r.CompletedAt, AirtableFieldKind.Time),
                new("Fields:Requests:CompletedBySlackId", r.CompletedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:FollowUpOf", r.FollowUpOf, AirtableFieldKind.Link, t.Requests),
                new("Fields:Requests:Feedback", r.Feedback, AirtableFieldKind.Text),
                new("Fields:Requests:FeedbackBySlackId", r.FeedbackBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:FeedbackAt", r.FeedbackAt, AirtableFieldKind.Time),
                new("Fields:Requests:LastChange", r.LastChange, AirtableFieldKind.Text),
                new("Fields:Requests:ConversationId", r.ConversationId, AirtableFieldKind.Text),
                new("Fields:Requests:ConversationOpenedAt", r.ConversationOpenedAt, AirtableFieldKind.Time),
                new("Fields:Requests:SessionAt", r.SessionAt, AirtableFieldKind.Time),
                new("Fields:Requests:TimeFirstSetAt", r.TimeFirstSetAt, AirtableFieldKind.Time),
                new("Fields:Requests:ReminderSentAt", r.ReminderSentAt, AirtableFieldKind.Time),
                new("Fields:Requests:ContactAttempts", r.ContactAttempts, AirtableFieldKind.Number),
                new("Fields:Requests:FirstContactAttemptAt", r.FirstContactAttemptAt, AirtableFieldKind.Time),
                new("Fields:Requests:LastContactAttemptAt", r.LastContactAttemptAt, AirtableFieldKind.Time),
                new("Fields:Requests:ContactLostAt", r.ContactLostAt, AirtableFieldKind.Time),
                new("Fields:Requests:OnHoldUntil", r.OnHoldUntil, AirtableFieldKind.Time),
                new("Fields:Requests:OnHoldBySlackId", r.OnHoldBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ResumedAt", r.ResumedAt, AirtableFieldKind.Time),
                new("Fields:Requests:SessionCovered", r.SessionCovered, AirtableFieldKind.LongText),
                new("Fields:Requests:SessionGoals", r.SessionGoals, AirtableFieldKind.LongText),
                new("Fields:Requests:FollowUpWanted", r.FollowUpWanted, AirtableFieldKind.Text),
                new("Fields:Requests:NotesForCoordinators", r.NotesForCoordinators, AirtableFieldKind.LongText),
                new("Fields:Requests:ReportedBySlackId", r.ReportedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ReportedAt", r.ReportedAt, AirtableFieldKind.Time),
                new("Fields:Requests:Rating", r.Rating, AirtableFieldKind.Number),
                new("Fields:Requests:RatingComment", r.RatingComment, AirtableFieldKind.LongText),
                new("Fields:Requests:RatedAt", r.RatedAt, AirtableFieldKind.Time),
                new("Fields:Requests:PreferredMentorSlackId", r.PreferredMentorSlackId, AirtableFieldKind.Text),
                new("Fields:Requests:OfferEndedAt", r.OfferEndedAt, AirtableFieldKind.Time),
                new("Fields:Requests:CheckedInAt", r.CheckedInAt, AirtableFieldKind.Time),
                new("Fields:Requests:CheckInAnswer", r.CheckInAnswer, AirtableFieldKind.Text),
                new("Fields:Requests:Claimed", r.Claimed, AirtableFieldKind.Flag, Optional: true),
                new("Fields:Requests:ClaimedBy", r.ClaimedBy, AirtableFieldKind.Person, t.Mentors, Optional: true),
                new("Fields:Requests:ClaimedOn", r.ClaimedOn, AirtableFieldKind.Time, Optional: true),
                new("Fields:Requests:ResetBy", r.ResetBy, AirtableFieldKind.Person, t.Mentors, Optional: true),
                new("Fields:Requests:ResetOn", r.ResetOn, AirtableFieldKind.Time, Optional: true),
            ]),
        ];
    }

    /// <summary>Every configured name with its key, for validation.</summary>
    public static IEnumerable<(string Key, string Value, bool Optional)> Names(AirtableStoreOptions o) =>
        Expected(o).SelectMany(t => t.Fields.Select(f => (f.Key, f.Name ?? "", f.Optional))
            .Concat(t.Valid is { } v ? [(v.Key, v.Name ?? "", true)] : [])
            .Prepend((t.Key, t.Name ?? "", false)));

    /// <summary>The type <c>airtable init</c> gives a field it creates.</summary>
    public static string Describe(ExpectedField f) => f.Kind switch
    {
        AirtableFieldKind.Text or AirtableFieldKind.Person => "single line text",
        AirtableFieldKind.LongText => "long text",
        AirtableFieldKind.Number => "number",
        AirtableFieldKind.Flag => "checkbox",
        AirtableFieldKind.Time => "date and time",
        AirtableFieldKind.Status => $"single select with options {string.Join(", ", Statuses)}",
        AirtableFieldKind.Choice or AirtableFieldKind.Link => $"a link to records in \"{f.LinkedTable}\"",
        _ => f.Kind.ToString(),
    };

    /// <summary>The metadata API's definition of a field of this kind, as <c>airtable init</c> creates it.</summary>
    public static JsonObject Definition(ExpectedField f, IReadOnlyDictionary<string, AirtableTableSchema> tables)
    {
        var d = new JsonObject { ["name"] = f.Name };
        switch (f.Kind)
        {
            case AirtableFieldKind.Text or AirtableFieldKind.Person: d["type"] = "singleLineText"; break;
            case AirtableFieldKind.LongText: d["type"] = "multilineText"; break;
            case AirtableFieldKind.Number:
                d["type"] = "number";
                d["options"] = new JsonObject { ["precision"] = 0 };
                break;
            case AirtableFieldKind.Flag:
                d["type"] = "checkbox";
                d["options"] = new JsonObject { ["icon"] = "check", ["color"] = "greenBright" };
                break;
            case AirtableFieldKind.Time:
                d["type"] = "dateTime";
                d["options"] = new JsonObject
                {
                    ["timeZone"] = "utc",
                    ["dateFormat"] = new JsonObject { ["name"] = "iso" },
                    ["timeFormat"] = new JsonObject { ["name"] = "24hour" },
                };
                break;
            case AirtableFieldKind.Status:
                d["type"] = "singleSelect";
                d["options"] = new JsonObject { ["choices"] = new JsonArray(Statuses.Select(s => (JsonNode)new JsonObject { ["name"] = s }).ToArray()) };
                break;
            case AirtableFieldKind.Choice or AirtableFieldKind.Link:
                d["type"] = "multipleRecordLinks";
                d["options"] = new JsonObject { ["linkedTableId"] = tables[f.LinkedTable!].Id };
                break;
        }
        return d;
    }
}
