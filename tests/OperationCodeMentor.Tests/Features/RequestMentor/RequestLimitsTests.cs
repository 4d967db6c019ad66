using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.RequestMentor;

public class RequestLimitsTests
{
    private const string Mentee = "UMENTEE1";

    private static async Task<SlackCall?> MentorCommandAsync(MentorBot bot, string user)
    {
        var before = bot.Slack.CallsTo("response_url").Count;
        var response = await bot.SendAsync(bot.Requests.Command("/mentor", user, responseUrl: bot.Slack.ResponseUrl(user)));
        response.EnsureSuccessStatusCode();
        return bot.Slack.CallsTo("response_url").Skip(before).SingleOrDefault();
    }

    [Fact]
    public async Task Mentor_WithARequestStillWaiting_SaysWhichLimit_AndOpensNoForm()
    {
        await using var bot = await MentorBot.StartAsync();
        var waiting = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        var refusal = await MentorCommandAsync(bot, Mentee);

        Assert.NotNull(refusal);
        Assert.Equal("ephemeral", refusal["response_type"]);
        Assert.Contains($"You already have one request waiting for a mentor ({waiting.Reference}), which is the limit", refusal.Text);
        Assert.Contains("as soon as a mentor claims it", refusal.Text);
        Assert.Empty(bot.Slack.CallsTo("views.open"));
    }

    [Fact]
    public async Task Mentor_OnceTheWaitingRequestIsClaimed_OpensTheFormAgain()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var waiting = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, waiting, "UMENTOR1");
        bot.Slack.Clear();

        Assert.Null(await MentorCommandAsync(bot, Mentee));
        Assert.Single(bot.Slack.CallsTo("views.open"));
    }

    [Fact]
    public async Task Mentor_AfterThreeRequestsIn30Days_SaysWhenItFreesUp_AndOpensTheFormFromThen()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"], maxMentees: 5);
        var first = bot.Clock.GetUtcNow();
        foreach (var gap in new[] { 10, 9, 1 })
        {
            var r = await bot.RequestAsync(Mentee, ["Python"]);
            await bot.ClickAsync(RequestButtons.Claim, r, "UMENTOR1");
            bot.Clock.Advance(TimeSpan.FromDays(gap));
        }
        bot.Slack.Clear();

        var refusal = await MentorCommandAsync(bot, Mentee);

        Assert.NotNull(refusal);
        Assert.Contains("You've sent 3 mentor requests in the last 30 days, and the limit is 3", refusal.Text);
        var frees = first.AddDays(30).ToUnixTimeSeconds();
        Assert.Contains($"You can send another from <!date^{frees}^", refusal.Text);
        Assert.Empty(bot.Slack.CallsTo("views.open"));

        bot.Clock.SetUtcNow(first.AddDays(30).AddMinutes(1));
        Assert.Null(await MentorCommandAsync(bot, Mentee));
        Assert.Single(bot.Slack.CallsTo("views.open"));
    }

    [Fact]
    public async Task Submit_WithTwoFormsOpen_TheSecondIsStoppedInsideTheModal_AndNothingIsStored()
    {
        await using var bot = await MentorBot.StartAsync();
        // Both forms opened while the mentee had nothing waiting.
        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, responseUrl: bot.Slack.ResponseUrl()));
        await bot.SendAsync(bot.Requests.Command("/mentor", Mentee, responseUrl: bot.Slack.ResponseUrl()));
        Assert.Equal(2, bot.Slack.CallsTo("views.open").Count);
        var first = await bot.RequestAsync(Mentee, ["Python"]);

        var second = await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
            (RequestModal.SkillsBlock, new[] { "Go" }),
            (RequestModal.DetailsBlock, "A second request from the other form."),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));

        var ack = await second.AckAsync();
        Assert.Equal("errors", ack["response_action"]!.ToString());
        Assert.Contains($"You already have one request waiting for a mentor ({first.Reference})", ack["errors"]![RequestModal.DetailsBlock]!.ToString());
        Assert.Single(await bot.Store.GetMenteeRequestsAsync(Mentee, DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task Submit_PastTheMonthlyLimit_NamesTheDateInTheProgramsTimeZone()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Mentorship:MaxOpenRequestsPerMentee"] = "0", ["Mentorship:TimeZone"] = "America/New_York" });
        for (var i = 0; i < 3; i++) await bot.RequestAsync(Mentee, ["Python"]);

        var fourth = await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
            (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "One more request than allowed."),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));

        var error = (await fourth.AckAsync())["errors"]![RequestModal.DetailsBlock]!.ToString();
        // Three requests at 2 Nov 2026 15:00 UTC; the first leaves the window on 2 Dec, 10:00 in New York.
        Assert.Contains("You've sent 3 requests in the last 30 days (the limit is 3). You can send another from Wed 2 Dec 2026, 10:00 America/New_York.", error);
        Assert.Equal(3, (await bot.Store.GetMenteeRequestsAsync(Mentee, DateTimeOffset.MinValue)).Count);
    }

    [Fact]
    public async Task ALimitOfOneAMonth_SpeaksOfOneRequest()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Mentorship:MaxOpenRequestsPerMentee"] = "0", ["Mentorship:MaxRequestsPer30Days"] = "1" });
        await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        var refusal = await MentorCommandAsync(bot, Mentee);
        var second = await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")),
            (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "One more request than allowed."),
            (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));

        Assert.NotNull(refusal);
        Assert.Contains("You've sent a mentor request in the last 30 days, and the limit is 1,", refusal.Text);
        Assert.StartsWith("You've sent a request in the last 30 days (the limit is 1).", (await second.AckAsync())["errors"]![RequestModal.DetailsBlock]!.ToString());
    }

    [Fact]
    public async Task Coordinators_AreExempt()
    {
        await using var bot = await MentorBot.StartAsync();
        for (var i = 0; i < 4; i++) await bot.RequestAsync(MentorBot.Coordinator, ["Python"]);
        bot.Slack.Clear();

        Assert.Null(await MentorCommandAsync(bot, MentorBot.Coordinator));
        Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal(4, (await bot.Store.GetMenteeRequestsAsync(MentorBot.Coordinator, DateTimeOffset.MinValue)).Count);
    }

    [Fact]
    public async Task Limits_FollowConfiguration()
    {
        await using var bot = await MentorBot.StartAsync(new() { ["Mentorship:MaxOpenRequestsPerMentee"] = "2" });
        await bot.RequestAsync(Mentee, ["Python"]);
        Assert.Null(await MentorCommandAsync(bot, Mentee));
        await bot.RequestAsync(Mentee, ["Go"]);

        var refusal = await MentorCommandAsync(bot, Mentee);

        Assert.True(refusal!.Text.Contains("You already have 2 requests waiting for a mentor (R-1001, R-1002)", StringComparison.Ordinal), refusal.Text);
    }
}
