using System.Text.Json.Nodes;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// A field whose type cannot carry what the bot keeps there is refused by <c>airtable check</c> (and so at start-up),
/// with a message naming the table, the field, the type found and the types that would work.
/// </summary>
public sealed class AirtableRefusedTypesTests
{
    private static async Task<IReadOnlyList<SchemaProblem>> ProblemsAsync(string table, string field, string type, string? linksTo = null, AirtableStoreOptions? names = null)
    {
        await using var h = await FakeAirtableHarness.StartAsync(storeOptions: names);
        h.Table(table).Retype(field, type, linksTo is null ? null : new JsonObject { ["linkedTableId"] = h.Table(linksTo).Id });
        return (await new AirtableSchemaSetup(h.Client, FakeAirtableHarness.Monitor(h.StoreOptions)).CheckAsync()).Problems;
    }

    [Theory]
    // choices
    [InlineData("Mentor Requests", "Service", "checkbox", null, "it is a checkbox field; the bot can use a link to \"Services\", a single select, a multiple select, or text", "Fields:Requests:Service")]
    [InlineData("Mentor Requests", "Service", "multipleRecordLinks", "Skillsets", "it is a link to Skillsets field; the bot can use a link to \"Services\", a single select", "Fields:Requests:Service")]
    [InlineData("Mentor Requests", "Skillsets Requested", "singleSelect", null, "it is a single select field, which holds one option, and the bot keeps several here; the bot can use a link to \"Skillsets\", a multiple select, or text", "Fields:Requests:Skills")]
    [InlineData("Mentors", "Skills", "number", null, "it is a number field; the bot can use a link to \"Skillsets\", a multiple select, or text", "Fields:Mentors:Skills")]
    // people
    [InlineData("Mentor Requests", "Claimed By", "checkbox", null, "it is a checkbox field; the bot can use a link to \"Mentors\", or text (a name, or a Slack ID when the field's name says ID)", "Fields:Requests:ClaimedBy")]
    [InlineData("Mentor Requests", "Reset By", "multipleRecordLinks", "Affiliations", "it is a link to Affiliations field; the bot can use a link to \"Mentors\"", "Fields:Requests:ResetBy")]
    // flags
    [InlineData("Mentors", "Active", "number", null, "it is a number field; the bot can use a checkbox, or a single select or text holding True/False, Yes/No or Active/Inactive", "Fields:Mentors:Active")]
    [InlineData("Mentors", "Paused", "date", null, "it is a date field; the bot can use a checkbox, or a single select", "Fields:Mentors:Paused")]
    // times
    [InlineData("Mentor Requests", "Claimed At", "singleLineText", null, "it is a single line text field; the bot can use a date and time, or a date", "Fields:Requests:ClaimedAt")]
    [InlineData("Mentor Requests", "Claimed On", "lastModifiedTime", null, "it is a last modified time field, which Airtable computes, so the bot cannot write it; the bot can use a date and time, or a date", "Fields:Requests:ClaimedOn")]
    // numbers
    [InlineData("Mentors", "Max Mentees", "checkbox", null, "it is a checkbox field; the bot can use a number, or text holding a number", "Fields:Mentors:MaxMentees")]
    [InlineData("Mentor Requests", "Reset Count", "rollup", null, "it is a rollup field, which Airtable computes, so the bot cannot write it; the bot can use a number", "Fields:Requests:ResetCount")]
    // text, status, option names, the request a follow-up follows
    [InlineData("Mentor Requests", "Reference", "number", null, "it is a number field; the bot can use single line text, long text or rich text", "Fields:Requests:Reference")]
    [InlineData("Mentor Requests", "Mentee Slack ID", "formula", null, "it is a formula field, which Airtable computes, so the bot cannot write it", "Fields:Requests:MenteeSlackId")]
    [InlineData("Mentor Requests", "Status", "multipleSelects", null, "it is a multiple select field; the bot can use a single select with the options open, claimed, completed, cancelled, or single line text", "Fields:Requests:Status")]
    [InlineData("Skillsets", "Name", "checkbox", null, "it is a checkbox field; the bot can use single line text, long text, rich text or a formula", "Fields:Skillsets:Name")]
    [InlineData("Mentor Requests", "Follow-up Of", "multipleRecordLinks", "Mentors", "it is a link to Mentors field; the bot can use a link to \"Mentor Requests\", or text holding the record ID", "Fields:Requests:FollowUpOf")]
    public async Task AFieldOfATypeThatCannotCarryIt_IsRefused_NamingWhatWouldWork(string table, string field, string type, string? linksTo, string says, string key)
    {
        var problems = await ProblemsAsync(table, field, type, linksTo);

        var problem = Assert.Single(problems);
        Assert.False(problem.Creatable);
        Assert.StartsWith($"Table \"{table}\", field \"{field}\": ", problem.Message, StringComparison.Ordinal);
        Assert.Contains(says, problem.Message, StringComparison.Ordinal);
        Assert.Contains($"Change the field in Airtable, or point Airtable:{key} at a field that fits.", problem.Message, StringComparison.Ordinal);
        // Pybot's bookkeeping fields can be left out instead.
        Assert.Equal(key is "Fields:Requests:ClaimedBy" or "Fields:Requests:ResetBy" or "Fields:Requests:ClaimedOn",
            problem.Message.EndsWith($"Or set Airtable:{key} empty, and the bot leaves Pybot's field alone.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AValidFieldThatHoldsNoWords_IsRefused_SayingHowToDoWithoutIt()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        h.Mentors.AddField("Valid", "checkbox", null);

        var problem = Assert.Single((await new AirtableSchemaSetup(h.Client, FakeAirtableHarness.Monitor(h.StoreOptions)).CheckAsync()).Problems);

        Assert.Equal("Table \"Mentors\", field \"Valid\": it is a checkbox field; the bot reads it for the words \"valid\" and \"invalid\", so it can use a formula, " +
            "a single select or text. Change the field, or set Airtable:Fields:Mentors:Valid to another field or to empty to use every row.", problem.Message);
    }

    [Fact]
    public async Task AViewTheTableLacks_IsRefused_NamingTheViewsItHas()
    {
        var names = new AirtableStoreOptions();
        names.Views.Mentors = "Active mentors";
        await using var h = await FakeAirtableHarness.StartAsync(storeOptions: names);

        var problem = Assert.Single((await new AirtableSchemaSetup(h.Client, FakeAirtableHarness.Monitor(h.StoreOptions)).CheckAsync()).Problems);

        Assert.Equal("Table \"Mentors\" has no view \"Active mentors\" (Airtable:Views:Mentors). Create it in Airtable, or set Airtable:Views:Mentors to one of: " +
            "\"Grid view\", or empty to read the whole table.", problem.Message);
    }

    [Fact]
    public async Task AnOptionNameGivenByAFormula_IsAccepted_BecauseTheBotOnlyReadsIt()
    {
        Assert.Empty(await ProblemsAsync("Services", "Name", "formula"));
    }
}
