using System.Net;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// What a mentee's request costs Airtable on the real path, counted at the fake: signed HTTP into the bot, the modal,
/// the submission and the durable queue's job, then a mentor's click on the card.
/// </summary>
public sealed class AirtableRequestPathTests
{
    private static HttpRequestMessage Submission(MentorBot bot, string mentee) => bot.Requests.Interaction(SlackRequests.ViewSubmission(
        RequestModal.CallbackId, mentee,
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
        (RequestModal.SkillsBlock, new[] { "Python" }),
        (RequestModal.DetailsBlock, "Please review the first Python project I built."),
        (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran"))));

    [Fact]
    public async Task AMentorRequest_CostsNoRequestToOpen_AndOneReadAndOneWriteToSubmit()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        airtable.Fake.ClearCalls();

        await bot.SendAsync(bot.Requests.Command("/mentor", "UMENTEE1"));
        Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Empty(airtable.Fake.Calls);

        var ack = await bot.SendAsync(Submission(bot, "UMENTEE1"));
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);

        // The limits on current data, and the request written once with where its card is.
        Assert.Equal(1, airtable.Fake.Calls.Count(c => c.IsRead));
        Assert.Equal(1, airtable.Fake.Calls.Count(c => c.IsWrite));
        var card = Assert.Single(bot.Slack.Messages, m => m.Channel == MentorBot.MentorsChannelId);
        var record = Assert.Single(airtable.Requests.Records);
        Assert.Equal((card.Ts, MentorBot.MentorsChannelId, "UMENTOR1"),
            (record.Text("Slack Message TS"), record.Text("Channel ID"), record.Text("Mentioned Mentors")));
        Assert.Contains("<@UMENTOR1>", card.Body["blocks"]![0]!["text"]!["text"]!.ToString(), StringComparison.Ordinal);
        Assert.Single(bot.Slack.Messages, m => m.Channel == "DUMENTEE1" && m.Body.ToJsonString().Contains(record.Text("Reference")!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheClaimButton_OnACardPostedBeforeItsRequestWasStored_ClaimsThatRequest()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(airtable.BotSettings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.SendAsync(Submission(bot, "UMENTEE1"));
        var card = Assert.Single(bot.Slack.Messages, m => m.Channel == MentorBot.MentorsChannelId);
        var reference = Assert.Single(airtable.Requests.Records).Text("Reference")!;

        var button = card.Body["blocks"]!.AsArray().SelectMany(b => b!["elements"]?.AsArray() ?? [])
            .Single(e => e!["action_id"]?.ToString() == RequestButtons.Claim)!;
        Assert.Equal(reference, button["value"]!.ToString());
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.Claim, reference, "UMENTOR1", MentorBot.MentorsChannelId, card.Ts)));

        var record = Assert.Single(airtable.Requests.Records);
        Assert.Equal(("claimed", "UMENTOR1"), (record.Text("Status"), record.Text("Claimed By Slack ID")));
        Assert.Contains(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1") && c.AllText.Contains("<@UMENTOR1>", StringComparison.Ordinal));
    }
}
