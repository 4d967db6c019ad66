using System.Globalization;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Contact;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>After the claim, on Airtable: the attempts, contact lost, and a hold with its return, read back from the base's records.</summary>
public sealed class AirtableContactAndHoldFlowTests
{
    [Fact]
    public async Task OnAirtable_AttemptsThenContactLost_AndAHoldThatEndsByItself_AreWrittenToTheRequestRecords()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        // The attempts span seconds, not days: the clock jumps only once, to the end of the hold, so that no call to the fake
        // base is in flight while it jumps (a jump past its time-out would leave it waiting on this clock for its retry).
        await using var bot = await MentorBot.StartAsync(new(airtable.BotSettings().Concat(FollowUpKit.Fast(("Mentorship:ContactAttemptsOver", "00:00:20")))));
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var silent = await bot.RequestAsync("UMENTEE1", ["Python"]);
        var held = await bot.RequestAsync("UMENTEE2", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, silent, "UMENTOR1");
        var f = airtable.StoreOptions.Fields.Requests;
        FakeRecord Row(string reference) => airtable.Requests.Records.Single(r => r.Text(f.Reference) == reference);
        DateTimeOffset? Time(string reference, string field) =>
            Row(reference).Text(field) is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture) : null;

        // Three attempts over the 20 seconds, then No response.
        var first = bot.Clock.GetUtcNow();
        foreach (var wait in new[] { 0, 10, 10 })
        {
            bot.Clock.Advance(TimeSpan.FromSeconds(wait));
            await bot.PressAsync(CantReachAction.Id, silent.Reference, "UMENTOR1");
        }
        Assert.Equal(3, Row(silent.Reference).Fields[f.ContactAttempts]!.GetValue<double>());
        Assert.Equal(first, Time(silent.Reference, f.FirstContactAttemptAt));
        await bot.PressAsync(NoResponseAction.Id, silent.Reference, "UMENTOR1");

        Assert.Equal("cancelled", Row(silent.Reference).Text(f.Status));
        Assert.Equal(bot.Clock.GetUtcNow(), Time(silent.Reference, f.ContactLostAt));
        Assert.Contains("type `/mentor`", bot.Slack.DmsTo("UMENTEE1")[^1].Text);
        Assert.Contains("contact lost", bot.Slack.CallsTo("chat.update")[^1].Text);

        // A hold until the next day, through /mentor-admin: an hour at a time (the sweep's own timer fires each hour), nothing goes out.
        var until = new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero);
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, $"hold {held.Reference} 2026-11-03", responseUrl: bot.Slack.ResponseUrl("admin")));
        Assert.Equal(until, Time(held.Reference, f.OnHoldUntil));
        Assert.Equal(MentorBot.Coordinator, Row(held.Reference).Text(f.OnHoldBySlackId));
        bot.Slack.Clear();
        await bot.SweepAsync();
        while (bot.Clock.GetUtcNow() + TimeSpan.FromHours(1) < until) await bot.AdvanceAndSweepAsync(TimeSpan.FromHours(1));
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));

        await bot.AdvanceAndSweepAsync(until - bot.Clock.GetUtcNow());

        Assert.Null(Row(held.Reference).Text(f.OnHoldUntil));
        Assert.Equal(until, Time(held.Reference, f.ResumedAt));
        Assert.Contains("is back from the hold", Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator)).AllText);
        Assert.DoesNotContain("On hold", bot.Slack.CallsTo("chat.update")[^1].AllText);
    }
}
