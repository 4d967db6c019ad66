using System.Diagnostics;
using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Hosting;

/// <summary>
/// The real program started on Airtable: it checks the base before it listens, and each way the base can be wrong or
/// out of reach ends the start in one sentence naming the setting, quickly, without the token.
/// </summary>
public sealed class AirtableStartupTests : IDisposable
{
    private const string WrongToken = "patWRONG0123456789.not-the-secret-you-want";
    private readonly string _data = Directory.CreateTempSubdirectory("ocm-airstart-").FullName;

    private Dictionary<string, string?> Env(string apiBaseUrl, string token = FakeAirtable.Token, string baseId = FakeAirtableHarness.BaseId) => new()
    {
        // The short names operators know from Airtable's docs, as a deployment would set them.
        ["AIRTABLE_API_KEY"] = token,
        ["AIRTABLE_BASE_ID"] = baseId,
        ["Airtable__ApiBaseUrl"] = apiBaseUrl,
        ["Storage__SqlitePath"] = Path.Combine(_data, "m.db"),
        ["Mentorship__Digest"] = "off",
        ["Mentorship__CheckIn"] = "off",
        ["Urls"] = "http://127.0.0.1:0",
    };

    /// <summary>Runs the bot to its exit and checks what every failed start shares; returns the one line on stderr.</summary>
    private static async Task<string> FailedStartAsync(Dictionary<string, string?> env)
    {
        var (exit, stdout, stderr) = await BotProcess.RunToExitAsync(env, TimeSpan.FromSeconds(30));

        Assert.True(exit == 1, $"exit code {exit}{Environment.NewLine}{stdout}{stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("The bot cannot start: ", line);
        Assert.DoesNotContain("   at ", stdout + stderr);
        Assert.DoesNotContain("Exception", line);
        Assert.DoesNotContain(FakeAirtable.Token, stdout + stderr);
        Assert.DoesNotContain(WrongToken, stdout + stderr);
        Assert.DoesNotContain("start it with Logging__LogLevel__Default=Debug", line);
        return line;
    }

    [Fact]
    public async Task Unreachable_SaysSo_AndThatTheBotWillNotStartWithoutItsStore()
    {
        // Nothing listens on port 1: every connection is refused at once.
        var line = await FailedStartAsync(Env("http://127.0.0.1:1/v0/"));

        Assert.Contains("Airtable:ApiBaseUrl: the Airtable API at http://127.0.0.1:1/v0/ cannot be reached (Connection refused", line);
        Assert.Contains("the bot will not start without its store", line);
        Assert.Contains("check that address (Airtable's own is https://api.airtable.com/v0/)", line);
    }

    [Fact]
    public async Task AWrongToken_NamesTheSettingAndItsVariable_AndIsNotRetried()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        h.Fake.ClearCalls();

        var line = await FailedStartAsync(Env(h.Fake.ApiBaseUrl, token: WrongToken));

        Assert.Contains("Airtable:ApiKey (AIRTABLE_API_KEY): Airtable refused the token (401 AUTHENTICATION_REQUIRED)", line);
        Assert.Contains("mistyped, expired or revoked", line);
        Assert.Contains("https://airtable.com/create/tokens", line);
        Assert.Single(h.Fake.Calls);
    }

    [Fact]
    public async Task ABaseTheTokenMayNotUse_NamesTheScopesAndTheBase_AndIsNotRetried()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        h.Fake.ClearCalls();

        // The fake, like Airtable, answers 403 for a base the token was not granted.
        var line = await FailedStartAsync(Env(h.Fake.ApiBaseUrl, baseId: "appNOTGRANTED42"));

        Assert.Contains("Airtable:ApiKey (AIRTABLE_API_KEY): the token may not use base appNOTGRANTED42 (403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND)", line);
        Assert.Contains("data.records:read, data.records:write and schema.bases:read (and schema.bases:write for `airtable init`", line);
        Assert.Contains("check Airtable:BaseId (AIRTABLE_BASE_ID)", line);
        Assert.Single(h.Fake.Calls);
    }

    [Fact]
    public async Task NoSuchBase_NamesTheBaseIdSetting()
    {
        await using var api = await NotFoundApi.StartAsync();

        var line = await FailedStartAsync(Env(api.ApiBaseUrl, baseId: "appGONE0001"));

        Assert.Contains("Airtable:BaseId (AIRTABLE_BASE_ID): Airtable found no base appGONE0001 at", line);
        Assert.Contains("(404 NOT_FOUND)", line);
        Assert.Equal(1, api.Calls);
    }

    [Fact]
    public async Task ATableTheConfigurationNamesIsMissing_NamesItsSetting()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        var env = Env(h.Fake.ApiBaseUrl);
        env["Airtable__Tables__Services"] = "Help Offered";

        var line = await FailedStartAsync(env);

        Assert.Contains($"Airtable base {FakeAirtableHarness.BaseId} is not ready for the bot", line);
        Assert.Contains("Table \"Help Offered\" is missing (Airtable:Tables:Services).", line);
        Assert.Contains("airtable init` to create the missing tables", line);
    }

    [Fact]
    public async Task AnOutage_IsTriedBriefly_ThenSaysSo()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        h.Fake.GoDown(HttpStatusCode.ServiceUnavailable);
        h.Fake.ClearCalls();

        var line = await FailedStartAsync(Env(h.Fake.ApiBaseUrl));

        Assert.Contains($"the Airtable API at {h.Fake.ApiBaseUrl} kept failing (503 SERVICE_UNAVAILABLE, {1 + AirtableStartupCheck.Retries} tries)", line);
        Assert.Contains("the bot will not start without its store", line);
        Assert.Contains("https://status.airtable.com", line);
        Assert.Equal(1 + AirtableStartupCheck.Retries, h.Fake.Calls.Count);
    }

    [Fact]
    public async Task ARateLimitedBase_DoesNotWaitOutThePenalty_AndSaysSo()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        // The base refuses everything with 429 for 30 s: longer than start-up waits (and than the 30 s this test allows).
        h.Fake.Penalise(FakeAirtableHarness.BaseId);
        h.Fake.ClearCalls();

        var line = await FailedStartAsync(Env(h.Fake.ApiBaseUrl));

        Assert.Contains($"Airtable:BaseId (AIRTABLE_BASE_ID): Airtable is rate limiting base {FakeAirtableHarness.BaseId} (429 RATE_LIMIT_REACHED)", line);
        Assert.Contains("start the bot again in a minute", line);
        Assert.Single(h.Fake.Calls);
    }

    [Fact]
    public async Task OnABaseThatFits_TheBaseIsCheckedBeforeTheBotListens()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        var env = Env(h.Fake.ApiBaseUrl);
        var lines = new List<string>();
        using var p = Process.Start(BotProcess.StartInfo(env))!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(() => { lock (lines) return lines.Any(l => l.Contains("Listening on", StringComparison.Ordinal)); }, "the bot to listen", TimeSpan.FromSeconds(30));

            List<string> seen;
            lock (lines) seen = lines.ToList();
            var ready = seen.FindIndex(l => l.Contains($"Storing in Airtable base {FakeAirtableHarness.BaseId}: schema checked, caches loaded", StringComparison.Ordinal));
            var listening = seen.FindIndex(l => l.Contains("Listening on", StringComparison.Ordinal));
            Assert.True(ready >= 0 && ready < listening, string.Join(Environment.NewLine, seen));
            Assert.Single(h.Fake.Calls, c => c.IsMeta);
            Assert.DoesNotContain(FakeAirtable.Token, string.Join(Environment.NewLine, seen));
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    [Fact]
    public void ATableRefusedWhileWarmingUp_IsNamedByItsSetting()
    {
        var e = new AirtableException("list Mentor Requests", HttpStatusCode.NotFound, "TABLE_NOT_FOUND", "Could not find table Mentor Requests");

        var sentence = AirtableStartupCheck.Explain(e, new AirtableOptions { ApiKey = WrongToken, BaseId = "appX1" }, new AirtableStoreOptions());

        Assert.StartsWith("Airtable:Tables:Requests: base appX1 has no table \"Mentor Requests\" (404 TABLE_NOT_FOUND)", sentence);
        Assert.DoesNotContain(WrongToken, sentence);
    }

    [Fact]
    public async Task BriefRetries_EndWithStartUp_AfterWhichTheClientIsPatientAgain()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        h.Fake.ClearCalls();

        using (h.Client.RetryBriefly(AirtableStartupCheck.Retries, AirtableStartupCheck.LongestWait))
        {
            h.Fake.FailNext(AirtableStartupCheck.Retries + 1, HttpStatusCode.ServiceUnavailable);
            var e = await Assert.ThrowsAsync<AirtableException>(() => h.Client.GetSchemaAsync());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Status);
        }
        Assert.Equal(AirtableStartupCheck.Retries + 1, h.Fake.Calls.Count);

        // Outside the scope a burst longer than start-up would sit out is ridden out, as every request after start-up expects.
        h.Fake.ClearCalls();
        h.Fake.FailNext(AirtableStartupCheck.Retries + 2, HttpStatusCode.ServiceUnavailable);
        Assert.NotEmpty(await h.Client.GetSchemaAsync());
        Assert.Equal(AirtableStartupCheck.Retries + 3, h.Fake.Calls.Count);
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }

    /// <summary>An address where Airtable's API would be, answering every request 404 with Airtable's bare NOT_FOUND body.</summary>
    private sealed class NotFoundApi : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _calls;

        private NotFoundApi(WebApplication app) => _app = app;

        public string ApiBaseUrl { get; private set; } = "";

        public int Calls => Volatile.Read(ref _calls);

        public static async Task<NotFoundApi> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var api = new NotFoundApi(app);
            app.Run(async ctx =>
            {
                Interlocked.Increment(ref api._calls);
                ctx.Response.StatusCode = 404;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("""{"error":"NOT_FOUND"}""");
            });
            await app.StartAsync();
            api.ApiBaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/v0/";
            return api;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
