using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Admin;

/// <summary>A request reopened long after it was asked waits afresh: its follow-ups count from the reopen.</summary>
public class ReopenFollowUpTests
{
    private const string Coordinator = MentorBot.Coordinator;
    private const string Mentee = "UMENTEE1";

    [Fact]
    public async Task Reopen_OfATwentyDayOldRequest_IsBumpedADayLater_NotReportedOrEscalatedAtOnce()
    {
        // The default ladder: first bump after a day, coordinators after 3 days, escalation after 10. Sweeps run when the test says.
        await using var bot = await MentorBot.StartAsync(new()
        {
            ["Mentorship:Schedule:SweepInterval"] = "01:00:00",
            ["Mentorship:EscalationContacts:0"] = FollowUpKit.Escalation,
        });
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        // History: asked 20 days ago, its card posted, closed by a coordinator an hour later.
        var now = bot.Clock.GetUtcNow();
        var request = await bot.SeedRequestAsync(Mentee, ["Python"], now - TimeSpan.FromDays(20));
        Assert.True((await bot.Store.TryCloseAsync(request.Reference, Coordinator, "asked by mistake", now - TimeSpan.FromDays(20) + TimeSpan.FromHours(1)))!.Applied);
        await bot.SweepAsync();
        bot.Slack.Clear();

        await AdminAsync(bot, $"reopen {request.Reference}");
        Assert.Equal(RequestStatus.Open, (await bot.TrackedAsync(request)).Request.Status);

        // Hours after the reopen, the 20-day-old request is treated as new: no bump, no notice, no escalation.
        await bot.SweepAsync();
        for (var hour = 0; hour < 6; hour++) await bot.AdvanceAndSweepAsync(TimeSpan.FromHours(1));
        Assert.Empty(bot.Slack.Bumps(request));
        Assert.Empty(bot.Slack.DmsTo(Coordinator));
        Assert.Empty(bot.Slack.DmsTo(FollowUpKit.Escalation));
        Assert.DoesNotContain(bot.Slack.DmsTo(Mentee), dm => dm.AllText.Contains("still working on pairing you", StringComparison.Ordinal));

        // A day after the reopen: its first bump, once; the notice and the escalation are still days away.
        await bot.AdvanceAndSweepAsync(TimeSpan.FromHours(18) - TimeSpan.FromMinutes(1));
        Assert.Empty(bot.Slack.Bumps(request));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        await bot.SweepAsync();
        Assert.Equal(MentorBot.MentorsChannelId, Assert.Single(bot.Slack.Bumps(request))["channel"]);
        Assert.Empty(bot.Slack.DmsTo(Coordinator));
        Assert.Empty(bot.Slack.DmsTo(FollowUpKit.Escalation));
    }

    private static async Task AdminAsync(MentorBot bot, string text)
    {
        var response = await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, text, responseUrl: bot.Slack.ResponseUrl("admin")));
        response.EnsureSuccessStatusCode();
        await bot.IdleAsync();
    }
}
