using System.Text.Json.Nodes;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// The base Operation Code's Pybot runs on, as its own recorded API answers show it (2022, each table's "Fields" view):
/// the same tables, field names and types (Service a single select, Claimed By a link to Mentors, Active the words
/// True/False in a single select, Valid formulas, autonumbers and last-modified fields), links kept in both directions,
/// and a few rows of the kind it holds, some of them invalid.
/// </summary>
public static class FakeAirtablePybotBase
{
    /// <summary>What the Mentors, Skillsets, Services and Affiliations tables call a good row: "valid" or "invalid".</summary>
    public const string Valid = "Valid";

    /// <summary>A view of each of those tables that shows only its valid rows, as Pybot read them.</summary>
    public const string ValidView = "Valid";

    /// <summary>A skill, a service and an affiliation that coordinators entered to try the base and marked invalid.</summary>
    public const string TestRow = "Testing-Fields-Row";

    /// <summary>The options the Service single select offers: what requests so far have used (no voice chat yet).</summary>
    public static readonly IReadOnlyList<string> ServiceChoices = DefaultOptionLists.Services.Where(s => !s.Contains("Voice", StringComparison.Ordinal)).ToList();

    /// <summary>Mentors Pybot knew, without Slack IDs (the base never had them): name, Active, Valid by the formula, skills.</summary>
    public static readonly IReadOnlyList<(string SlackName, string Active, string[] Skills)> Mentors =
    [
        ("jane.doe", "True", ["Python", "JavaScript"]),
        ("sam.smith", "False", ["Python"]),
        ("testing-fields-row", "False", ["Python"]),
        ("test-mentor-two", "True", ["Python", "Career Advice"]),
    ];

    /// <summary>Lays the base out and fills it with option lists, mentors and two of Pybot's requests.</summary>
    public static void LayOutLikeOperationCode(this FakeAirtableBase b)
    {
        var skillsets = b.AddTable("Skillsets", ("Name", "singleLineText"), ("Slug", "singleLineText"));
        var services = b.AddTable("Services", ("Name", "singleLineText"), ("Slug", "singleLineText"), ("Description", "multilineText"));
        var affiliations = b.AddTable("Affiliations", ("Name", "singleLineText"), ("Slug", "singleLineText"), ("Description", "multilineText"));
        var mentors = b.AddTable("Mentors", ("Slack Name", "singleLineText"), ("Full Name", "singleLineText"), ("Email", "email"),
            ("Max Mentees", "number"), ("Bio", "multilineText"), ("Notes", "multilineText"), ("Time Zone", "singleLineText"),
            ("Desired Mentorship Hours Per Week", "number"), ("Code of Conduct Accepted", "checkbox"), ("Guidebook Read", "checkbox"),
            ("Row ID", "autoNumber"), ("Last Modified", "lastModifiedTime"), ("Last Modified By", "lastModifiedBy"));
        mentors.AddField("Active", "singleSelect", Choices("True", "False"));
        mentors.Link("Skills", skillsets, "Mentors");
        var requests = b.AddTable("Mentor Requests", ("Row Id", "autoNumber"), ("Slack Name", "singleLineText"), ("Email", "email"),
            ("Additional Details", "multilineText"), ("Slack Message TS", "singleLineText"), ("Claimed", "checkbox"),
            ("Claimed On", "dateTime"), ("Reset By", "singleLineText"), ("Reset On", "dateTime"), ("Reset Count", "number"),
            ("Last Modified", "lastModifiedTime"), ("Last Modified By", "lastModifiedBy"));
        requests.AddField("Service", "singleSelect", Choices([.. ServiceChoices]));
        requests.Link("Affiliation", affiliations, "Mentor Requests");
        requests.Link("Skillsets Requested", skillsets, "Mentor Requests");
        requests.Link("Claimed By", mentors, "Mentees Worked With");

        // An option is valid once it has a slug; a mentor, unless it has no name or is a test row.
        foreach (var options in new[] { skillsets, services, affiliations })
        {
            options.AddFormula(Valid, "IF(AND({Name}, {Slug}), 'valid', 'invalid')");
            options.Views[ValidView] = "{Valid}='valid'";
            options.Views["Fields"] = null;
        }
        mentors.AddFormula(Valid, "IF(OR({Slack Name}=BLANK(), FIND('test', LOWER({Slack Name}))), 'invalid', 'valid')");
        mentors.Views[ValidView] = "{Valid}='valid'";
        mentors.Views["Fields"] = null;
        requests.Views["Fields"] = null;

        Seed(skillsets, DefaultOptionLists.Skillsets);
        // A second "Python", entered by mistake and marked invalid: the bot must link the valid one.
        skillsets.Insert(new JsonObject { ["Name"] = "Python" });
        Seed(services, DefaultOptionLists.Services);
        Seed(affiliations, DefaultOptionLists.Affiliations);
        foreach (var (name, active, skills) in Mentors)
            mentors.Insert(new JsonObject
            {
                ["Slack Name"] = name,
                ["Full Name"] = name.Replace('.', ' '),
                ["Email"] = name + "@example.org",
                ["Active"] = active,
                ["Skills"] = Ids(skillsets, skills),
                ["Max Mentees"] = 2,
                ["Code of Conduct Accepted"] = true,
            });

        // Pybot's history: one request claimed by two mentors at once, for a mentee with two affiliations; one released.
        requests.Insert(new JsonObject
        {
            ["Slack Name"] = "mentee-one",
            ["Email"] = "mentee-one@example.org",
            ["Service"] = "General Guidance - Slack Chat",
            ["Affiliation"] = Ids(affiliations, ["Veteran", "Military Spouse"]),
            ["Additional Details"] = "Looking for advice on moving from logistics into software.",
            ["Skillsets Requested"] = Ids(skillsets, ["Python", "Career Advice"]),
            ["Slack Message TS"] = "1641049716.000200",
            ["Claimed"] = true,
            ["Claimed By"] = Ids(mentors, ["jane.doe", "sam.smith"], "Slack Name"),
            ["Claimed On"] = "2022-01-01T11:09:00.000Z",
            ["Reset Count"] = 0,
        });
        requests.Insert(new JsonObject
        {
            ["Slack Name"] = "mentee-two",
            ["Service"] = "Resume Review",
            ["Affiliation"] = Ids(affiliations, ["Active Duty"]),
            ["Skillsets Requested"] = Ids(skillsets, ["Resume Writing"]),
            ["Slack Message TS"] = "1641049999.000300",
            ["Reset By"] = "jane.doe",
            ["Reset On"] = "2022-01-02T08:00:00.000Z",
            ["Reset Count"] = 1,
        });
    }

    /// <summary>Gives a mentor Pybot knew a Slack ID, as a coordinator fills the bot's new field in.</summary>
    public static FakeRecord GiveSlackId(this FakeTable mentors, string slackName, string slackId)
    {
        var mentor = mentors.Find("Slack Name", slackName)!;
        mentors.Update(mentor, new JsonObject { ["Slack User ID"] = slackId });
        return mentor;
    }

    /// <summary>The IDs of the rows whose <paramref name="field"/> holds each name.</summary>
    public static JsonArray Ids(FakeTable table, IEnumerable<string> names, string field = "Name") =>
        new([.. names.Select(n => (JsonNode)JsonValue.Create(table.Find(field, n)?.Id ?? throw new InvalidOperationException($"No {n} in {table.Name}.")))]);

    private static void Seed(FakeTable table, IEnumerable<string> names)
    {
        foreach (var name in names)
            table.Insert(new JsonObject { ["Name"] = name, ["Slug"] = name.ToLowerInvariant().Replace(' ', '-'), ["Description"] = $"{name}." });
        // A row a coordinator started and never finished: no slug, so invalid.
        table.Insert(new JsonObject { ["Name"] = TestRow, ["Description"] = "testing-fields-row" });
    }

    private static JsonObject Choices(params string[] names) =>
        new() { ["choices"] = new JsonArray([.. names.Select(n => (JsonNode)new JsonObject { ["name"] = n })]) };
}
