using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// A request row with no reference (typed into Airtable by a coordinator, or written by something other than the bot)
/// is given the next number the first time the bot lists it, so it can be assigned and closed like any other.
/// </summary>
public sealed class AirtableUnnumberedRowsTests
{
    private const string Coordinator = MentorBot.Coordinator;

    [Fact]
    public async Task ARowTypedIntoAirtable_IsNumberedOnceWhenListed_AndCanThenBeAssignedByThatNumber()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var earlier = await bot.RequestAsync("UMENTEE1", ["Python"]);
        var typed = airtable.Requests.Insert(new JsonObject
        {
            ["Status"] = "open",
            ["Requested At"] = bot.Clock.GetUtcNow().ToString("O"),
            ["Mentee Slack ID"] = "UMENTEE2",
            ["Additional Details"] = "Added by hand after a call with the mentee.",
        });

        // The queue lists it under the next number, written to the row; listing it again changes nothing.
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, "open", responseUrl: bot.Slack.ResponseUrl("first")));
        var reference = airtable.Requests.Records.Single(r => r.Id == typed.Id).Text("Reference");
        Assert.Equal("R-1002", reference);
        Assert.NotEqual(earlier.Reference, reference);
        Assert.Contains("R-1002", bot.Slack.CallsTo("response_url").Last().AllText, StringComparison.Ordinal);
        airtable.Fake.ClearCalls();
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, "open", responseUrl: bot.Slack.ResponseUrl("again")));
        Assert.DoesNotContain(airtable.Fake.Calls, c => c.IsWrite);
        Assert.Equal("R-1002", airtable.Requests.Records.Single(r => r.Id == typed.Id).Text("Reference"));

        // Assigned by that number: written to the same row, and the mentor and mentee hear of it.
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, Coordinator, "assign R-1002 <@UMENTOR1|m>", responseUrl: bot.Slack.ResponseUrl("assign")));
        await bot.SettleAsync();
        var row = airtable.Requests.Records.Single(r => r.Id == typed.Id);
        Assert.Equal(("claimed", "UMENTOR1"), (row.Text("Status"), row.Text("Claimed By Slack ID")));
        Assert.Single(bot.Slack.Messages, m => m.Channel == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE2") && m.Body["text"]!.ToString().Contains("meet <@UMENTOR1>", StringComparison.Ordinal));
        Assert.Contains("Paired", bot.Slack.CallsTo("response_url").Last().Text, StringComparison.Ordinal);

        // A new request afterwards never reuses the number the row was given.
        var next = await bot.RequestAsync("UMENTEE3", ["Python"]);
        Assert.Equal("R-1003", next.Reference);
    }
}
