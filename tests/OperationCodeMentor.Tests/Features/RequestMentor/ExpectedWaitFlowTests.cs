using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.RequestMentor;

/// <summary>The receipt DM and the Home tab say how long requests like the mentee's have usually waited, from real history.</summary>
public class ExpectedWaitFlowTests
{
    private const string Mentee = "UMENTEE1";

    /// <summary>Past requests made <paramref name="daysAgo"/> days before <paramref name="now"/>, each claimed after the hours given.</summary>
    private static async Task SeedHistoryAsync(IMentorshipStore store, DateTimeOffset now, string[] skills, double daysAgo, params double[] hoursToClaim)
    {
        foreach (var hours in hoursToClaim)
        {
            var made = now - TimeSpan.FromDays(daysAgo);
            var r = await store.CreateAsync("UPAST" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant(), skills, "An earlier request from the history.", made);
            Assert.True((await store.TryClaimAsync(r.Reference, "UMENTOR9", made + TimeSpan.FromHours(hours)))!.Applied);
        }
    }

    private static HttpRequestMessage Submission(MentorBot bot, string mentee, string[] skills) => bot.Requests.Interaction(SlackRequests.ViewSubmission(
        RequestModal.CallbackId, mentee,
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
        (RequestModal.SkillsBlock, skills),
        (RequestModal.DetailsBlock, "Please review the first project I built."),
        (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran"))));

    private static async Task<string> ReceiptAsync(MentorBot bot, string mentee, string[] skills)
    {
        var before = bot.Slack.Messages.Count(m => m.Channel == "D" + mentee);
        (await bot.SendAsync(Submission(bot, mentee, skills))).EnsureSuccessStatusCode();
        var receipt = bot.Slack.Messages.Where(m => m.Channel == "D" + mentee).Skip(before).Single();
        var text = receipt.Body["blocks"]![0]!["text"]!["text"]!.ToString();
        Assert.Contains("We received your mentor request", text);
        return text;
    }

    [Fact]
    public async Task WithoutHistory_TheReceiptSaysSo()
    {
        await using var bot = await MentorBot.StartAsync();
        await SeedHistoryAsync(bot.Store, bot.Clock.GetUtcNow(), ["Python"], 3, 1, 2, 3, 4);
        bot.Clock.Advance(ClaimWaits.CacheFor);

        var text = await ReceiptAsync(bot, Mentee, ["Python"]);

        Assert.Contains("We don't have enough history yet to say how long requests like yours usually wait", text);
        Assert.DoesNotContain("usually waited", text);
    }

    [Fact]
    public async Task WithHistory_TheReceiptAndTheHomeTabGiveTheMedianForASharedSkill_OrForAllRequests()
    {
        await using var bot = await MentorBot.StartAsync();
        var now = bot.Clock.GetUtcNow();
        await SeedHistoryAsync(bot.Store, now, ["Python", "SQL"], 10, 2, 4, 6, 8, 30);
        await SeedHistoryAsync(bot.Store, now, ["Java"], 20, 50, 60, 70, 80, 90);
        // Older than 90 days: left out, or the Python median would be 8 hours.
        await SeedHistoryAsync(bot.Store, now, ["Python"], 91, 100, 100, 100);
        // The history was read at start-up; a copy is kept for a few minutes.
        bot.Clock.Advance(ClaimWaits.CacheFor);

        var python = await ReceiptAsync(bot, Mentee, ["Python"]);
        Assert.Contains("Requests like yours have usually waited *about 6 hours* for a mentor to claim them " +
                        "(the median of the 5 requests sharing one of your skills in the last 90 days).", python);

        // Nobody asked for Go: the median of all ten, halfway between 30 and 50 hours.
        var go = await ReceiptAsync(bot, "UMENTEE2", ["Go"]);
        Assert.Contains("Requests have usually waited *about 2 days* for a mentor to claim them (the median of all 10 requests in the last 90 days", go);

        var home = await OpenHomeAsync(bot, Mentee);
        Assert.Contains("Requests like yours have usually waited *about 6 hours*", home);
    }

    [Fact]
    public async Task ABurstOfSubmissions_ReadsTheHistoryOnce_AndANewCopyIsReadAfterAFewMinutes()
    {
        await using var bot = await MentorBot.StartAsync();
        var now = bot.Clock.GetUtcNow();
        await SeedHistoryAsync(bot.Store, now, ["Python"], 10, 2, 4, 6, 8, 30);
        bot.Clock.Advance(ClaimWaits.CacheFor);
        Assert.Contains("*about 6 hours*", await ReceiptAsync(bot, "UMENTEE1", ["Python"]));

        // Faster claims since: the next receipts within the cache's lifetime still give the copy's figure…
        await SeedHistoryAsync(bot.Store, now, ["Python"], 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
        bot.Clock.Advance(ClaimWaits.CacheFor - TimeSpan.FromSeconds(5));
        Assert.Contains("*about 6 hours*", await ReceiptAsync(bot, "UMENTEE2", ["Python"]));
        Assert.Contains("*about 6 hours*", await ReceiptAsync(bot, "UMENTEE3", ["Python"]));

        // …and once it is older than that, the history is read again.
        bot.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Contains("*about 30 minutes*", await ReceiptAsync(bot, "UMENTEE4", ["Python"]));
    }

    [Fact]
    public async Task OnAirtable_TheReceiptGivesTheMedian_AndASubmissionStillCostsOneRead()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        var clock = new ManualTimeProvider();
        await SeedHistoryAsync(airtable.Store, clock.GetUtcNow(), ["Python"], 10, 1, 3, 5, 7, 9, 11);
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings(), clock: clock);
        // The history is read at start-up, in the background: wait for that read (this adds none).
        await bot.Services.GetRequiredService<ClaimWaits>().HistoryAsync(CancellationToken.None);
        airtable.Fake.ClearCalls();

        var text = await ReceiptAsync(bot, Mentee, ["Python"]);

        // Even count: halfway between 5 and 7 hours.
        Assert.Contains("Requests like yours have usually waited *about 6 hours*", text);
        // The history was read at start-up; the submission read only the request limits.
        Assert.Equal(1, airtable.Fake.Calls.Count(c => c.IsRead));
    }

    private static async Task<string> OpenHomeAsync(MentorBot bot, string user)
    {
        var before = bot.Slack.CallsTo("views.publish").Count;
        (await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(user)))).EnsureSuccessStatusCode();
        return bot.Slack.CallsTo("views.publish").Skip(before).Single().AllText;
    }
}
