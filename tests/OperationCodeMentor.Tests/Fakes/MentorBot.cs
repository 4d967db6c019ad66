using System.Net.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// The real bot hosted in-process, talking to a <see cref="FakeSlack"/> over HTTP, on a fresh SQLite file and a
/// manual clock. Tests drive it through its Slack endpoints with signed requests.
/// </summary>
public sealed class MentorBot : WebApplicationFactory<Program>
{
    public const string SigningSecret = "test-signing-secret-0123456789";
    public const string Coordinator = "UCOORD01";
    public const string MentorsChannelId = "G0MENTORS";

    private readonly Dictionary<string, string?> _settings;
    private Action<IServiceCollection>? _services;

    public FakeSlack Slack { get; }
    public ManualTimeProvider Clock { get; }
    public SlackRequests Requests { get; }
    public string DataFolder { get; }

    /// <summary>Every log entry at Information and above from the bot's own code, with its scopes.</summary>
    public LogCapture Logs { get; } = new();

    private bool _ownsSlack;
    private bool _ownsData;

    private MentorBot(FakeSlack slack, ManualTimeProvider clock, string dataFolder, Dictionary<string, string?> overrides)
    {
        Slack = slack;
        Clock = clock;
        DataFolder = dataFolder;
        Requests = new SlackRequests(SigningSecret, clock);
        slack.Clock ??= clock;
        _settings = new Dictionary<string, string?>
        {
            ["Slack:BotToken"] = FakeSlack.BotToken,
            ["Slack:SigningSecret"] = SigningSecret,
            ["Slack:ApiBaseUrl"] = slack.ApiUrl,
            ["Slack:MentorsChannel"] = MentorsChannelId,
            // The frozen test clock never refills a pacing bucket; pacing has its own tests with a small burst.
            ["Slack:ChannelBurst"] = "100",
            ["Mentorship:Coordinators:0"] = Coordinator,
            ["Storage:SqlitePath"] = Path.Combine(dataFolder, "mentorship.db"),
            // The weekly digest keeps a timer on the manual clock; tests that wait for "a timer" (a retry) would see it
            // instead. The digest's own tests turn it on.
            ["Mentorship:Digest"] = "off",
            // The same for the weekly check-in, which its own tests turn on.
            ["Mentorship:CheckIn"] = "off",
            ["Mentorship:QuietMentorMentions"] = "0",
        };
        foreach (var (k, v) in overrides) _settings[k] = v;
    }

    /// <param name="services">Extra registrations, for tests that need a handler of their own.</param>
    public static async Task<MentorBot> StartAsync(Dictionary<string, string?>? overrides = null, FakeSlack? slack = null,
        ManualTimeProvider? clock = null, string? dataFolder = null, Action<IServiceCollection>? services = null)
    {
        var ownsSlack = slack is null;
        var ownsData = dataFolder is null;
        slack ??= await FakeSlack.StartAsync();
        dataFolder ??= Directory.CreateTempSubdirectory("ocm-test-").FullName;
        var bot = new MentorBot(slack, clock ?? new ManualTimeProvider(), dataFolder, overrides ?? []) { _ownsSlack = ownsSlack, _ownsData = ownsData, _services = services };
        try
        {
            _ = bot.Server; // start the host now so start-up failures surface here
            await bot.WarmedAsync();
            return bot;
        }
        catch
        {
            // What it made (its data folder, its Slack) goes with it, as when a test disposes of a bot that started.
            await bot.DisposeAsync();
            throw;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureLogging(l =>
        {
            l.SetMinimumLevel(LogLevel.Warning);
            l.AddProvider(Logs);
            l.AddFilter<LogCapture>(null, LogLevel.Information);
            l.AddFilter<LogCapture>("Microsoft", LogLevel.Warning);
            l.AddFilter<LogCapture>("System", LogLevel.Warning);
        });
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            _services?.Invoke(services);
        });
    }

    public HttpClient Http => _http ??= CreateClient();
    private HttpClient? _http;

    public IMentorshipStore Store => Services.GetRequiredService<IMentorshipStore>();

    /// <summary>Sends a request and waits until all the work it started has finished.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        await IdleAsync();
        return response;
    }

    /// <summary>
    /// Waits (bounded) for the background start-up read of the wait history, so a test that clears or counts store
    /// calls after start-up never sees that read land late. A read still stalled after the bound is left running.
    /// </summary>
    private async Task WarmedAsync()
    {
        foreach (var warmUp in Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ClaimWaitsWarmUp>())
        {
            try { await warmUp.Warmed.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { }
        }
    }

    /// <summary>Waits until both the after-ack work and the durable queue are empty (either can start the other).</summary>
    public async Task IdleAsync()
    {
        try { await BotIdle.WaitAsync(Services, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException e) { throw new TimeoutException(StuckReport(), e); }
    }

    /// <summary>
    /// Runs a step while the bot's clock moves on a second at a time, as real time would. For steps after a jump of days
    /// on a bot whose store answers over HTTP: calls in flight (in real time) during the jump have their timeouts fired by
    /// it, and their retries then wait on this clock, which a test that only waits would never move.
    /// </summary>
    public async Task WhileClockRunsAsync(Func<Task> step)
    {
        var work = step();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await Task.WhenAny(work, Task.Delay(100)) != work)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The step did not finish within 60 s of real time.\n" + StuckReport());
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        await work;
    }

    /// <summary>What a bot that never went idle was waiting for: the queue, the clock's timers and the last log lines.</summary>
    private string StuckReport()
    {
        var queue = Services.GetRequiredService<WorkQueue>();
        var report = new System.Text.StringBuilder();
        report.AppendLine($"The bot did not go idle within 30 s: {queue.Depth} durable job(s), {queue.Pending - queue.Depth} transient, next wake {queue.NextWakeWhenQuiet?.ToString("O") ?? "none"}.");
        report.AppendLine($"Clock {Clock.GetUtcNow():O}; timers due at: {string.Join(", ", Clock.DueTimes.Select(d => d.ToString("O")))}");
        foreach (var entry in Logs.Entries.TakeLast(40))
            report.AppendLine($"{entry.Level} {entry.Category}: {entry.Message}{(entry.Exception is null ? "" : " — " + entry.Exception.GetType().Name + ": " + entry.Exception.Message)}");
        return report.ToString();
    }

    /// <summary>
    /// Moves the clock until the queue has nothing left: straight to the next retry or probe when nothing is running, a
    /// second at a time while work is running but waiting (a client backing off inside one call). Fails the test if it
    /// never settles.
    /// </summary>
    public async Task SettleAsync(int rounds = 2000)
    {
        var queue = Services.GetRequiredService<WorkQueue>();
        var busy = 0;
        for (var i = 0; i < rounds && queue.Pending > 0; i++)
        {
            if (queue.NextWakeWhenQuiet is { } next)
            {
                Clock.Advance(next - Clock.GetUtcNow());
                busy = 0;
            }
            else if (++busy % 20 == 0)
            {
                Clock.Advance(TimeSpan.FromSeconds(1));
            }
            await Task.Delay(5);
        }
        await IdleAsync();
    }

    /// <summary>Enrols a mentor through the real volunteer modal submission.</summary>
    public async Task<Mentor> VolunteerAsync(string user, string[] skills, int maxMentees = 2)
    {
        var response = await SendAsync(Requests.Interaction(SlackRequests.ViewSubmission(
            VolunteerModal.CallbackId, user,
            (VolunteerModal.SkillsBlock, skills),
            (VolunteerModal.MaxMenteesBlock, maxMentees),
            (VolunteerModal.BioBlock, null),
            (VolunteerModal.TimeZoneBlock, null))));
        response.EnsureSuccessStatusCode();
        return (await Store.GetMentorAsync(user))!;
    }

    /// <summary>The request modal as a mentee submits it.</summary>
    public static System.Text.Json.Nodes.JsonObject Submission(string mentee, string[] skills, string details = "I'd like help getting my first Python project reviewed.",
        string service = "Code Review", string affiliation = "Veteran") =>
        SlackRequests.ViewSubmission(RequestModal.CallbackId, mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected(service)),
            (RequestModal.SkillsBlock, skills),
            (RequestModal.DetailsBlock, details),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected(affiliation)));

    /// <summary>Submits a mentor request through the real request modal submission and returns it as stored.</summary>
    public async Task<MentorRequest> RequestAsync(string mentee, string[] skills, string details = "I'd like help getting my first Python project reviewed.",
        string service = "Code Review", string affiliation = "Veteran")
    {
        var before = Slack.CallsTo("chat.postMessage").Count(c => c["channel"] == MentorsChannelId);
        var response = await SendAsync(Requests.Interaction(Submission(mentee, skills, details, service, affiliation)));
        response.EnsureSuccessStatusCode();
        var post = Slack.CallsTo("chat.postMessage").Where(c => c["channel"] == MentorsChannelId).Skip(before).Single();
        var claim = post.Body["blocks"]!.AsArray().SelectMany(b => b!["elements"]?.AsArray() ?? []).First(e => e!["action_id"]?.ToString() == "claim_request");
        // The card names its request by reference (it is posted before the request is stored).
        Assert.True(RequestReference.TryParse(claim!["value"]!.ToString(), out var number), "The Claim button should carry the request's reference.");
        return (await Store.FindRequestByNumberAsync(number))!;
    }

    /// <summary>Clicks a button on the request's channel message.</summary>
    public Task<HttpResponseMessage> ClickAsync(string actionId, MentorRequest request, string user) =>
        SendAsync(Requests.Interaction(SlackRequests.BlockAction(actionId, request.Reference, user, MentorsChannelId, request.MessageTs ?? "1.000001")));

    /// <summary>
    /// A button on the request's card pressed, answered "ok" at once, then the bot's clock moved on until the work is done,
    /// retries included (for a press whose work waits out failures of Slack or the store).
    /// </summary>
    public async Task ClickAndSettleAsync(string actionId, MentorRequest request, string user)
    {
        var click = await Http.SendAsync(Requests.Interaction(SlackRequests.BlockAction(actionId, request.Reference, user, MentorsChannelId, request.MessageTs ?? "1.000001")));
        Assert.Equal(System.Net.HttpStatusCode.OK, click.StatusCode);
        await SettleAsync();
    }

    /// <summary>The same button on the request's card pressed by several people at the same moment; waits for all the work.</summary>
    public async Task ClickAllAtOnceAsync(string actionId, MentorRequest request, IEnumerable<string> users)
    {
        var clicks = users.Select(u => Http.SendAsync(Requests.Interaction(
            SlackRequests.BlockAction(actionId, request.Reference, u, MentorsChannelId, request.MessageTs ?? "1.000001")))).ToList();
        foreach (var r in await Task.WhenAll(clicks)) r.EnsureSuccessStatusCode();
        await IdleAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        await base.DisposeAsync();
        if (_ownsSlack) await Slack.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsData)
        {
            try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
