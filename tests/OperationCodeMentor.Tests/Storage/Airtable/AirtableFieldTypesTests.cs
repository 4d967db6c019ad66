using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;
using static OperationCodeMentor.Tests.Storage.Airtable.AirtableSamples;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// Every type the store accepts for a kind of field, written by the store, read back from the fake in the base's own
/// type, and read back by a store that starts afresh (so from Airtable, not from what the writer kept in memory).
/// </summary>
public sealed class AirtableFieldTypesTests
{
    private const string Requests = "Mentor Requests";
    private const string Mentors = "Mentors";

    /// <summary>A base laid out by <c>airtable init</c>, with fields converted in Airtable to other types before the bot starts.</summary>
    private static async Task<FakeAirtableHarness> BaseWithAsync(AirtableStoreOptions? names, params (string Table, string Field, string Type, JsonObject? Options)[] retyped)
    {
        var h = await FakeAirtableHarness.StartAsync(storeOptions: names);
        foreach (var (table, field, type, options) in retyped) h.Table(table).Retype(field, type, options);
        return h;
    }

    private static Task<FakeAirtableHarness> BaseWithAsync(string table, string field, string type, JsonObject? options = null) =>
        BaseWithAsync(null, (table, field, type, options));

    private static JsonObject? Choices(string? csv) => csv is null ? null
        : new JsonObject { ["choices"] = new JsonArray([.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => (JsonNode)new JsonObject { ["name"] = c })]) };

    private static string? Raw(FakeTable table, string id, string field) => Raw(table.Records.Single(r => r.Id == id), field);

    private static string? Raw(FakeRecord row, string field) => row.Fields[field]?.ToJsonString();

    // ---- choices ----

    [Theory]
    [InlineData("singleSelect", "\"Code Review\"")]
    [InlineData("multipleSelects", "[\"Code Review\"]")]
    [InlineData("singleLineText", "\"Code Review\"")]
    [InlineData("multilineText", "\"Code Review\"")]
    [InlineData("richText", "\"Code Review\"")]
    public async Task Service_IsWrittenAsTheOptionName_AndReadBack(string type, string written)
    {
        await using var h = await BaseWithAsync(Requests, "Service", type, type is "singleSelect" or "multipleSelects" ? Choices(string.Join(',', DefaultOptionLists.Services)) : null);

        var created = await CreateAsync(h.Store, Request());

        Assert.Equal(written, Raw(Row(h, created), "Service"));
        Assert.Equal("Code Review", (await h.NewStore().RequestAsync(created.Reference))!.Service);
        Assert.DoesNotContain(h.Fake.Calls, c => c.Body?.Contains("\"typecast\":true", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("singleSelect", "\"Code Review\"")]
    [InlineData("multipleSelects", "[\"Code Review\"]")]
    public async Task AServiceTheSelectDoesNotOfferYet_IsAddedToItByTheWrite(string type, string written)
    {
        await using var h = await BaseWithAsync(Requests, "Service", type, Choices("Resume Review,Mock Interview"));

        var created = await CreateAsync(h.Store, Request());

        Assert.Equal(written, Raw(Row(h, created), "Service"));
        Assert.Contains("Code Review", h.Requests.Field("Service")!.Choices);
        Assert.Contains(h.Fake.Calls, c => c.IsWrite && c.Body!.Contains("\"typecast\":true", StringComparison.Ordinal));
        Assert.Equal("Code Review", (await h.NewStore().RequestAsync(created.Reference))!.Service);
    }

    [Theory]
    [InlineData("multipleSelects", "[\"C#\",\"SQL\"]")]
    [InlineData("singleLineText", "\"C#, SQL\"")]
    [InlineData("multilineText", "\"C#, SQL\"")]
    [InlineData("richText", "\"C#, SQL\"")]
    public async Task SkillsRequested_AreWrittenAsTheOptionNames_AndReadBack(string type, string written)
    {
        await using var h = await BaseWithAsync(Requests, "Skillsets Requested", type, type == "multipleSelects" ? Choices("C#,SQL") : null);

        var created = await CreateAsync(h.Store, Request());

        Assert.Equal(written, Raw(Row(h, created), "Skillsets Requested"));
        Assert.Equal(["C#", "SQL"], (await h.NewStore().RequestAsync(created.Reference))!.Skills);
    }

    [Theory]
    [InlineData("multipleRecordLinks", null)]
    [InlineData("multipleSelects", "[\"C#\",\"Go\"]")]
    [InlineData("singleLineText", "\"C#, Go\"")]
    public async Task AMentorsSkills_AreWrittenInTheFieldsType_AndReadBack(string type, string? written)
    {
        await using var h = type == "multipleRecordLinks" ? await FakeAirtableHarness.StartAsync()
            : await BaseWithAsync(Mentors, "Skills", type, type == "multipleSelects" ? Choices("C#") : null);

        var saved = await h.Store.SaveMentorAsync(Profile("UMENTOR01") with { Skills = ["C#", "Go"] }, T0);

        var skillIds = FakeAirtablePybotBase.Ids(h.Table("Skillsets"), ["C#", "Go"]).ToJsonString();
        Assert.Equal(written ?? skillIds, Raw(h.Mentors, saved.Id, "Skills"));
        Assert.Equal(["C#", "Go"], (await h.NewStore().GetMentorAsync("UMENTOR01"))!.Skills);
    }

    [Fact]
    public async Task AnAffiliationLinkHoldingTwo_IsReadAsBoth_AndARequestMadeFromItLinksBothAgain()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var first = await CreateAsync(h.Store, Request());
        var both = FakeAirtablePybotBase.Ids(h.Table("Affiliations"), ["Veteran", "Military Spouse"]);
        h.Requests.Update(h.Requests.Records.Single(), new JsonObject { ["Affiliation"] = both });
        await h.Store.TryClaimAsync(first.Reference, "UMENTOR01", T0);
        await h.Store.TryCompleteSessionAsync(first.Reference, "UMENTOR01", "UMENTOR01", T0.AddDays(1));

        var outcome = await h.Store.TryRecordFeedbackAsync(first.Reference, SessionFeedback.AnotherMentor, "UMENTEE01", T0.AddDays(2));

        Assert.Equal("Veteran, Military Spouse", (await h.Store.RequestAsync(first.Reference))!.Affiliation);
        Assert.Equal(both.ToJsonString(), Raw(Row(h, outcome.FollowUpRequest!), "Affiliation"));
        Assert.DoesNotContain("no longer in the lists", Row(h, outcome.FollowUpRequest!).Text("Additional Details"), StringComparison.Ordinal);
    }

    // ---- people ----

    [Theory]
    [InlineData("multipleRecordLinks", "Claimed By", "link")]
    [InlineData("singleLineText", "Claimed By", "\"Mentor UMENTOR01\"")]
    [InlineData("multilineText", "Claimed By", "\"Mentor UMENTOR01\"")]
    [InlineData("richText", "Claimed By", "\"Mentor UMENTOR01\"")]
    [InlineData("singleLineText", "Claimer Slack ID", "\"UMENTOR01\"")]
    public async Task WhoClaimed_IsWrittenInTheFieldsType_AndARowClaimedBeforeTheBotSaysWho(string type, string field, string written)
    {
        var names = new AirtableStoreOptions();
        names.Fields.Requests.ClaimedBy = field;
        await using var h = await BaseWithAsync(names, (Requests, field, type, null));
        if (type == "multipleRecordLinks") h.Requests.Retype(field, type, new JsonObject { ["linkedTableId"] = h.Mentors.Id });
        var mentor = await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var request = await CreateAsync(h.Store, Request());

        await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0);

        Assert.Equal(written == "link" ? new JsonArray(mentor.Id).ToJsonString() : written, Raw(Row(h, request), field));
        // Pybot's rows have no status and no Slack ID of the bot's own: who claimed comes from its field. A coordinator
        // gives the row a reference to bring it to the bot.
        h.Requests.Insert(new JsonObject { ["Reference"] = "R-900", ["Claimed"] = true, [field] = JsonNode.Parse(Raw(Row(h, request), field)!) });
        var read = (await h.NewStore().RequestAsync("R-900"))!;
        Assert.Equal((RequestStatus.Claimed, "UMENTOR01"), (read.Status, read.ClaimedBy));
    }

    [Theory]
    [InlineData("multipleRecordLinks", null)]
    [InlineData("singleLineText", "\"UCOORD01\"")]
    public async Task AReleaseBySomeoneWhoIsNotAMentor_LeavesALinkEmpty_AndTheBotsOwnFieldSaysWho(string type, string? written)
    {
        await using var h = await BaseWithAsync(Requests, "Reset By", type);
        if (type == "multipleRecordLinks") h.Requests.Retype("Reset By", type, new JsonObject { ["linkedTableId"] = h.Mentors.Id });
        await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var request = await CreateAsync(h.Store, Request());
        await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0);

        var released = await h.Store.TryReleaseAsync(request.Reference, "UMENTOR01", "UCOORD01", T0.AddHours(1));

        Assert.True(released!.Applied);
        Assert.Equal(written, Raw(Row(h, request), "Reset By"));
        Assert.Equal("\"UCOORD01\"", Raw(Row(h, request), "Released By Slack ID"));
        Assert.Equal(0, h.Mentors.Records.Count(m => m.Text("Slack User ID") != "UMENTOR01"));
        Assert.Equal("UCOORD01", (await h.NewStore().RequestAsync(request.Reference))!.ReleasedBy);
    }

    // ---- flags ----

    [Theory]
    [InlineData("checkbox", null, "true", null)]
    [InlineData("singleSelect", "True,False", "\"True\"", "\"False\"")]
    [InlineData("singleSelect", "yes,no", "\"yes\"", "\"no\"")]
    [InlineData("singleSelect", "Active,Inactive", "\"Active\"", "\"Inactive\"")]
    [InlineData("singleSelect", "", "\"True\"", "\"False\"")]
    [InlineData("singleLineText", null, "\"True\"", "\"False\"")]
    [InlineData("multilineText", null, "\"True\"", "\"False\"")]
    [InlineData("richText", null, "\"True\"", "\"False\"")]
    public async Task ActiveAndPaused_AreWrittenInTheFieldsOwnWords_AndReadBack(string type, string? choices, string yes, string? no)
    {
        await using var h = await BaseWithAsync(null, (Mentors, "Active", type, Choices(choices)), (Mentors, "Paused", type, Choices(choices)));

        var saved = await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        await h.Store.SetMentorPausedAsync("UMENTOR01", true);
        Assert.True((await h.NewStore().GetMentorAsync("UMENTOR01"))!.Paused);
        await h.Store.SetMentorPausedAsync("UMENTOR01", false);

        Assert.Equal(yes, Raw(h.Mentors, saved.Id, "Active"));
        Assert.Equal(no, Raw(h.Mentors, saved.Id, "Paused"));
        var read = (await h.NewStore().GetMentorAsync("UMENTOR01"))!;
        Assert.Equal((true, false), (read.Active, read.Paused));
        if (type == "singleSelect") Assert.Equal(choices is "" ? ["True", "False"] : choices!.Split(','), h.Mentors.Field("Active")!.Choices.Concat(h.Mentors.Field("Paused")!.Choices).Distinct());
    }

    [Theory]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("yes", true)]
    [InlineData(" Active ", true)]
    [InlineData("False", false)]
    [InlineData("no", false)]
    [InlineData("INACTIVE", false)]
    [InlineData("maybe", false)]
    public async Task ActiveTypedIntoText_IsReadWhateverItsCase(string typed, bool active)
    {
        await using var h = await BaseWithAsync(Mentors, "Active", "singleLineText");
        h.Mentors.Insert(new JsonObject { ["Slack User ID"] = "UTYPED001", ["Slack Name"] = "typed", ["Active"] = typed });

        Assert.Equal(active, (await h.Store.GetMentorAsync("UTYPED001"))!.Active);
    }

    // ---- times and numbers ----

    [Theory]
    [InlineData("dateTime", "\"2025-03-03T10:30:00.000Z\"", "2025-03-03T10:30:00Z")]
    [InlineData("date", "\"2025-03-03\"", "2025-03-03T00:00:00Z")]
    public async Task AClaimTime_IsWrittenAsTheFieldKeepsIt_AndReadBack(string type, string written, string read)
    {
        await using var h = await BaseWithAsync(null, (Requests, "Claimed At", type, null), (Requests, "Claimed On", type, null));
        var request = await CreateAsync(h.Store, Request());

        await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0.AddMinutes(90));

        Assert.Equal(written, Raw(Row(h, request), "Claimed At"));
        Assert.Equal(written, Raw(Row(h, request), "Claimed On"));
        Assert.Equal(DateTimeOffset.Parse(read, System.Globalization.CultureInfo.InvariantCulture), (await h.NewStore().RequestAsync(request.Reference))!.ClaimedAt);
    }

    [Theory]
    [InlineData("number", "2", "1")]
    [InlineData("singleLineText", "\"2\"", "\"1\"")]
    [InlineData("multilineText", "\"2\"", "\"1\"")]
    [InlineData("richText", "\"2\"", "\"1\"")]
    public async Task Numbers_AreWrittenAsTheFieldHoldsThem_AndCountOnFromWhatWasRead(string type, string maxMentees, string resetCount)
    {
        await using var h = await BaseWithAsync(null, (Mentors, "Max Mentees", type, null), (Requests, "Reset Count", type, null));
        var mentor = await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var request = await CreateAsync(h.Store, Request());
        await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0);
        await h.Store.TryReleaseAsync(request.Reference, "UMENTOR01", "UMENTOR01", T0.AddHours(1));

        Assert.Equal(maxMentees, Raw(h.Mentors, mentor.Id, "Max Mentees"));
        Assert.Equal(resetCount, Raw(Row(h, request), "Reset Count"));
        var again = h.NewStore();
        Assert.Equal(2, (await again.GetMentorAsync("UMENTOR01"))!.MaxMentees);
        await again.TryClaimAsync(request.Reference, "UMENTOR01", T0.AddHours(2));
        await again.TryReleaseAsync(request.Reference, "UMENTOR01", "UMENTOR01", T0.AddHours(3));
        Assert.Equal(2, (await h.NewStore().RequestAsync(request.Reference))!.ResetCount);
    }

    // ---- text, status, the request a follow-up follows ----

    [Theory]
    [InlineData("singleLineText")]
    [InlineData("multilineText")]
    [InlineData("richText")]
    public async Task TextFields_AreWrittenAndReadAsTheyAre_AndFoundByFormula(string type)
    {
        await using var h = await BaseWithAsync(null, (Mentors, "Slack User ID", type, null), (Requests, "Additional Details", type, null), (Requests, "Reference", type, null));
        var mentor = await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var request = await CreateAsync(h.Store, Request());

        Assert.Equal("\"UMENTOR01\"", Raw(h.Mentors, mentor.Id, "Slack User ID"));
        Assert.Equal("\"Please review my first API project.\"", Raw(Row(h, request), "Additional Details"));
        var again = h.NewStore();
        Assert.Equal(mentor.Id, (await again.GetMentorAsync("UMENTOR01"))!.Id);
        Assert.Equal("Please review my first API project.", (await again.FindRequestByNumberAsync(1001))!.Details);
    }

    [Theory]
    [InlineData("singleSelect")]
    [InlineData("singleLineText")]
    public async Task TheStatus_IsWrittenAsItsWord_AndSelectsTheOpenRequests(string type)
    {
        await using var h = await BaseWithAsync(Requests, "Status", type, type == "singleSelect" ? Choices("open,claimed,completed,cancelled") : null);
        var claimed = await CreateAsync(h.Store, Request());
        var open = await CreateAsync(h.Store, Request("UMENTEE02"));

        await h.Store.TryClaimAsync(claimed.Reference, "UMENTOR01", T0);

        Assert.Equal(("\"claimed\"", "\"open\""), (Raw(Row(h, claimed), "Status"), Raw(Row(h, open), "Status")));
        Assert.Equal([open.Reference], (await h.NewStore().GetOpenRequestsAsync()).Select(r => r.Reference));
    }

    [Theory]
    [InlineData("multipleRecordLinks")]
    [InlineData("singleLineText")]
    public async Task AFollowUp_NamesTheRequestItFollows_InTheFieldsType(string type)
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        if (type != "multipleRecordLinks") h.Requests.Retype("Follow-up Of", type);
        var first = await CreateAsync(h.Store, Request());
        await h.Store.TryClaimAsync(first.Reference, "UMENTOR01", T0);
        await h.Store.TryCompleteSessionAsync(first.Reference, "UMENTOR01", "UMENTOR01", T0.AddDays(1));

        var followUp = (await h.Store.TryRecordFeedbackAsync(first.Reference, SessionFeedback.AnotherMentor, "UMENTEE01", T0.AddDays(2))).FollowUpRequest!;

        var firstRow = Row(h, first).Id;
        Assert.Equal(type == "multipleRecordLinks" ? new JsonArray(firstRow).ToJsonString() : $"\"{firstRow}\"", Raw(Row(h, followUp), "Follow-up Of"));
        Assert.Equal(first.Reference, (await h.NewStore().GetRequestAsync(followUp.Reference))!.Outcome.FollowUpOf);
    }
}
