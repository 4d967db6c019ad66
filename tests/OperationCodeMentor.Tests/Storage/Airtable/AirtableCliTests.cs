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
    public async Task CheckThenInit_OnPybotsBase_ListsWhatIsMissingThenCreatesIt()
    {
        await using var h = await FakeAirtableHarness.StartAsync(layOut: false);
        h.Base.LayOutLikePybot();
        var config = Config(h.Fake);

        var check = await RunAsync(config, "check");
        Assert.Equal(1, check.Code);
        Assert.Contains("Table \"Mentors\" lacks field \"Slack User ID\"", check.Output, StringComparison.Ordinal);
        Assert.Contains("airtable init", check.Output, StringComparison.Ordinal);

        var init = await RunAsync(config, "init");
        Assert.Equal(0, init.Code);
        Assert.Contains("Created field \"Slack User ID\" in \"Mentors\"", init.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(config, "check")).Code);
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
