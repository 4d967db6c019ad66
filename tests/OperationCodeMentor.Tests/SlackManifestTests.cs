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
