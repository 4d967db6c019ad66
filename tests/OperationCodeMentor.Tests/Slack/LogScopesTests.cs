using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Slack;

public class LogScopesTests
{
    [Fact]
    public async Task Claim_LogEntriesCarryTheSlackUserAndTheRequestReference()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Slack.ErrorNext("chat.update", "not_in_channel");

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        var paired = Assert.Single(bot.Logs.Entries, e => e.Category == typeof(Pairing).FullName && e.Message.StartsWith("Paired mentor", StringComparison.Ordinal));
        AssertScopes(paired, "UMENTOR1", "action", RequestButtons.Claim, request.Reference);

        // An error from Slack in the middle of the claim says whose click and which request it was.
        var failed = Assert.Single(bot.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("chat.update answered error not_in_channel", StringComparison.Ordinal));
        AssertScopes(failed, "UMENTOR1", "action", RequestButtons.Claim, request.Reference);
    }

    [Fact]
    public async Task Request_LogEntriesCarryTheMenteeAndTheNewReference()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);

        var matched = Assert.Single(bot.Logs.Entries, e => e.Category == typeof(CardPoster).FullName && e.Message.Contains("matched", StringComparison.Ordinal));
        AssertScopes(matched, "UMENTEE1", "view", RequestModal.CallbackId, request.Reference);
    }

    [Fact]
    public async Task ConsoleLog_ShowsScopes()
    {
        await using var bot = await MentorBot.StartAsync();
        Assert.True(bot.Services.GetRequiredService<IOptions<SimpleConsoleFormatterOptions>>().Value.IncludeScopes);
    }

    private static void AssertScopes(LogEntry entry, string user, string kind, string id, string reference)
    {
        Assert.Equal(user, entry.Scopes.GetValueOrDefault("SlackUserId"));
        Assert.Equal(kind, entry.Scopes.GetValueOrDefault("SlackKind"));
        Assert.Equal(id, entry.Scopes.GetValueOrDefault("SlackId"));
        Assert.Equal(reference, entry.Scopes.GetValueOrDefault("RequestReference"));
    }
}
