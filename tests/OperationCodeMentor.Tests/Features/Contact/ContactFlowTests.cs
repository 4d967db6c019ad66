using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.Contact;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Contact;

/// <summary>Can't reach them and No response, pressed through signed requests, with the clock moved by hand.</summary>
public class ContactFlowTests
{
    private const string Mentee = "UMENTEE1";
    private const string Mentor = "UMENTOR1";

    internal static async Task<(MentorBot Bot, MentorRequest Request)> ClaimedAsync(params (string Key, string? Value)[] settings) =>
        await ClaimedAsync(false, settings);

    internal static async Task<(MentorBot Bot, MentorRequest Request)> ClaimedAsync(bool refuseGroupDm, params (string Key, string? Value)[] settings)
    {
        var bot = await MentorBot.StartAsync(FollowUpKit.Fast(settings));
        if (refuseGroupDm) bot.Slack.RefuseGroupDms = "not_allowed_token_type";
        await bot.VolunteerAsync(Mentor, ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, Mentor);
        return (bot, (await bot.Store.RequestAsync(request.Reference))!);
    }

    private static async Task<SlackCall> CantReachAsync(MentorBot bot, MentorRequest r, string user = Mentor)
    {
        var before = bot.Slack.EphemeralsTo(user).Count;
        (await bot.PressAsync(CantReachAction.Id, r.Reference, user)).EnsureSuccessStatusCode();
        return bot.Slack.EphemeralsTo(user).Skip(before).Single();
    }

    private static async Task<SlackCall> AdminAsync(MentorBot bot, string text)
    {
        var before = bot.Slack.CallsTo("response_url").Count;
        (await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, text, responseUrl: bot.Slack.ResponseUrl("admin")))).EnsureSuccessStatusCode();
        return bot.Slack.CallsTo("response_url").Skip(before).Single();
    }

    [Fact]
    public async Task ThreeAttemptsOverAWeek_ThenNoResponse_EndsAsContactLost_TellsTheMenteeHowToAskAgain_AndIsCounted()
    {
        var (bot, request) = await ClaimedAsync(refuseGroupDm: true);
        await using var _ = bot;
        // Slack refused the group DM, so the pair only have their two DMs: the mentor's carries the button, and the nudges go to the mentee's.
        Assert.Contains(CantReachAction.Id, bot.Slack.DmsTo(Mentor).Last().ActionIds());
        bot.Slack.Clear();

        var first = await CantReachAsync(bot, request);
        Assert.Contains("attempt 1", first.Text);
        Assert.Contains("3 attempts over 7 days", first.Text);
        Assert.Contains("after 2 more attempts, and on or after", first.Text);
        Assert.DoesNotContain(NoResponseAction.Id, first.ActionIds());
        var nudge = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains($"<@{Mentor}>, your mentor for *{request.Reference}*", nudge.Text);
        Assert.Contains("has been trying to reach you", nudge.Text);

        bot.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Contains("after 1 more attempt,", (await CantReachAsync(bot, request)).Text);
        bot.Clock.Advance(TimeSpan.FromDays(4));
        var third = await CantReachAsync(bot, request);
        Assert.Contains("attempt 3", third.Text);
        Assert.Equal([NoResponseAction.Id], third.ActionIds());
        Assert.Equal(3, bot.Slack.DmsTo(Mentee).Count);
        var session = (await bot.TrackedAsync(request)).Session;
        Assert.Equal((3, bot.Clock.GetUtcNow().AddDays(-7), bot.Clock.GetUtcNow()), (session.ContactAttempts, session.FirstAttemptAt, session.LastAttemptAt));
        bot.Slack.Clear();

        await bot.PressAsync(NoResponseAction.Id, request.Reference, Mentor);

        var ended = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Cancelled, ended.Request.Status);
        Assert.Equal(bot.Clock.GetUtcNow(), ended.Session.ContactLostAt);
        Assert.Equal(RequestLifecycle.ContactLostReason, ended.Outcome.CloseReason);
        Assert.Null(ended.FollowUp.NextActionAt);
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, card["ts"]);
        Assert.Contains($"{request.Reference}: contact lost", card.Text);
        Assert.Contains("tried to reach <@UMENTEE1> 3 times", card.AllText);
        Assert.Empty(card.ActionIds());
        var toMentee = Assert.Single(bot.Slack.DmsTo(Mentee));
        Assert.Contains("type `/mentor` to send a new request", toMentee.Text);
        Assert.Contains("Thank you for trying", Assert.Single(bot.Slack.EphemeralsTo(Mentor)).Text);
        // It no longer counts among the mentor's mentees.
        Assert.Equal(0, (await bot.Store.GetMentorLoadAsync(Mentor))!.OpenClaims);

        // The stats count it, as a share of the claimed requests.
        var other = await bot.RequestAsync("UMENTEE2", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, other, "UMENTOR2");
        await bot.RequestAsync("UMENTEE3", ["Python"]);
        var stats = await AdminAsync(bot, "stats");
        Assert.Contains("*Contact lost* (of claimed requests, the mentee never answered): 1 of 2 (50%)", stats.AllText);
        bot.Slack.Clear();
        await bot.Services.GetRequiredService<WeeklyDigest>().SendAsync(CancellationToken.None);
        Assert.Contains("the mentee never answered): 1 of 2 (50%)", Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator)).AllText);
    }

    [Fact]
    public async Task NoResponse_PressedTooEarly_IsRefused_SayingWhenItWillBePossible()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        var firstAt = bot.Clock.GetUtcNow();

        await bot.PressAsync(NoResponseAction.Id, request.Reference, Mentor);
        Assert.Contains("you've recorded 0 attempts", bot.Slack.EphemeralsTo(Mentor).Last().Text);

        await CantReachAsync(bot, request);
        bot.Clock.Advance(TimeSpan.FromDays(1));
        await CantReachAsync(bot, request);
        bot.Clock.Advance(TimeSpan.FromDays(1));
        var third = await CantReachAsync(bot, request);
        // Three attempts, but over two days only: No response is not offered yet, and the mentor hears from when.
        Assert.DoesNotContain(NoResponseAction.Id, third.ActionIds());
        var possibleAt = firstAt.AddDays(7).ToUnixTimeSeconds();
        Assert.Contains($"on or after <!date^{possibleAt}^", third.Text);

        await bot.PressAsync(NoResponseAction.Id, request.Reference, Mentor);

        var refusal = bot.Slack.EphemeralsTo(Mentor).Last().Text;
        Assert.Contains("Not yet: you've recorded 3 attempts", refusal);
        Assert.Contains($"on or after <!date^{possibleAt}^", refusal);
        Assert.Contains("Nothing was changed", refusal);
        var stored = await bot.TrackedAsync(request);
        Assert.Equal(RequestStatus.Claimed, stored.Request.Status);
        Assert.Null(stored.Session.ContactLostAt);
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.update"), c => c.Text.Contains("contact lost"));

        // A week after the first attempt it goes through.
        bot.Clock.Advance(TimeSpan.FromDays(5));
        await bot.PressAsync(NoResponseAction.Id, request.Reference, Mentor);
        Assert.NotNull((await bot.TrackedAsync(request)).Session.ContactLostAt);
    }

    [Fact]
    public async Task AnotherMentor_OrTheMentee_PressingTheButtons_IsAnsweredPrivately_AndNothingChanges()
    {
        var (bot, request) = await ClaimedAsync(("Mentorship:ContactAttempts", "1"), ("Mentorship:ContactAttemptsOver", "00:00:00"));
        await using var _ = bot;
        bot.Slack.Clear();

        var other = await CantReachAsync(bot, request, "UMENTOR2");
        Assert.Contains($"Only <@{Mentor}>, who claimed {request.Reference}", other.Text);
        Assert.Contains("Nothing was changed", other.Text);
        var mentee = await CantReachAsync(bot, request, Mentee);
        Assert.Contains("This button is for your mentor", mentee.Text);
        Assert.Empty(bot.Slack.DmsTo(Mentee));
        Assert.Equal(0, (await bot.TrackedAsync(request)).Session.ContactAttempts);

        // With one attempt needed and no wait, the mentor's first press offers No response; the other mentor's is still refused.
        Assert.Equal([NoResponseAction.Id], (await CantReachAsync(bot, request)).ActionIds());
        await bot.PressAsync(NoResponseAction.Id, request.Reference, "UMENTOR2");
        Assert.Contains($"Only <@{Mentor}>", bot.Slack.EphemeralsTo("UMENTOR2").Last().Text);
        Assert.Equal(RequestStatus.Claimed, (await bot.TrackedAsync(request)).Request.Status);
    }

    [Fact]
    public async Task InTheirSharedConversation_TheMenteeIsNudgedThere_NotByDm()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        Assert.True((await bot.Store.ChangeRequestAsync(request.Reference, t => RequestLifecycle.Decide(t, Actor.Bot,
            new RequestCommand.RecordConversation("GPAIR0001"), bot.Clock.GetUtcNow())))!.Applied);
        bot.Slack.Clear();

        (await bot.PressAsync(CantReachAction.Id, request.Reference, Mentor, channel: "GPAIR0001")).EnsureSuccessStatusCode();

        var nudge = Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Equal("GPAIR0001", nudge["channel"]);
        Assert.Contains("please reply to them here", nudge.Text);
        var answer = Assert.Single(bot.Slack.EphemeralsTo(Mentor));
        Assert.Equal("GPAIR0001", answer["channel"]);
        Assert.Contains("nudged them in your group DM", answer.Text);
    }
}
