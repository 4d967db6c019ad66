using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.Sessions;

public class ClaimToTimeSetStatsTests
{
    private async Task<string> StatsAsync(MentorBot bot, string id)
    {
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats", responseUrl: bot.Slack.ResponseUrl(id)));
        return bot.Slack.CallsTo("response_url").Last().AllText;
    }

    /// <summary>Three pairs: one sets a time 2 h after the claim, one 4 h after, one not yet: the median is 3 h, over 2 pairings.</summary>
    [Fact]
    public async Task Stats_GiveTheMedianTimeFromClaimToASessionTimeSet()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"], maxMentees: 5);
        var requests = new[] { await bot.RequestAsync("UMENTEE1", ["Python"]), await bot.RequestAsync("UMENTEE2", ["Python"]), await bot.RequestAsync("UMENTEE3", ["Python"]) };
        foreach (var r in requests) await bot.ClickAsync(RequestButtons.Claim, r, "UMENTOR1");
        Assert.Contains("*Claim to a session time set:* n/a (no pair has set a time yet)", await StatsAsync(bot, "before"));

        bot.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await bot.SetSessionTimeAsync(requests[0], "UMENTEE1", "2026-11-04", "18:00"));
        bot.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await bot.SetSessionTimeAsync(requests[1], "UMENTOR1", "2026-11-04", "19:00"));
        // A time changed later is still counted from when it was first set.
        bot.Clock.Advance(TimeSpan.FromHours(5));
        Assert.Empty(await bot.SetSessionTimeAsync(requests[0], "UMENTOR1", "2026-11-05", "18:00"));

        Assert.Contains("*Claim to a session time set:* median 3 h (2 pairings set a time)", await StatsAsync(bot, "after"));
    }
}
