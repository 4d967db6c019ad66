using System.Text.Json.Nodes;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// Rows Operation Code's base marks invalid (its Valid formulas) are left out, through the Valid field or through a
/// view, at no extra request. The base is the fake of Operation Code's, after <c>airtable init</c>.
/// </summary>
public sealed class AirtableValidRowsTests
{
    /// <summary>Every mentor Pybot knew, given a Slack ID by a coordinator: only jane.doe and sam.smith are valid.</summary>
    private static async Task<FakeAirtableHarness> OperationCodesBaseAsync(AirtableStoreOptions? names = null)
    {
        var h = await FakeAirtableHarness.StartAsync(storeOptions: names, likeOperationCode: true);
        foreach (var (name, _, _) in FakeAirtablePybotBase.Mentors) h.Mentors.GiveSlackId(name, SlackId(name));
        return h;
    }

    private static string SlackId(string slackName) => "U" + new string([.. slackName.ToUpperInvariant().Where(char.IsAsciiLetter)]);

    private static IEnumerable<string> Reads(FakeAirtableHarness h, string table) =>
        h.Fake.Calls.Where(c => c.IsRead && c.Table == table).Select(c => Uri.UnescapeDataString(c.Query));

    [Fact]
    public async Task InvalidMentors_AreNeitherMatchedNorFound_AndLeftOutByTheReadThatWasAlreadyMade()
    {
        await using var h = await OperationCodesBaseAsync();

        await h.Store.WarmUpAsync();
        var loads = await h.Store.GetMentorLoadsAsync();

        Assert.Equal(["UJANEDOE", "USAMSMITH"], loads.Select(l => l.Mentor.SlackUserId).Order());
        Assert.Equal([true, false], loads.OrderBy(l => l.Mentor.SlackUserId).Select(l => l.Mentor.Active));
        Assert.Null(await h.Store.GetMentorAsync("UTESTMENTORTWO"));
        Assert.Null(await h.Store.SetMentorPausedAsync("UTESTMENTORTWO", true));
        var read = Assert.Single(Reads(h, "Mentors"), q => q.Contains("filterByFormula", StringComparison.Ordinal) && !q.Contains("Slack User ID", StringComparison.Ordinal));
        Assert.Contains("LOWER({Valid})='valid'", read, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidOptions_AreNotOffered_NorLinked_ButARequestThatLinksOneStillShowsItsName()
    {
        await using var h = await OperationCodesBaseAsync();
        var skills = h.Table("Skillsets");
        var testRow = skills.Find("Name", FakeAirtablePybotBase.TestRow)!;
        // A request Pybot wrote with the invalid skill, given a reference by a coordinator so the bot can read it.
        h.Requests.Insert(new JsonObject { ["Reference"] = "R-900", ["Slack Name"] = "mentee-three", ["Skillsets Requested"] = new JsonArray(testRow.Id) });

        var lists = await h.Store.GetOptionListsAsync();
        var request = await AirtableSamples.CreateAsync(h.Store,
            new(0, "UMENTEE01", "mentee", "Code Review", ["Python", FakeAirtablePybotBase.TestRow], "Help.", "Veteran", h.Clock.GetUtcNow()));

        Assert.Equal(DefaultOptionLists.Skillsets, lists.Skillsets);
        Assert.Equal(DefaultOptionLists.Services, lists.Services);
        Assert.Equal(DefaultOptionLists.Affiliations, lists.Affiliations);
        // The valid Python, not the invalid one entered by mistake; the invalid skill named in the details instead.
        var validPython = skills.Records.Single(r => r.Text("Name") == "Python" && skills.Value(r, "Valid")?.GetValue<string>() == "valid");
        Assert.Equal(new JsonArray(validPython.Id).ToJsonString(), AirtableSamples.Row(h, request).Fields["Skillsets Requested"]!.ToJsonString());
        Assert.Contains($"Skillsets Requested: {FakeAirtablePybotBase.TestRow}", AirtableSamples.Row(h, request).Text("Additional Details"), StringComparison.Ordinal);
        Assert.Equal([FakeAirtablePybotBase.TestRow], (await h.Store.RequestAsync("R-900"))!.Skills);
        Assert.All(Reads(h, "Skillsets"), q => Assert.Contains("fields[]=Valid", q, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThroughAView_InvalidRowsAreLeftOutByTheView()
    {
        var names = new AirtableStoreOptions();
        names.Fields.Mentors.Valid = "";
        names.Fields.Skillsets.Valid = "";
        names.Views.Mentors = FakeAirtablePybotBase.ValidView;
        names.Views.Skillsets = FakeAirtablePybotBase.ValidView;
        await using var h = await OperationCodesBaseAsync(names);

        await h.Store.WarmUpAsync();

        Assert.Null(await h.Store.GetMentorAsync("UTESTMENTORTWO"));
        Assert.NotNull(await h.Store.GetMentorAsync("UJANEDOE"));
        Assert.Equal(DefaultOptionLists.Skillsets, (await h.Store.GetOptionListsAsync()).Skillsets);
        Assert.All(Reads(h, "Mentors").Concat(Reads(h, "Skillsets")), q => Assert.Contains("view=Valid", q, StringComparison.Ordinal));
        Assert.DoesNotContain(Reads(h, "Mentors"), q => q.Contains("{Valid}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EachOfTheFourTables_IsReadThroughItsOwnView_WhichAloneChoosesItsRows()
    {
        // A view of each name on its own table only, choosing one row: a table read through another's view, or through
        // none, would be refused by Airtable or offer more than that row.
        var views = new Dictionary<string, (string View, string Shows)>
        {
            ["Mentors"] = ("Matched mentors", "{Slack Name}='jane.doe'"),
            ["Skillsets"] = ("Offered skills", "{Slug}='python'"),
            ["Services"] = ("Offered services", "{Slug}='code-review'"),
            ["Affiliations"] = ("Offered affiliations", "{Slug}='veteran'"),
        };
        var names = new AirtableStoreOptions();
        names.Fields.Mentors.Valid = names.Fields.Skillsets.Valid = names.Fields.Services.Valid = names.Fields.Affiliations.Valid = "";
        names.Views.Mentors = views["Mentors"].View;
        names.Views.Skillsets = views["Skillsets"].View;
        names.Views.Services = views["Services"].View;
        names.Views.Affiliations = views["Affiliations"].View;
        await using var h = await OperationCodesBaseAsync(names);
        foreach (var (table, (view, shows)) in views) h.Table(table).Views[view] = shows;

        await h.Store.WarmUpAsync();
        var lists = await h.Store.GetOptionListsAsync();

        Assert.Equal(["Python"], lists.Skillsets);
        Assert.Equal(["Code Review"], lists.Services);
        Assert.Equal(["Veteran"], lists.Affiliations);
        Assert.NotNull(await h.Store.GetMentorAsync("UJANEDOE"));
        Assert.Null(await h.Store.GetMentorAsync("USAMSMITH"));
        Assert.Equal(["UJANEDOE"], (await h.Store.GetMentorLoadsAsync()).Select(l => l.Mentor.SlackUserId));
        foreach (var (table, (view, _)) in views)
        {
            Assert.NotEmpty(Reads(h, table));
            Assert.All(Reads(h, table), q => Assert.Contains("view=" + view, q, StringComparison.Ordinal));
        }
        // Mentor Requests has no view setting: its rows must stay within reach of their claims and follow-ups.
        Assert.NotEmpty(Reads(h, "Mentor Requests"));
        Assert.DoesNotContain(Reads(h, "Mentor Requests"), q => q.Contains("view=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithNeitherTheValidFieldNorAView_EveryRowIsUsed()
    {
        var names = new AirtableStoreOptions();
        names.Fields.Mentors.Valid = "";
        names.Fields.Skillsets.Valid = "";
        await using var h = await OperationCodesBaseAsync(names);

        Assert.NotNull(await h.Store.GetMentorAsync("UTESTMENTORTWO"));
        Assert.Contains(FakeAirtablePybotBase.TestRow, (await h.Store.GetOptionListsAsync()).Skillsets);
    }

    [Fact]
    public async Task LoadingTheCaches_CostsTheSameFiveReads_WithTheValidFields()
    {
        await using var h = await OperationCodesBaseAsync();

        await h.Lookups.ReloadAsync();

        // The schema (read once, before), then mentors, the three option tables, and the open, claimed and recent requests.
        Assert.Equal(1, h.Fake.Calls.Count(c => c.IsMeta));
        Assert.Equal(5, h.Fake.Calls.Count(c => c.IsRead));
        await h.Lookups.ReloadAsync();
        Assert.Equal(1, h.Fake.Calls.Count(c => c.IsMeta));
    }
}
