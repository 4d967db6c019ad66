using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests;

/// <summary>The two manifests people paste into Slack: one per way of connecting, describing the same app.</summary>
public partial class SlackManifestTests
{
    private static string Read(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OperationCodeMentor.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir.FullName, name));
    }

    private static List<string> Commands(string manifest) => CommandLine().Matches(manifest).Select(m => m.Groups[1].Value).ToList();

    private static List<string> BotScopes(string manifest)
    {
        var bot = manifest[(manifest.IndexOf("    bot:", StringComparison.Ordinal) + 9)..];
        return ScopeLine().Matches(bot[..bot.IndexOf("settings:", StringComparison.Ordinal)]).Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public async Task BothManifests_DeclareExactlyTheCommandsTheBotHandles_AndTheSameScopes()
    {
        var http = Read("slack-manifest.yml");
        var socket = Read("slack-manifest.socket.yml");
        await using var bot = await MentorBot.StartAsync();
        var handled = bot.Services.GetServices<ISlashCommandHandler>().Select(h => h.Command).Order().ToList();

        Assert.Equal(handled, Commands(http).Order());
        Assert.Equal(handled, Commands(socket).Order());
        Assert.NotEmpty(BotScopes(http));
        Assert.Equal(BotScopes(http), BotScopes(socket));
        // The pair's group DM: opened on claim, and read back after a crash.
        Assert.Contains("mpim:write", BotScopes(http));
        Assert.Contains("mpim:history", BotScopes(http));
    }

    /// <summary>The lines under <c>bot_events:</c>, such as <c>app_home_opened</c> and <c>message.im</c>.</summary>
    private static List<string> BotEvents(string manifest) =>
        manifest[(manifest.IndexOf("bot_events:", StringComparison.Ordinal) + "bot_events:".Length)..].Split('\n').Skip(1)
            .TakeWhile(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal))
            .Select(l => l.TrimStart()[2..].Split('#')[0].Trim()).ToList();

    [Fact]
    public async Task BothManifests_SubscribeToExactlyTheEventsTheBotHandles_AndLetPeopleWriteToIt()
    {
        await using var bot = await MentorBot.StartAsync();
        var handled = bot.Services.GetServices<ISlackEventHandler>().Select(h => h.EventType).Distinct().Order().ToList();

        foreach (var manifest in new[] { Read("slack-manifest.yml"), Read("slack-manifest.socket.yml") })
        {
            // A message event is subscribed to per kind of conversation: message.im is a DM to the bot.
            Assert.Equal(handled, BotEvents(manifest).Select(e => e.Split('.')[0]).Distinct().Order());
            Assert.Contains("message.im", BotEvents(manifest));
            Assert.Contains("im:history", BotScopes(manifest));
            Assert.Contains("messages_tab_enabled: true", manifest);
            Assert.Contains("messages_tab_read_only_enabled: false", manifest);
        }
    }

    [Fact]
    public void HttpManifest_PointsAtTheBotsEndpoints()
    {
        var http = Read("slack-manifest.yml");
        Assert.Contains("socket_mode_enabled: false", http);
        Assert.Contains("url: https://mentor-bot.example.org/slack/commands", http);
        Assert.Contains("request_url: https://mentor-bot.example.org/slack/interactions", http);
        Assert.Contains("request_url: https://mentor-bot.example.org/slack/events", http);
    }

    [Fact]
    public void SocketManifest_TurnsOnSocketMode_AndHasNoRequestUrls()
    {
        var socket = Read("slack-manifest.socket.yml");
        Assert.Contains("socket_mode_enabled: true", socket);
        Assert.DoesNotMatch(UrlKey(), socket);
        Assert.Contains("connections:write", socket);
    }

    [GeneratedRegex(@"^\s*- command: (/\S+)", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"^\s+- ([a-z:.]+)", RegexOptions.Multiline)]
    private static partial Regex ScopeLine();

    [GeneratedRegex(@"^\s*(request_)?url:", RegexOptions.Multiline)]
    private static partial Regex UrlKey();
}
