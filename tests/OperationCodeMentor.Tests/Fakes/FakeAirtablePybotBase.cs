using System.Text.Json.Nodes;

namespace OperationCodeMentor.Tests.Fakes;

public static class FakeAirtablePybotBase
{
    /// <summary>The base Operation Code's Pybot runs on, as its code uses it.</summary>
    public static void LayOutLikePybot(this FakeAirtableBase b)
    {
        var skillsets = b.AddTable("Skillsets", ("Name", "singleLineText"), ("Slug", "singleLineText"));
        var services = b.AddTable("Services", ("Name", "singleLineText"), ("Slug", "singleLineText"), ("Description", "multilineText"));
        var affiliations = b.AddTable("Affiliations", ("Name", "singleLineText"), ("Slug", "singleLineText"), ("Description", "multilineText"));
        var mentors = b.AddTable("Mentors", ("Slack Name", "singleLineText"), ("Full Name", "singleLineText"), ("Email", "email"), ("Active", "checkbox"),
            ("Max Mentees", "number"), ("Bio", "multilineText"), ("Notes", "multilineText"), ("Time Zone", "singleLineText"), ("Row ID", "autoNumber"));
        mentors.AddField("Skills", "multipleRecordLinks", new JsonObject { ["linkedTableId"] = skillsets.Id });
        var requests = b.AddTable("Mentor Requests", ("Row Id", "autoNumber"), ("Slack Name", "singleLineText"), ("Email", "email"),
            ("Additional Details", "multilineText"), ("Slack Message TS", "singleLineText"), ("Claimed", "checkbox"), ("Claimed By", "singleLineText"),
            ("Claimed On", "date"), ("Reset By", "singleLineText"), ("Reset On", "date"), ("Reset Count", "number"));
        requests.AddField("Service", "multipleRecordLinks", new JsonObject { ["linkedTableId"] = services.Id });
        requests.AddField("Affiliation", "multipleRecordLinks", new JsonObject { ["linkedTableId"] = affiliations.Id });
        requests.AddField("Skillsets Requested", "multipleRecordLinks", new JsonObject { ["linkedTableId"] = skillsets.Id });
    }
}
