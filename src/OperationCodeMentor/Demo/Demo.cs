using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Demo;

/// <summary>
/// <c>demo</c>: the whole mentorship story in a few seconds, with no Slack workspace and no configuration. The real
/// bot is hosted on 127.0.0.1 with a throwaway database and a <see cref="SlackStandIn"/> for Slack's Web API; the
/// cast's commands and clicks reach its real endpoints as signed requests, and the output is what each of them
/// would have seen in Slack.
/// </summary>
public static class Demo
{
    /// <summary>Longer than the story ever needs; past it the demo gives up rather than hang.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(1);

    /// <summary>The start of the last line of a demo that ran to the end.</summary>
    public const string ShownPrefix = "Shown:";

    /// <summary>Colour only on a terminal, and never when <c>NO_COLOR</c> is set (no-color.org).</summary>
    public static bool ColourWanted() =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <returns>0 when the whole story ran as told; 1 when the bot did something else, which is printed.</returns>
    public static async Task<int> RunAsync(TextWriter output, bool colour, CancellationToken ct = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeLimit);
        var folder = Directory.CreateTempSubdirectory("ocm-demo-").FullName;
        var clock = new DemoClock();
        var slack = new SlackStandIn(clock, Cast.Channels);
        var print = new StoryPrinter(output, colour, slack);
        var log = new DemoLog();

        StoryOutcome? outcome = null;
        string? failure = null;
        try
        {
            outcome = await RunStoryAsync(folder, clock, slack, print, log, limit.Token).ConfigureAwait(false);
            if (log.Errors.Count > 0) failure = "The bot logged errors while the story ran.";
        }
        catch (DemoFailure e)
        {
            failure = e.Message;
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            failure = $"The story took longer than {TimeLimit.TotalSeconds:0} seconds.";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Say what broke in one line, then still clean up: a stack trace would bury the story printed so far.
            failure = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }

        foreach (var entry in log.Entries) print.Problem("The bot logged: " + print.Names(entry));
        var deleted = TryDelete(folder);
        print.Line();
        print.Note(deleted
            ? $"The bot ran on 127.0.0.1 with a throwaway database in {folder}, now deleted; Slack was a stand-in inside this process."
            : $"The bot ran with a throwaway database in {folder}; it could not be deleted, so remove it by hand.");
        if (failure is not null || outcome is null)
        {
            print.Problem("The demo stopped: " + (failure ?? "the story did not finish."));
            return 1;
        }
        var o = outcome;
        print.Heading($"{ShownPrefix} {Cast.Maria.Name} and {Cast.Dev.Name} volunteered; {Cast.Sam.Name}'s {o.FirstReference} mentioned them both in " +
            $"#{Cast.MentorsChannelName}; {o.Winner.Name} won the race to claim it and {o.RunnerUp.Name} was told it was already claimed; " +
            $"the bot introduced {o.Winner.Name} and {Cast.Sam.Name} in a group DM, {Cast.Sam.Name} set a time there and both were reminded an hour before; " +
            $"{Cast.Alex.Name}'s {o.SecondReference} was bumped after 1 day, the coordinator was told after 3 days and it was escalated after 10; " +
            $"{o.Winner.Name} filed a private session report, {Cast.Sam.Name} got its two goals by DM, answered \"It helped\" and rated the session 5.");
        return deleted ? 0 : 1;
    }

    private static async Task<StoryOutcome> RunStoryAsync(string folder, DemoClock clock, SlackStandIn slack, StoryPrinter print, DemoLog log, CancellationToken ct)
    {
        var signingSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(Demo).Assembly.GetName().Name });
        // Only the demo's own settings: tokens, channels or a database configured on this machine must not leak in.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Slack:BotToken"] = SlackStandIn.BotToken,
            ["Slack:SigningSecret"] = signingSecret,
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
            ["Slack:MentorsChannel"] = Cast.MentorsChannelName,
            ["Storage:SqlitePath"] = Path.Combine(folder, "mentorship.db"),
            ["Mentorship:Coordinators:0"] = Cast.Jordan.Id,
            ["Mentorship:EscalationContacts:0"] = Cast.Casey.Id,
            ["Mentorship:Digest"] = "off",
            ["Mentorship:CheckIn"] = "off",
            ["Mentorship:QuietMentorMentions"] = "0",
            // One bump instead of three keeps the story short; the rest of the ladder keeps its default days.
            ["Mentorship:Schedule:MaxBumps"] = "1",
            // The story runs each sweep itself, right after moving the clock.
            ["Mentorship:Schedule:SweepInterval"] = "01:00:00",
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(log);

        builder.Services.AddMentorBot(builder.Configuration);
        builder.Services.RemoveAll<TimeProvider>();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddHttpClient(SlackApiClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(slack.CreateHandler);

        await using var app = builder.Build();
        app.MapMentorBot();
        await app.StartAsync(ct).ConfigureAwait(false);
        try
        {
            var address = new Uri(app.Urls.First());
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            Task Settle() => BotIdle.WaitAsync(app.Services, ct);

            print.Heading("Operation Code mentorship bot: the demo");
            print.Note($"The real bot is running on {address.Authority} with a throwaway database. Slack is a stand-in inside this process;");
            print.Note("each person's commands and clicks reach the bot as signed requests, and below is what each of them sees in Slack.");
            print.Line("Cast: " + string.Join(", ", Cast.Everyone.Select(p => p.Label)));

            var story = new DemoStory(slack, new PeopleInSlack(http, signingSecret, clock, slack, Settle), print, clock,
                app.Services.GetRequiredService<FollowUpSweeper>(), app.Services.GetRequiredService<IMentorshipStore>(), Settle);
            return await story.RunAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static bool TryDelete(string folder)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
                return true;
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt < 5)
            {
                // A file handle can outlive the host by a moment on some systems.
                Thread.Sleep(100);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
