using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.CheckIn;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Features.CheckIn;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>The weekly check-in, the quiet-mentor question and pause, and the enrolment agreements, on the fake Airtable, read back from its records.</summary>
public sealed class AirtableCheckInFlowTests
{
    [Fact]
    public async Task OnAirtable_Agreements_ACheckInAnswer_AndAPauseForNoAnswer_AreWrittenToTheBase()
    {
        // One clock for the bot and the base, whose record times (a mentor's enrolment) the bot reads.
        var clock = new ManualTimeProvider();
        await using var airtable = await FakeAirtableHarness.StartAsync(clock: clock, fakeClock: clock);
        var settings = new Dictionary<string, string?>(airtable.BotSettings().Concat(QuietMentorTests.Settings(
            ("Mentorship:CheckIn", "Friday 15:00"),
            ("Mentorship:CodeOfConductUrl", "https://example.org/code-of-conduct"),
            ("Mentorship:GuidebookUrl", "https://example.org/guidebook"))));
        await using var bot = await MentorBot.StartAsync(settings, clock: clock);
        foreach (var mentor in new[] { "UMENTOR1", "UMENTOR2" })
        {
            (await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(VolunteerModal.CallbackId, mentor,
                (VolunteerModal.SkillsBlock, new[] { "Python" }), (VolunteerModal.MaxMenteesBlock, 2), (VolunteerModal.BioBlock, null),
                (VolunteerModal.TimeZoneBlock, null),
                (VolunteerModal.AgreementsBlock, new SlackRequests.Checked(VolunteerModal.CodeOfConduct, VolunteerModal.Guidebook)))))).EnsureSuccessStatusCode();
        }
        JsonNode? Mentor(string id, string field) => airtable.Mentors.Value(airtable.Mentors.Find("Slack User ID", id)!, field);
        Assert.True(Mentor("UMENTOR1", "Code of Conduct Accepted")!.GetValue<bool>());
        Assert.True(Mentor("UMENTOR1", "Guidebook Read")!.GetValue<bool>());

        // Five requests mention both; UMENTOR2 claims one, UMENTOR1 none and is asked.
        var requests = await QuietMentorTests.RequestsAsync(bot, 5);
        await bot.ClickAsync(RequestButtons.Claim, requests[0], "UMENTOR2");
        Assert.Equal(1, await QuietMentorTests.LookAsync(bot));
        Assert.Single(QuietMentorTests.Questions(bot.Slack, "UMENTOR1"));
        Assert.NotNull(Mentor("UMENTOR1", "Still Mentoring Asked At"));
        Assert.Null(Mentor("UMENTOR2", "Still Mentoring Asked At"));

        // Friday's check-in reaches UMENTOR2, who holds a claim; On track is written on the request.
        var checkIn = bot.Services.GetRequiredService<WeeklyCheckIn>();
        await Eventually.TrueAsync(() => checkIn.NextDueAt == WeeklyCheckInTests.Friday, "the check-in to wait for Friday");
        var rounds = checkIn.Rounds;
        bot.Clock.SetUtcNow(WeeklyCheckInTests.Friday);
        await bot.WhileClockRunsAsync(async () =>
        {
            await Eventually.TrueAsync(() => checkIn.Rounds == rounds + 1, "Friday's check-in round");
            await bot.IdleAsync();
        });
        Assert.Single(WeeklyCheckInTests.CheckIns(bot.Slack, "UMENTOR2"));
        Assert.Empty(WeeklyCheckInTests.CheckIns(bot.Slack, "UMENTOR1"));
        Assert.NotNull(Mentor("UMENTOR2", "Check-in Sent At"));
        await bot.WhileClockRunsAsync(() => bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(CheckInMessage.OnTrack, requests[0].Reference, "UMENTOR2", "DUMENTOR2", "1700000100.000001"))));
        var row = airtable.Requests.Find("Reference", requests[0].Reference)!;
        Assert.Equal("on_track", airtable.Requests.Value(row, "Check-in Answer")!.GetValue<string>());
        Assert.NotNull(airtable.Requests.Value(row, "Checked In At"));
        Assert.NotNull(Mentor("UMENTOR2", "Check-in Answered At"));

        // A week without an answer: UMENTOR1 is paused, in the base's own Paused field.
        bot.Clock.Advance(TimeSpan.FromDays(7));
        await bot.WhileClockRunsAsync(() => QuietMentorTests.LookAsync(bot));
        Assert.True(Mentor("UMENTOR1", "Paused")!.GetValue<bool>());
        Assert.NotNull(Mentor("UMENTOR1", "Paused for Inactivity At"));
        Assert.Null(Mentor("UMENTOR2", "Paused for Inactivity At"));
    }
}
