using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Hosting;

/// <summary>What the bot says first, for the stores and Slack modes a process test does not start.</summary>
public class FirstLinesTests
{
    private static List<string> StartupLines(MentorBot bot) =>
        bot.Logs.Entries.Where(e => e.Category == "OperationCodeMentor.Hosting.BotStartup").Select(e => e.Message).ToList();

    [Fact]
    public async Task OnAirtable_TheStoreLineNamesTheBase_NeverTheKey()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings());

        var lines = StartupLines(bot);

        Assert.Equal($"Store: Airtable base {FakeAirtableHarness.BaseId}", lines[0]);
        Assert.StartsWith("Slack: HTTP", lines[1]);
        Assert.DoesNotContain(bot.Logs.Entries, e => e.Message.Contains(FakeAirtable.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task InSocketMode_TheSlackLineSaysSo()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:AppToken"] = FakeSlack.AppToken });

        var lines = StartupLines(bot);

        Assert.StartsWith("Store: SQLite at ", lines[0]);
        Assert.StartsWith("Slack: Socket Mode", lines[1]);
        Assert.DoesNotContain(bot.Logs.Entries, e => e.Message.Contains(FakeSlack.AppToken, StringComparison.Ordinal));
    }
}
