using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.RequestMentor;

/// <summary>A request for a mentor of the mentee's choice: offered to them first, then to the channel after a decline or the wait.</summary>
public class NamedMentorFlowTests
{
    private const string Mentee = "UMENTEE1";
    private const string Named = "UMENTOR1";
    private const string Other = "UMENTOR2";

    /// <summary>The fast ladder, with five minutes for the named mentor.</summary>
    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra) =>
        FollowUpKit.Fast([("Mentorship:NamedMentorWait", "00:05:00"), .. extra]);

    private static HttpRequestMessage Submission(MentorBot bot, string mentee, string? mentor) => bot.Requests.Interaction(SlackRequests.ViewSubmission(
        RequestModal.CallbackId, mentee,
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
        (RequestModal.SkillsBlock, new[] { "Python" }),
        (RequestModal.DetailsBlock, "Please review the Flask app we talked about last time."),
        (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")),
        (RequestModal.MentorBlock, mentor is null ? null : new SlackRequests.SelectedUser(mentor))));

    private static async Task<MentorBot> StartWithMentorsAsync(Dictionary<string, string?>? settings = null)
    {
        var bot = await MentorBot.StartAsync(settings ?? Settings());
        await bot.VolunteerAsync(Named, ["Python"]);
        await bot.VolunteerAsync(Other, ["Python"]);
        return bot;
    }

    /// <summary>Submits a request naming <see cref="Named"/>; answers the offer DM and the request as stored.</summary>
    private static async Task<(SlackCall Offer, TrackedRequest Request)> SubmitNamedAsync(MentorBot bot)
    {
        (await bot.SendAsync(Submission(bot, Mentee, Named))).EnsureSuccessStatusCode();
        var offer = Assert.Single(bot.Slack.DmsTo(Named), d => d.ActionIds().Contains(NotThisTimeAction.Id));
        var reference = Seeding.Elements(offer.Body["blocks"]).Single(e => e["action_id"]?.ToString() == ClaimAction.Id)["value"]!.ToString();
        return (offer, (await bot.Store.GetRequestAsync(reference))!);
    }

    private static List<SlackCall> Cards(MentorBot bot) =>
        bot.Slack.CallsTo("chat.postMessage").Where(c => c["channel"] == MentorBot.MentorsChannelId && c["thread_ts"] is null).ToList();

    [Fact]
    public async Task TheForm_OffersAnOptionalChoiceOfMentor()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee));

        var block = bot.Slack.CallsTo("views.open").Single().Body["view"]!["blocks"]!.AsArray()
            .Single(b => b!["block_id"]?.ToString() == RequestModal.MentorBlock)!;
        Assert.True(block["optional"]!.GetValue<bool>());
        Assert.Equal("users_select", block["element"]!["type"]!.ToString());
        // Slack itself writes "(optional)" after an optional input's label; the label saying it too shows it twice.
        Assert.Equal("A mentor you'd like", block["label"]!["text"]!.ToString());
    }

    [Theory]
    [InlineData("UNOBODY1", "isn't one of our mentors")]
    [InlineData("UPAUSED1", "has paused mentoring")]
    [InlineData(Mentee, "can't ask yourself")]
    public async Task AMentorWhoCannotBeAsked_IsRefusedInTheModal_AndNothingIsLost(string chosen, string message)
    {
        await using var bot = await StartWithMentorsAsync();
        await bot.VolunteerAsync("UPAUSED1", ["Python"]);
        await bot.Store.SetMentorPausedAsync("UPAUSED1", true);
        Assert.True((await bot.Store.GetMentorAsync("UPAUSED1"))!.Paused);

        var ack = await (await bot.SendAsync(Submission(bot, Mentee, chosen))).AckAsync();

        Assert.Equal("errors", ack["response_action"]!.ToString());
        var errors = ack["errors"]!.AsObject();
        Assert.Equal([RequestModal.MentorBlock], errors.Select(e => e.Key));
        Assert.Contains(message, errors[RequestModal.MentorBlock]!.ToString());
        Assert.Empty(Cards(bot));
        Assert.Empty(bot.Slack.DmsTo(Mentee));
        Assert.Null(await bot.Store.RequestAsync("1001"));
    }

    [Fact]
    public async Task ANamedRequest_IsOfferedToThatMentorByDm_NobodyElseCanClaimIt_AndTheirClaimFromTheDmIsTheUsualClaim()
    {
        await using var bot = await StartWithMentorsAsync();
        var (offer, tracked) = await SubmitNamedAsync(bot);
        var r = tracked.Request;

        Assert.Empty(Cards(bot));
        Assert.Equal(Named, tracked.Session.PreferredMentor);
        Assert.Contains($"<@{Mentee}> asked for you by name", offer.AllText);
        Assert.Contains("within 5 minutes", offer.AllText);
        var receipt = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains($"I've offered it first to <@{Named}>, as you asked", receipt.AllText);
        Assert.Contains("within 5 minutes", receipt.AllText);

        // Another mentor (from App Home, say) is told whom it is offered to; nothing changes.
        await bot.PressAsync(ClaimAction.Id, r.Reference, Other);
        Assert.Contains($"asked for <@{Named}> by name", bot.Slack.EphemeralsTo(Other).Last().Text);
        Assert.Equal(RequestStatus.Open, (await bot.TrackedAsync(r)).Request.Status);

        await bot.PressAsync(ClaimAction.Id, r.Reference, Named);

        var claimed = await bot.TrackedAsync(r);
        Assert.Equal((RequestStatus.Claimed, Named), (claimed.Request.Status, claimed.Request.ClaimedBy));
        Assert.Contains(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"]?.ToString() == FakeSlack.GroupDmId(Named, Mentee)
            && c.Text.Contains($"<@{Mentee}>, meet <@{Named}>, your mentor for {r.Reference}"));
        // A late "Not this time" changes nothing, and the wait running out later sends nothing to the channel.
        await bot.PressAsync(NotThisTimeAction.Id, r.Reference, Named);
        Assert.Contains("already claimed by you", bot.Slack.EphemeralsTo(Named).Last().Text);
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(6));
        Assert.Empty(Cards(bot));
    }

    [Fact]
    public async Task NotThisTime_PostsTheCardToTheChannel_TellsTheMentee_AndTheLadderCountsFromThen()
    {
        await using var bot = await StartWithMentorsAsync();
        var (_, tracked) = await SubmitNamedAsync(bot);
        await bot.SweepAsync(); // plans the hand-over for when the wait runs out
        bot.Clock.Advance(TimeSpan.FromMinutes(2));

        await bot.PressAsync(NotThisTimeAction.Id, tracked.Reference, Named);

        var card = Assert.Single(Cards(bot));
        Assert.Contains($"<@{Other}>", card.AllText);
        Assert.DoesNotContain($"<@{Named}>", card.AllText);
        Assert.Contains(ClaimAction.Id, card.ActionIds());
        var after = await bot.Store.GetRequestAsync(tracked.Reference);
        Assert.Equal((MentorBot.MentorsChannelId, bot.Slack.Messages.Single(m => m.Channel == MentorBot.MentorsChannelId).Ts),
            (after!.Request.ChannelId, after.Request.MessageTs));
        Assert.Equal(bot.Clock.GetUtcNow(), after.Session.OfferEndedAt);
        Assert.Contains(bot.Slack.DmsTo(Mentee), d => d.Text.Contains($"<@{Named}> can't take *{tracked.Reference}* this time, so I've shared it with all our mentors"));
        Assert.Contains("has gone to the mentors channel", bot.Slack.EphemeralsTo(Named).Last().Text);

        // Pressed again (after the few seconds in which a second press counts as a double click): nothing more goes out.
        bot.Clock.Advance(TimeSpan.FromSeconds(4));
        await bot.PressAsync(NotThisTimeAction.Id, tracked.Reference, Named);
        Assert.Contains("already gone to the mentors channel", bot.Slack.EphemeralsTo(Named).Last().Text);
        Assert.Single(Cards(bot));

        // The first bump is 10 s after it reached the channel, not after it was made (2 minutes ago).
        var open = after.Request;
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(bot.Slack.Bumps(open));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));
        Assert.Single(bot.Slack.Bumps(open));
    }

    [Fact]
    public async Task TheWaitRunningOut_HandsItToTheChannelOnce_AndTellsTheMenteeAndTheMentor()
    {
        await using var bot = await StartWithMentorsAsync();
        var (_, tracked) = await SubmitNamedAsync(bot);
        await bot.SweepAsync();

        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Empty(Cards(bot));

        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));

        var card = Assert.Single(Cards(bot));
        Assert.DoesNotContain($"<@{Named}>", card.AllText);
        Assert.Contains(bot.Slack.DmsTo(Mentee), d => d.Text.Contains($"<@{Named}> hasn't been able to take *{tracked.Reference}* within 5 minutes"));
        Assert.Contains(bot.Slack.DmsTo(Named), d => d.Text.Contains("wasn't claimed in time"));
        var after = (await bot.Store.GetRequestAsync(tracked.Reference))!;
        Assert.NotNull(after.Request.MessageTs);

        // Later sweeps neither hand it over again nor bump it before 10 s from the hand-over.
        var dmsToMentee = bot.Slack.DmsTo(Mentee).Count;
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(9));
        await bot.SweepAsync();
        Assert.Single(Cards(bot));
        Assert.Equal(dmsToMentee, bot.Slack.DmsTo(Mentee).Count);
        Assert.Empty(bot.Slack.Bumps(after.Request));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(1));
        Assert.Single(bot.Slack.Bumps(after.Request));
    }

    [Fact]
    public async Task BookAFollowUp_InTheFeedbackDm_OpensTheFormWithThatMentorChosen_AndItGoesToThemFirst()
    {
        await using var bot = await StartWithMentorsAsync();
        var first = await bot.RequestAsync(Mentee, ["Python"], service: "Resume Review");
        await bot.ClickAsync(ClaimAction.Id, first, Named);
        await bot.FileReportAsync(first.Reference, Named);
        var formsBefore = bot.Slack.CallsTo("views.open").Count;

        var howDidItGo = bot.Slack.DmsTo(Mentee).Last(d => d.Text.Contains("How did your session"));
        var book = Seeding.Elements(howDidItGo.Body["blocks"]).Single(e => e["action_id"]?.ToString() == RequestButtons.BookFollowUp);
        Assert.Equal("Book a follow-up with umentor1", book["text"]!["text"]!.ToString());

        await bot.PressAsync(BookFollowUpAction.Id, first.Reference, Mentee);

        var view = Assert.Single(bot.Slack.CallsTo("views.open").Skip(formsBefore)).Body["view"]!;
        Assert.Equal(RequestModal.CallbackId, view["callback_id"]!.ToString());
        JsonNode Element(string block) => view["blocks"]!.AsArray().Single(b => b!["block_id"]?.ToString() == block)!["element"]!;
        Assert.Equal(Named, Element(RequestModal.MentorBlock)["initial_user"]!.ToString());
        Assert.Equal("Resume Review", Element(RequestModal.ServiceBlock)["initial_option"]!["value"]!.ToString());
        Assert.Equal(["Python"], Element(RequestModal.SkillsBlock)["initial_options"]!.AsArray().Select(o => o!["value"]!.ToString()));

        // Someone else pressing it (a forwarded message) opens nothing.
        await bot.PressAsync(BookFollowUpAction.Id, first.Reference, Other);
        Assert.Single(bot.Slack.CallsTo("views.open").Skip(formsBefore));
        Assert.Contains("Only the mentee", bot.Slack.EphemeralsTo(Other).Last().Text);

        await SubmitNamedAsync(bot);
    }

    [Fact]
    public async Task OnAirtable_ANamedRequest_IsOfferedFirst_AndAfterNotThisTimeReachesTheChannel_WithTheOfferKept()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await StartWithMentorsAsync(new(airtable.BotSettings().Concat(Settings())));
        var (_, tracked) = await SubmitNamedAsync(bot);
        var record = Assert.Single(airtable.Requests.Records);
        Assert.Equal((Named, (string?)null), (record.Text("Preferred Mentor Slack ID"), record.Text("Slack Message TS")));
        Assert.Empty(Cards(bot));

        bot.Clock.Advance(TimeSpan.FromMinutes(1));
        await bot.PressAsync(NotThisTimeAction.Id, tracked.Reference, Named);

        var card = Assert.Single(bot.Slack.Messages, m => m.Channel == MentorBot.MentorsChannelId);
        record = Assert.Single(airtable.Requests.Records);
        Assert.Equal((card.Ts, MentorBot.MentorsChannelId), (record.Text("Slack Message TS"), record.Text("Channel ID")));
        Assert.Equal(bot.Clock.GetUtcNow(), (await bot.Store.GetRequestAsync(tracked.Reference))!.Session.OfferEndedAt);
        Assert.Contains(bot.Slack.DmsTo(Mentee), d => d.Text.Contains("so I've shared it with all our mentors"));

        await bot.ClickAsync(ClaimAction.Id, (await bot.Store.GetRequestAsync(tracked.Reference))!.Request, Other);
        Assert.Equal(("claimed", Other), (Assert.Single(airtable.Requests.Records).Text("Status"), airtable.Requests.Records.Single().Text("Claimed By Slack ID")));
    }
}
