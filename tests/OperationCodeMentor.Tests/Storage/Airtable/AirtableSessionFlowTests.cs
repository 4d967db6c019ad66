using System.Globalization;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Features.Sessions;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>The pair's group DM, the time they set and its reminder, on the Airtable store: each lands in the request's row.</summary>
public sealed class AirtableSessionFlowTests
{
    [Fact]
    public async Task OnAirtable_TheGroupDm_TheTimeSet_AndTheReminder_AreWrittenToTheRequestRow_AndTheReminderGoesOnce()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(new(airtable.BotSettings()) { ["Mentorship:Schedule:SweepInterval"] = "01:00:00" });
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        var group = FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1");
        var o = airtable.StoreOptions.Fields.Requests;
        FakeRecord Row() => airtable.Requests.Records.Single(r => r.Text("Reference") == request.Reference);
        DateTimeOffset? When(string field) => Row().Text(field) is { } v ? DateTimeOffset.Parse(v, CultureInfo.InvariantCulture) : null;

        Assert.Equal(group, Row().Text(o.ConversationId));
        Assert.Equal(bot.Clock.GetUtcNow(), When(o.ConversationOpenedAt));
        Assert.Contains("meet <@UMENTOR1>", Assert.Single(bot.Slack.GroupDmOf("UMENTOR1", "UMENTEE1")).Text);

        Assert.Empty(await bot.SetSessionTimeAsync(request, "UMENTEE1", "2026-11-02", "17:00"));
        var at = new DateTimeOffset(2026, 11, 2, 17, 0, 0, TimeSpan.Zero);
        Assert.Equal(at, When(o.SessionAt));
        Assert.Equal(bot.Clock.GetUtcNow(), When(o.TimeFirstSetAt));
        Assert.Null(When(o.ReminderSentAt));

        await bot.AdvanceAndSweepAsync(at - TimeSpan.FromHours(1) - bot.Clock.GetUtcNow());
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(5));
        Assert.Single(bot.Slack.GroupDmOf("UMENTOR1", "UMENTEE1"), c => c.Text.StartsWith("Reminder:", StringComparison.Ordinal));
        Assert.Equal(at - TimeSpan.FromHours(1), When(o.ReminderSentAt));
    }
}
