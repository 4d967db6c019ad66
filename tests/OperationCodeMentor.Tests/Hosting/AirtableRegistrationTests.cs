using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Storage.Sqlite;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Hosting;

public sealed class AirtableRegistrationTests
{
    private static IServiceProvider Services(Dictionary<string, string?> settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging();
        services.AddMentorshipOptions(config).AddMentorshipStore();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void WithTokenAndBase_TheStoreIsAirtable()
    {
        var sp = Services(new() { ["Airtable:ApiKey"] = "patX", ["Airtable:BaseId"] = "appX1" });

        Assert.IsType<AirtableMentorshipStore>(sp.GetRequiredService<IMentorshipStore>());
    }

    [Fact]
    public void WithoutThem_TheStoreIsSqlite()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ocm-{Guid.NewGuid():N}", "m.db");
        var sp = Services(new() { ["Storage:SqlitePath"] = path });

        Assert.IsType<SqliteMentorshipStore>(sp.GetRequiredService<IMentorshipStore>());
    }

    private static WebApplicationFactory<Program> App(FakeAirtable fake) => new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Airtable:ApiKey"] = FakeAirtable.Token,
            ["Airtable:BaseId"] = FakeAirtableHarness.BaseId,
            ["Airtable:ApiBaseUrl"] = fake.ApiBaseUrl,
        })));

    private static string Message(Exception e) => e is AggregateException a ? string.Join("\n", a.Flatten().InnerExceptions.Select(x => x.Message)) : e.Message;

    [Fact]
    public async Task OnABaseThatLacksFields_TheBotRefusesToStart_NamingThem()
    {
        await using var h = await FakeAirtableHarness.StartAsync(layOut: false);
        h.Base.LayOutLikeOperationCode();
        await using var app = App(h.Fake);

        var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        var message = Message(e);
        Assert.Contains("lacks field \"Slack User ID\"", message, StringComparison.Ordinal);
        Assert.Contains("lacks field \"Mentioned Mentors\"", message, StringComparison.Ordinal);
        Assert.Contains("airtable init", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnAFieldOfATypeThatCannotCarryIt_TheBotRefusesToStart_NamingWhatWouldDo()
    {
        await using var h = await FakeAirtableHarness.StartAsync(likeOperationCode: true);
        h.Mentors.Retype("Active", "date");
        await using var app = App(h.Fake);

        var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        var message = Message(e);
        Assert.Contains("Table \"Mentors\", field \"Active\": it is a date field; the bot can use a checkbox, or a single select or text", message, StringComparison.Ordinal);
        Assert.Contains("airtable check` shows every field", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnABaseLaidOut_TheBotStartsOnAirtable_WithCachesWarm()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        await using var app = App(h.Fake);

        var health = await app.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // The schema is read once, at start-up, and shapes every read and write after.
        Assert.Single(h.Fake.Calls, c => c.IsMeta);
        Assert.Equal("AirtableMentorshipStore", JsonNode.Parse(await health.Content.ReadAsStringAsync())!["store"]!["kind"]!.GetValue<string>());
        h.Fake.ClearCalls();
        await app.Services.GetRequiredService<IMentorshipStore>().GetOptionListsAsync();
        Assert.Empty(h.Fake.Calls);
    }
}
