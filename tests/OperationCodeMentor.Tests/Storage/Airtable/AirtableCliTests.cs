using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

public sealed class AirtableCliTests
{
    private static IConfiguration Config(FakeAirtable fake) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Airtable:ApiKey"] = FakeAirtable.Token,
        ["Airtable:BaseId"] = FakeAirtableHarness.BaseId,
        ["Airtable:ApiBaseUrl"] = fake.ApiBaseUrl,
    }).Build();

    private static async Task<(int Code, string Output)> RunAsync(IConfiguration config, params string[] args)
    {
        var output = new StringWriter();
        var code = await AirtableCli.RunAsync(config, args, output);
        return (code, output.ToString());
    }

    [Fact]
    public async Task CheckThenInit_OnOperationCodesBase_ListsWhatIsMissingThenCreatesIt()
    {
        await using var h = await FakeAirtableHarness.StartAsync(layOut: false);
        h.Base.LayOutLikeOperationCode();
        var config = Config(h.Fake);

        var check = await RunAsync(config, "check");
        Assert.Equal(1, check.Code);
        Assert.Contains("Table \"Mentors\" lacks field \"Slack User ID\"", check.Output, StringComparison.Ordinal);
        Assert.Contains("airtable init", check.Output, StringComparison.Ordinal);
        Assert.Matches(@"Mentors +Slack User ID +— +missing: `airtable init` adds it \(single line text\)", check.Output);

        var init = await RunAsync(config, "init");
        Assert.Equal(0, init.Code);
        Assert.Contains("Created field \"Slack User ID\" in \"Mentors\"", init.Output, StringComparison.Ordinal);
        // Only the bot's own fields: none of the base's is changed, whatever its type.
        Assert.DoesNotContain("\"Service\"", init.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Claimed By\"", init.Output, StringComparison.Ordinal);
        Assert.Equal("singleSelect", h.Requests.Field("Service")!.Type);

        var clean = await RunAsync(config, "check");
        Assert.Equal(0, clean.Code);
        Assert.Contains("has every table and field the bot uses, in types it can use", clean.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_PrintsEveryFieldTheBotUses_WithTheTypeFoundAndHowTheBotUsesIt()
    {
        await using var h = await FakeAirtableHarness.StartAsync(likeOperationCode: true);

        var (code, output) = await RunAsync(Config(h.Fake), "check");

        Assert.Equal(0, code);
        var lines = output.Split(Environment.NewLine);
        Assert.Matches("^table +field +type found +how the bot uses it +missing$", lines[0]);
        Assert.Matches("^-+  -+  -+  -+  -+$", lines[1]);
        foreach (var row in new[]
        {
            @"^Mentor Requests +Service +single select +single select: writes the option's name \(one it lacks is added\)$",
            @"^Mentor Requests +Affiliation +link to Affiliations +link to Affiliations: writes the chosen rows$",
            @"^Mentor Requests +Claimed By +link to Mentors +link to Mentors: writes the mentor's record \(empty for someone who is not a mentor\)$",
            @"^Mentor Requests +Reset By +single line text +text: writes the mentor's name \(the Slack ID for someone who is not a mentor\)$",
            @"^Mentor Requests +Claimed +checkbox +checkbox$",
            @"^Mentor Requests +Reset Count +number +number$",
            @"^Mentors +Active +single select +single select: writes ""True"" or ""False""; reads True/Yes/Active as yes, in any case$",
            @"^Mentors +Valid +formula +rows whose value is not ""valid"" are left out$",
            @"^Skillsets +Valid +formula +rows whose value is not ""valid"" are left out$",
            @"^Mentor Requests +Follow-up Of +link to Mentor Requests +link to Mentor Requests: writes the request it follows$",
        })
            Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, row));
        // One line per field the bot uses (and per Valid field), after the header and its rule.
        Assert.Equal(AirtableSchema.Expected(h.StoreOptions).Sum(t => t.Fields.Count + (t.Valid is null ? 0 : 1)) + 2, lines.TakeWhile(l => l.Length > 0 && !l.StartsWith("Airtable base", StringComparison.Ordinal)).Count());
    }

    [Fact]
    public async Task CheckAndInit_OnABaseOfThousandsOfRows_ReadOnlyItsSchema_WithinTheRateLimit()
    {
        // Airtable's clock: each command paces itself, and a second passes between the two commands.
        var airtable = new ManualTimeProvider();
        await using var h = await FakeAirtableHarness.StartAsync(layOut: false, realRateLimit: true, fakeClock: airtable);
        h.Base.LayOutLikeOperationCode();
        for (var i = 0; i < 5000; i++)
        {
            h.Mentors.Insert(new JsonObject { ["Slack Name"] = $"mentor-{i}", ["Active"] = "True" });
            h.Requests.Insert(new JsonObject { ["Slack Name"] = $"mentee-{i}", ["Service"] = "Code Review" });
        }
        // A base an earlier version of the bot set up: the requests' fields are there, the newest mentor fields are not.
        var requests = AirtableSchema.Expected(h.StoreOptions).Single(t => t.Name == "Mentor Requests");
        var tables = h.Base.Tables.ToDictionary(t => t.Name, t => new OperationCodeMentor.Airtable.AirtableTableSchema(t.Id, t.Name, null, []));
        foreach (var f in requests.Fields.Where(f => h.Requests.Field(f.Name) is null))
        {
            var definition = AirtableSchema.Definition(f, tables);
            h.Requests.AddField(f.Name, definition["type"]!.GetValue<string>(), definition["options"]?.DeepClone().AsObject());
        }
        // So are the mentor fields of the check-in and of quiet mentors: init is left three to create, within one second's requests.
        var mentors = AirtableSchema.Expected(h.StoreOptions).Single(t => t.Name == "Mentors");
        foreach (var f in mentors.Fields.Where(f => h.Mentors.Field(f.Name) is null && f.Key is not
            ("Fields:Mentors:SlackUserId" or "Fields:Mentors:Paused" or "Fields:Mentors:LastClaimedAt")))
        {
            var definition = AirtableSchema.Definition(f, tables);
            h.Mentors.AddField(f.Name, definition["type"]!.GetValue<string>(), definition["options"]?.DeepClone().AsObject());
        }
        var config = Config(h.Fake);

        var init = await RunAsync(config, "init");
        airtable.Advance(TimeSpan.FromSeconds(1));
        var check = await RunAsync(config, "check");

        Assert.Equal((0, 0), (init.Code, check.Code));
        Assert.Equal(3, init.Output.Split(Environment.NewLine).Count(l => l.StartsWith("Created field", StringComparison.Ordinal)));
        Assert.All(h.Fake.Calls, c => Assert.True(c.IsMeta, $"{c.Method} {c.Path} is not a schema request"));
        Assert.DoesNotContain(h.Fake.Calls, c => c.Status == 429);
        // Read the schema, create three fields, read it again to check; then check once more.
        Assert.Equal(6, h.Fake.Calls.Count);
    }

    [Fact]
    public async Task TheProgram_RoutesAirtableCommandsToTheCli()
    {
        await using var h = await FakeAirtableHarness.StartAsync(layOut: false);
        string[] args = ["airtable", "check", $"--Airtable:ApiKey={FakeAirtable.Token}", $"--Airtable:BaseId={FakeAirtableHarness.BaseId}", $"--Airtable:ApiBaseUrl={h.Fake.ApiBaseUrl}"];

        var main = typeof(Program).Assembly.EntryPoint!;
        var code = await Task.Run(() => main.Invoke(null, [args]) switch { int i => i, Task<int> t => t.GetAwaiter().GetResult(), var other => throw new InvalidOperationException($"{other}") });

        Assert.Equal(1, code);
        Assert.Contains(h.Fake.Calls, c => c.Path == $"meta/bases/{FakeAirtableHarness.BaseId}/tables");
    }

    [Fact]
    public async Task WithoutConfiguration_ItSaysWhatToSet()
    {
        var (code, output) = await RunAsync(new ConfigurationBuilder().Build(), "check");

        Assert.Equal(2, code);
        Assert.Contains("AIRTABLE_API_KEY", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownVerb_PrintsUsage()
    {
        var (code, output) = await RunAsync(new ConfigurationBuilder().Build(), "drop");

        Assert.Equal(2, code);
        Assert.Contains("airtable check", output, StringComparison.Ordinal);
    }
}
