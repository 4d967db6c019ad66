using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Scheduling;

public class ScheduleOptionsTests
{
    [Fact]
    public async Task Defaults_AreTheDocumentedOnes()
    {
        await using var bot = await MentorBot.StartAsync();
        foreach (var o in new[] { new ScheduleOptions(), bot.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value })
        {
            Assert.Equal(TimeSpan.FromDays(1), o.FirstBumpAfter);
            Assert.Equal(TimeSpan.FromDays(2), o.BumpEvery);
            Assert.Equal(3, o.MaxBumps);
            Assert.Equal(TimeSpan.FromDays(3), o.NotifyCoordinatorsAfter);
            Assert.Equal(TimeSpan.FromDays(10), o.EscalateAfter);
            Assert.Equal(TimeSpan.FromDays(7), o.NudgeMentorAfter);
            Assert.Equal(TimeSpan.FromDays(14), o.StuckClaimAfter);
            Assert.Equal(TimeSpan.FromMinutes(1), o.SweepInterval);
            Assert.Null(o.QuietHours);
            Assert.Null(o.GetQuietHours(TimeZoneInfo.Utc));
            Assert.Empty(o.EscalationContacts);
            Assert.Equal(TimeSpan.FromDays(2), o.NamedMentorWait);
        }
    }

    [Fact]
    public async Task TheNamedMentorWait_IsReadFromMentorship_AndABadValueStopsTheStartWithWhatToWrite()
    {
        await using (var bot = await MentorBot.StartAsync(new() { ["Mentorship:NamedMentorWait"] = "04:00:00" }))
            Assert.Equal(TimeSpan.FromHours(4), bot.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value.NamedMentorWait);

        foreach (var bad in new[] { "soon", "00:00:00", "45.00:00:00" })
        {
            var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Mentorship:NamedMentorWait"] = bad }).Build();
            using var services = new ServiceCollection().AddLogging().AddFollowUps(configuration).BuildServiceProvider();
            var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ScheduleOptions>>().Value);
            Assert.Contains("Mentorship:NamedMentorWait must be a duration", e.Message);
            Assert.Contains(bad, e.Message);
        }
    }

    [Fact]
    public async Task SecondsLongValues_QuietHours_AndCommaSeparatedContacts_AreRead()
    {
        await using var bot = await MentorBot.StartAsync(new()
        {
            ["Mentorship:Schedule:FirstBumpAfter"] = "00:00:05",
            ["Mentorship:Schedule:SweepInterval"] = "00:00:01",
            ["Mentorship:Schedule:QuietHours"] = "22:00-07:00",
            ["Mentorship:TimeZone"] = "Europe/Berlin",
            ["Mentorship:EscalationContacts:0"] = "UCEO0001, UCTO0002,UCEO0001",
        });
        var o = bot.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(5), o.FirstBumpAfter);
        Assert.Equal(TimeSpan.FromSeconds(1), o.SweepInterval);
        Assert.Equal(["UCEO0001", "UCTO0002"], o.EscalationContacts);
        // The quiet hours are read in the program's one time zone, the same the digest uses.
        var zone = bot.Services.GetRequiredService<IOptions<CoordinationOptions>>().Value.Zone;
        Assert.Equal("Europe/Berlin", zone.Id);
        var quiet = o.GetQuietHours(zone)!;
        Assert.Equal((new TimeOnly(22, 0), new TimeOnly(7, 0)), (quiet.Start, quiet.End));
    }

    [Fact]
    public async Task ReadmeExample_WholeLadderInAMinute_StartsAndRuns()
    {
        // The values of README.md, "Follow-ups: nothing slips through".
        await using var bot = await MentorBot.StartAsync(new()
        {
            ["Mentorship:Schedule:FirstBumpAfter"] = "00:00:10",
            ["Mentorship:Schedule:BumpEvery"] = "00:00:10",
            ["Mentorship:Schedule:NotifyCoordinatorsAfter"] = "00:00:30",
            ["Mentorship:Schedule:EscalateAfter"] = "00:01:00",
            ["Mentorship:Schedule:SweepInterval"] = "00:00:05",
        });
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        for (var i = 0; i < 12; i++) await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, bot.Slack.Bumps(request).Count);
        // No escalation contacts are set, so the escalation at one minute goes to the coordinator after the notice.
        var toCoordinator = bot.Slack.DmsTo(MentorBot.Coordinator);
        Assert.Equal(2, toCoordinator.Count);
        Assert.Contains("nobody has claimed it yet", toCoordinator[0].AllText);
        Assert.Contains("Escalation", toCoordinator[1].AllText);
    }
}
