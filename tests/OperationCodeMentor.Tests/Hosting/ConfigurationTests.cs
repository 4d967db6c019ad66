using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Hosting;

public class ConfigurationTests
{
    [Theory]
    [InlineData("Mentorship__MaxMentions", "0", "Mentorship:MaxMentions")]
    [InlineData("Mentorship__Coordinators__0", "not-a-user-id", "Mentorship:Coordinators")]
    [InlineData("Slack__ApiBaseUrl", "nowhere", "Slack:ApiBaseUrl")]
    [InlineData("SLACK_BOT_TOKEN", "abc", "Slack:BotToken")]
    [InlineData("SLACK_APP_TOKEN", "xoxb-not-an-app-token", "Slack:AppToken (SLACK_APP_TOKEN) does not look like an app-level token")]
    [InlineData("Mentorship__Digest", "every Monday", "Mentorship:Digest")]
    [InlineData("Mentorship__Schedule__BumpEvery", "00:00:00", "Mentorship:Schedule:BumpEvery")]
    [InlineData("Mentorship__Schedule__QuietHours", "after dinner", "Mentorship:Schedule:QuietHours")]
    [InlineData("Mentorship__TimeZone", "Mars/Olympus_Mons", "Mentorship:TimeZone")]
    [InlineData("Mentorship__EscalationContacts__0", "the-ceo", "Mentorship:EscalationContacts")]
    [InlineData("Mentorship__Schedule__EscalateAfter", "1.00:00:00", "Mentorship:Schedule:EscalateAfter")]
    public async Task Start_WithABadValue_ExitsWithAMessageNamingTheKey(string variable, string value, string named)
    {
        var data = Directory.CreateTempSubdirectory("ocm-config-").FullName;
        int exit;
        string stderr;
        try
        {
            (exit, _, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>
            {
                [variable] = value,
                ["SLACK_SIGNING_SECRET"] = "secret",
                ["Storage__SqlitePath"] = Path.Combine(data, "m.db"),
                ["Urls"] = "http://127.0.0.1:0",
            }, TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
        Assert.Equal(1, exit);
        Assert.Contains("cannot start because of its configuration", stderr);
        Assert.Contains(named, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Theory]
    [InlineData("SLACK_BOT_TOKEN", "xoxb-123-456-abcdefsecretpart", "Slack:SigningSecret (SLACK_SIGNING_SECRET) is required")]
    [InlineData("SLACK_APP_TOKEN", "xapp-1-A0APP-123-abcdefsecretpart", "Slack:BotToken (SLACK_BOT_TOKEN) is required when Slack:AppToken is set")]
    public async Task Start_WithATokenButNotWhatItNeeds_ExitsNamingIt_WithoutTheToken(string variable, string token, string named)
    {
        var (exit, _, stderr) = await BotProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            [variable] = token,
            ["Urls"] = "http://127.0.0.1:0",
        }, TimeSpan.FromSeconds(30));
        Assert.Equal(1, exit);
        Assert.Contains(named, stderr);
        Assert.DoesNotContain("abcdefsecretpart", stderr);
    }

    [Fact]
    public async Task Defaults_AreTheDocumentedOnes()
    {
        await using var bot = await MentorBot.StartAsync();
        var slack = new SlackOptions();
        Assert.Equal("https://slack.com/api/", slack.ApiBaseUrl);
        Assert.Equal("mentors-internal", slack.MentorsChannel);
        Assert.Equal(TimeSpan.FromMinutes(5), slack.MaxClockSkew);
        Assert.Equal(1024 * 1024, slack.MaxBodyBytes);
        Assert.True(new SlackOptions().IsOffline);
        Assert.False(new SlackOptions().UsesSocketMode);
        var mentorship = bot.Services.GetRequiredService<IOptions<MentorshipOptions>>().Value;
        Assert.Equal(5, mentorship.MaxMentions);
        Assert.Equal(2, mentorship.DefaultMaxMentees);
        Assert.Equal("data/mentorship.db", new StorageOptions().SqlitePath);
    }

    [Fact]
    public async Task Coordinators_MayBeGivenAsOneCommaSeparatedValue()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Mentorship:Coordinators:0"] = "UAAA1, UBBB2,UAAA1" });
        Assert.Equal(["UAAA1", "UBBB2"], bot.Services.GetRequiredService<IOptions<MentorshipOptions>>().Value.Coordinators);
    }

    [Fact]
    public async Task Offline_WithoutABotToken_StartsAndLogsCallsInsteadOfSending()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Slack:BotToken"] = "" });
        var slack = bot.Services.GetRequiredService<SlackApiClient>();
        Assert.True(slack.IsOffline);
        var posted = await slack.PostMessageAsync("G0MENTORS", "hello");
        Assert.False(string.IsNullOrEmpty(posted.Ts));
        Assert.Empty(bot.Slack.Calls);
    }

    [Fact]
    public void SettingsBesideTheProgram_StandInForAMissingFile_BelowTheEnvironment()
    {
        var root = Directory.CreateTempSubdirectory("ocm-settings-").FullName;
        try
        {
            var (working, program) = (Directory.CreateDirectory(Path.Combine(root, "working")).FullName, Directory.CreateDirectory(Path.Combine(root, "program")).FullName);
            File.WriteAllText(Path.Combine(program, "appsettings.json"), """{ "Mentorship": { "MaxMentions": 7, "Digest": "Friday 10:00" } }""");
            var configuration = new ConfigurationManager();
            configuration.AddJsonFile(new Microsoft.Extensions.FileProviders.PhysicalFileProvider(working), "appsettings.json", optional: true, reloadOnChange: false);
            configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mentorship:Digest"] = "off" });

            OperationCodeMentor.Hosting.SettingsBesideTheProgram.Add(configuration, working, "Production", program);

            Assert.Equal("7", configuration["Mentorship:MaxMentions"]);
            Assert.Equal("off", configuration["Mentorship:Digest"]);

            // A settings file in the working directory is the operator's own, and wins alone.
            File.WriteAllText(Path.Combine(working, "appsettings.json"), """{ "Mentorship": { "MaxMentions": 3 } }""");
            var own = new ConfigurationManager();
            own.AddJsonFile(new Microsoft.Extensions.FileProviders.PhysicalFileProvider(working), "appsettings.json", optional: true, reloadOnChange: false);
            OperationCodeMentor.Hosting.SettingsBesideTheProgram.Add(own, working, "Production", program);
            Assert.Equal("3", own["Mentorship:MaxMentions"]);
            Assert.Null(own["Mentorship:Digest"]);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
