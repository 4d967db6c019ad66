using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

public enum AirtableFieldKind
{
    Text,
    LongText,
    Number,
    Checkbox,
    DateTime,
    Status,
    Link,
}

/// <param name="Key">The configuration key that names it, under <c>Airtable:</c>.</param>
/// <param name="Optional">Pybot's bookkeeping: configured empty, it is neither required nor written.</param>
public sealed record ExpectedField(string Key, string Name, AirtableFieldKind Kind, string? LinkedTable = null, bool Optional = false);

/// <summary>A table the bot needs; its first field becomes the primary field when the bot creates the table.</summary>
public sealed record ExpectedTable(string Key, string Name, IReadOnlyList<ExpectedField> Fields);

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
        ExpectedTable Options(string key, string table, OptionFieldNames f) =>
            new($"Tables:{key}", table, [new($"Fields:{key}:Name", f.Name, AirtableFieldKind.Text)]);
        return
        [
            Options("Skillsets", t.Skillsets, o.Fields.Skillsets),
            Options("Services", t.Services, o.Fields.Services),
            Options("Affiliations", t.Affiliations, o.Fields.Affiliations),
            new("Tables:Mentors", t.Mentors,
            [
                new("Fields:Mentors:Name", m.Name, AirtableFieldKind.Text),
                new("Fields:Mentors:SlackUserId", m.SlackUserId, AirtableFieldKind.Text),
                new("Fields:Mentors:Active", m.Active, AirtableFieldKind.Checkbox),
                new("Fields:Mentors:Paused", m.Paused, AirtableFieldKind.Checkbox),
                new("Fields:Mentors:Skills", m.Skills, AirtableFieldKind.Link, t.Skillsets),
                new("Fields:Mentors:MaxMentees", m.MaxMentees, AirtableFieldKind.Number),
                new("Fields:Mentors:Bio", m.Bio, AirtableFieldKind.LongText),
                new("Fields:Mentors:TimeZone", m.TimeZone, AirtableFieldKind.Text),
                new("Fields:Mentors:LastClaimedAt", m.LastClaimedAt, AirtableFieldKind.DateTime),
            ]),
            new("Tables:Requests", t.Requests,
            [
                new("Fields:Requests:Reference", r.Reference, AirtableFieldKind.Text),
                new("Fields:Requests:MenteeSlackId", r.MenteeSlackId, AirtableFieldKind.Text),
                new("Fields:Requests:MenteeName", r.MenteeName, AirtableFieldKind.Text),
                new("Fields:Requests:Service", r.Service, AirtableFieldKind.Link, t.Services),
                new("Fields:Requests:Skills", r.Skills, AirtableFieldKind.Link, t.Skillsets),
                new("Fields:Requests:Affiliation", r.Affiliation, AirtableFieldKind.Link, t.Affiliations),
                new("Fields:Requests:Details", r.Details, AirtableFieldKind.LongText),
                new("Fields:Requests:Status", r.Status, AirtableFieldKind.Status),
                new("Fields:Requests:RequestedAt", r.RequestedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:ClaimedBySlackId", r.ClaimedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ClaimedAt", r.ClaimedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:ReleasedBySlackId", r.ReleasedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ReleasedAt", r.ReleasedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:ResetCount", r.ResetCount, AirtableFieldKind.Number),
                new("Fields:Requests:ChannelId", r.ChannelId, AirtableFieldKind.Text),
                new("Fields:Requests:MessageTs", r.MessageTs, AirtableFieldKind.Text),
                new("Fields:Requests:MentionedMentors", r.MentionedMentors, AirtableFieldKind.LongText),
                new("Fields:Requests:SubmissionKey", r.SubmissionKey, AirtableFieldKind.Text),
                new("Fields:Requests:FirstClaimedAt", r.FirstClaimedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:AssignedBySlackId", r.AssignedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ClosedBySlackId", r.ClosedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:ClosedAt", r.ClosedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:CloseReason", r.CloseReason, AirtableFieldKind.LongText),
                new("Fields:Requests:FollowUpVersion", r.FollowUpVersion, AirtableFieldKind.Number),
                new("Fields:Requests:BumpCount", r.BumpCount, AirtableFieldKind.Number),
                new("Fields:Requests:LastBumpAt", r.LastBumpAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:CoordinatorsNotifiedAt", r.CoordinatorsNotifiedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:EscalatedAt", r.EscalatedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:FirstEscalatedAt", r.FirstEscalatedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:MentorNudgedAt", r.MentorNudgedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:StuckReportedAt", r.StuckReportedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:NextActionAt", r.NextActionAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:PendingStep", r.PendingStep, AirtableFieldKind.Text),
                new("Fields:Requests:PendingToken", r.PendingToken, AirtableFieldKind.Text),
                new("Fields:Requests:PendingAt", r.PendingAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:CompletedAt", r.CompletedAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:CompletedBySlackId", r.CompletedBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:FollowUpOf", r.FollowUpOf, AirtableFieldKind.Link, t.Requests),
                new("Fields:Requests:Feedback", r.Feedback, AirtableFieldKind.Text),
                new("Fields:Requests:FeedbackBySlackId", r.FeedbackBySlackId, AirtableFieldKind.Text),
                new("Fields:Requests:FeedbackAt", r.FeedbackAt, AirtableFieldKind.DateTime),
                new("Fields:Requests:Claimed", r.Claimed, AirtableFieldKind.Checkbox, Optional: true),
                new("Fields:Requests:ClaimedBy", r.ClaimedBy, AirtableFieldKind.Text, Optional: true),
                new("Fields:Requests:ClaimedOn", r.ClaimedOn, AirtableFieldKind.DateTime, Optional: true),
                new("Fields:Requests:ResetBy", r.ResetBy, AirtableFieldKind.Text, Optional: true),
                new("Fields:Requests:ResetOn", r.ResetOn, AirtableFieldKind.DateTime, Optional: true),
            ]),
        ];
    }

    /// <summary>Every configured name with its key, for validation.</summary>
    public static IEnumerable<(string Key, string Value, bool Optional)> Names(AirtableStoreOptions o) =>
        Expected(o).SelectMany(t => t.Fields.Select(f => (f.Key, f.Name ?? "", f.Optional)).Prepend((t.Key, t.Name ?? "", false)));

    /// <summary>What the base lacks, or has in a shape the bot cannot use, with the exact names expected.</summary>
    public static IReadOnlyList<SchemaProblem> Compare(IReadOnlyList<ExpectedTable> expected, IReadOnlyList<AirtableTableSchema> actual)
    {
        var problems = new List<SchemaProblem>();
        var byName = actual.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var table in expected)
        {
            if (!byName.TryGetValue(table.Name, out var found))
            {
                problems.Add(new($"Table \"{table.Name}\" is missing (Airtable:{table.Key}).", Creatable: true));
                continue;
            }
            foreach (var field in table.Fields.Where(f => !(f.Optional && string.IsNullOrEmpty(f.Name))))
            {
                var have = found.Fields.FirstOrDefault(f => f.Name == field.Name);
                if (have is null)
                {
                    problems.Add(new($"Table \"{table.Name}\" lacks field \"{field.Name}\" ({Describe(field)}; Airtable:{field.Key}).", Creatable: true));
                    continue;
                }
                if (Mismatch(field, have, byName) is { } why)
                    problems.Add(new($"Table \"{table.Name}\", field \"{field.Name}\": {why} Change the field in Airtable, or point Airtable:{field.Key} at a field that fits.", Creatable: false));
            }
        }
        return problems;
    }

    private static string? Mismatch(ExpectedField field, AirtableFieldSchema have, IReadOnlyDictionary<string, AirtableTableSchema> tables)
    {
        var fits = field.Kind switch
        {
            AirtableFieldKind.Text => have.Type is "singleLineText" or "multilineText" or "richText" or "email" or "url" or "phoneNumber",
            AirtableFieldKind.LongText => have.Type is "multilineText" or "richText" or "singleLineText",
            AirtableFieldKind.Number => have.Type is "number",
            AirtableFieldKind.Checkbox => have.Type is "checkbox",
            AirtableFieldKind.DateTime => have.Type is "dateTime" or "date",
            AirtableFieldKind.Status => have.Type is "singleSelect" or "singleLineText",
            AirtableFieldKind.Link => have.Type is "multipleRecordLinks",
            _ => false,
        };
        if (!fits) return $"it is a {have.Type} field; the bot needs {Describe(field)}.";
        if (field.Kind == AirtableFieldKind.Link && tables.TryGetValue(field.LinkedTable!, out var target) && have.LinkedTableId != target.Id)
            return $"it links to another table; the bot needs {Describe(field)}.";
        if (field.Kind == AirtableFieldKind.Status && have.Type == "singleSelect")
        {
            var missing = Statuses.Where(s => !have.Choices.Contains(s, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0) return $"the single select lacks the option{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.Select(s => $"\"{s}\""))}; add {(missing.Count == 1 ? "it" : "them")} in Airtable.";
        }
        return null;
    }

    public static string Describe(ExpectedField f) => f.Kind switch
    {
        AirtableFieldKind.Text => "single line text",
        AirtableFieldKind.LongText => "long text",
        AirtableFieldKind.Number => "number",
        AirtableFieldKind.Checkbox => "checkbox",
        AirtableFieldKind.DateTime => "date and time",
        AirtableFieldKind.Status => $"single select with options {string.Join(", ", Statuses)}",
        AirtableFieldKind.Link => $"a link to records in \"{f.LinkedTable}\"",
        _ => f.Kind.ToString(),
    };

    /// <summary>The metadata API's definition of a field of this kind.</summary>
    public static JsonObject Definition(ExpectedField f, IReadOnlyDictionary<string, AirtableTableSchema> tables)
    {
        var d = new JsonObject { ["name"] = f.Name };
        switch (f.Kind)
        {
            case AirtableFieldKind.Text: d["type"] = "singleLineText"; break;
            case AirtableFieldKind.LongText: d["type"] = "multilineText"; break;
            case AirtableFieldKind.Number:
                d["type"] = "number";
                d["options"] = new JsonObject { ["precision"] = 0 };
                break;
            case AirtableFieldKind.Checkbox:
                d["type"] = "checkbox";
                d["options"] = new JsonObject { ["icon"] = "check", ["color"] = "greenBright" };
                break;
            case AirtableFieldKind.DateTime:
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
            case AirtableFieldKind.Link:
                d["type"] = "multipleRecordLinks";
                d["options"] = new JsonObject { ["linkedTableId"] = tables[f.LinkedTable!].Id };
                break;
        }
        return d;
    }
}
