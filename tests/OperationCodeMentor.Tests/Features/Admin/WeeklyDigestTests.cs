using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Features.RequestMentor;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Admin;

public class WeeklyDigestTests
{
    private static WeeklyDigest Digest(MentorBot bot) => bot.Services.GetRequiredService<WeeklyDigest>();

    private static Task WaitUntil(Func<bool> condition) => Eventually.TrueAsync(condition, "the digest to move on");

    [Fact]
    public async Task Digest_GoesToEveryCoordinator_WhenTheClockPassesMondayNineInTheProgramsTimeZone()
    {
        // The test clock starts on Monday 2 Nov 2026 at 15:00 UTC, 10:00 in New York: this week's digest time has passed.
        await using var bot = await MentorBot.StartAsync(new()
        {
            ["Mentorship:Digest"] = "Monday 09:00",
            ["Mentorship:TimeZone"] = "America/New_York",
            ["Mentorship:Coordinators:0"] = $"{MentorBot.Coordinator},UCOORD02",
        });
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        bot.Clock.Advance(TimeSpan.FromHours(6));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        await bot.FileReportAsync(request.Reference, "UMENTOR1");
        await bot.PressAsync(HelpedAction.Id, request.Reference, "UMENTEE1");
        await bot.RequestAsync("UMENTEE2", ["Go"]);
        var digest = Digest(bot);
        var due = new DateTimeOffset(2026, 11, 9, 14, 0, 0, TimeSpan.Zero);
        await WaitUntil(() => digest.NextDueAt == due);
        bot.Slack.Clear();

        // The follow-up ladder posts too as the week passes; only the digest DMs matter here.
        List<SlackCall> Digests() => bot.Slack.CallsTo("chat.postMessage").Where(c => c.Text.Contains("weekly mentorship digest", StringComparison.OrdinalIgnoreCase)).ToList();
        bot.Clock.SetUtcNow(due.AddMinutes(-1));
        await Task.Delay(50);
        Assert.Equal(0, digest.Sent);
        Assert.Empty(Digests());

        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        await WaitUntil(() => digest.Sent == 1);

        var dms = Digests();
        Assert.Equal(["D" + MentorBot.Coordinator, "DUCOORD02"], dms.Select(d => d["channel"]!).Order());
        var text = dms[0].AllText;
        Assert.Contains("Your weekly mentorship digest", text);
        Assert.Contains("*2 requests* · 1 claimed", text);
        Assert.Contains("median 6 h", text);
        Assert.Contains("*Open now:* 1", text);
        Assert.Contains("• Go (asked 1×)", text);
        // What the follow-up buttons recorded is in the digest too.
        Assert.Contains("*Escalated:* 0 of 2 (0%)", text);
        Assert.Contains("*Sessions done:* 1", text);
        Assert.Contains("it helped\\\":* 1 of 1 (100%)", text);
        Assert.Contains("*Re-pairs:* 0", text);
        Assert.DoesNotContain(StatsMessage.NotTracked, text);
        BlockKitLimits.AssertAll(bot.Slack.Calls);

        // And again a week later, at 09:00 local time.
        await WaitUntil(() => digest.NextDueAt == due.AddDays(7));
        bot.Clock.Advance(TimeSpan.FromDays(7));
        await WaitUntil(() => digest.Sent == 2);
    }

    [Fact]
    public async Task Digest_Off_SetsNoTimer()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Mentorship:Digest"] = "off" });
        bot.Clock.Advance(TimeSpan.FromDays(8));
        Assert.Null(Digest(bot).NextDueAt);
        Assert.Equal(0, bot.Clock.ActiveDelays);
        Assert.Empty(bot.Slack.Calls);
    }
}
