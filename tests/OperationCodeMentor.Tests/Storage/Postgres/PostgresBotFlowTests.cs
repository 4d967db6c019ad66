using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Features.Messages;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// The whole bot on PostgreSQL, driven through its signed HTTP endpoints: the store, the durable queue and the memory of
/// deliveries are all in the database, as with replicas (the two-process tests are in <c>ReplicaTests</c>).
/// </summary>
public class PostgresBotFlowTests
{
    private const string Mentee = "UMENTEE1";

    private static async Task<(MentorBot Bot, string Database)> StartAsync()
    {
        var database = await PostgresServer.NewSchemaAsync();
        var bot = await MentorBot.StartAsync(new() { ["Storage:Postgres:ConnectionString"] = database });
        Assert.True(bot.Services.GetRequiredService<WorkQueue>().Shared, "with PostgreSQL the queue should be the shared one");
        return (bot, database);
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var c = new NpgsqlConnection(database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task ASubmission_AndTwelveMentorsClaimingAtOnce_OneWins_EveryoneElseIsTold_AllThroughTheDatabase()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        var mentors = Enumerable.Range(1, 12).Select(i => $"UPGRACE{i:D2}").ToList();
        foreach (var m in mentors) await bot.VolunteerAsync(m, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        Assert.Single(bot.Slack.DmsTo(Mentee), d => d.AllText.Contains(request.Reference, StringComparison.Ordinal));
        bot.Slack.Clear();

        await bot.ClickAllAtOnceAsync(RequestButtons.Claim, request, mentors);

        var winner = (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy!;
        Assert.Contains(winner, mentors);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
        var told = bot.Slack.CallsTo("chat.postEphemeral");
        Assert.Equal(mentors.Where(m => m != winner).Order(), told.Select(t => t["user"]!).Order());
        Assert.All(told, t => Assert.Contains($"already claimed by <@{winner}>", t.Text));

        // Every press was a job in the shared table, and every lane was handed back when its work was done.
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE state <> 'done'"));
        Assert.Equal(12, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE state = 'done' AND lane = '" + request.Reference + "'"));
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM work_lanes WHERE leased_by IS NOT NULL"));
    }

    [Fact]
    public async Task ADoubleClick_IsRecognisedThroughTheDatabase_AndClaimsOnce()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Clock.Advance(TimeSpan.FromMilliseconds(400));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Empty(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM seen_deliveries WHERE key LIKE 'click:UMENTOR1%'"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM work_jobs WHERE key LIKE '%:UMENTOR1:%' AND kind LIKE '%claim%'"));
    }

    [Fact]
    public async Task ARetriedEvent_IsAnsweredOnce()
    {
        var (bot, database) = await StartAsync();
        await using var _ = bot;
        var dm = DirectMessageTests.Dm("UWRITER1", eventId: "Ev0PGRETRY1");
        var first = await bot.SendAsync(bot.Requests.Event(dm));
        var retry = bot.Requests.Event(dm);
        retry.Headers.Add("X-Slack-Retry-Num", "1");
        retry.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        var second = await bot.SendAsync(retry);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Single(bot.Slack.DmsTo("UWRITER1"), c => c.AllText.Contains("I can't read messages here", StringComparison.Ordinal));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM seen_deliveries WHERE key = 'event:Ev0PGRETRY1'"));
    }

    [Fact]
    public async Task TwoReplicasReachingTheDigestsMoment_SendItOnce()
    {
        // Two bots on one database and one clock: both wake at Monday 09:00 in New York.
        var database = await PostgresServer.NewSchemaAsync();
        var clock = new ManualTimeProvider();
        await using var slack = await FakeSlack.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Postgres:ConnectionString"] = database,
            ["Mentorship:Digest"] = "Monday 09:00",
            ["Mentorship:TimeZone"] = "America/New_York",
            ["Mentorship:Coordinators:0"] = $"{MentorBot.Coordinator},UCOORD02",
        };
        await using var a = await MentorBot.StartAsync(settings, slack, clock);
        await using var b = await MentorBot.StartAsync(settings, slack, clock);
        WeeklyDigest Digest(MentorBot bot) => bot.Services.GetRequiredService<WeeklyDigest>();
        var due = new DateTimeOffset(2026, 11, 9, 14, 0, 0, TimeSpan.Zero);
        await Eventually.TrueAsync(() => Digest(a).NextDueAt == due && Digest(b).NextDueAt == due, "both replicas to wait for Monday");

        clock.SetUtcNow(due);
        await Eventually.TrueAsync(() => Digest(a).Sent + Digest(b).Sent == 1, "one replica to send the digest");
        await a.IdleAsync();
        await b.IdleAsync();

        var digests = slack.CallsTo("chat.postMessage").Where(c => c.Text.Contains("weekly mentorship digest", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(["D" + MentorBot.Coordinator, "DUCOORD02"], digests.Select(d => d["channel"]!).Order());
        Assert.Equal(1, Digest(a).Sent + Digest(b).Sent);
    }
}
