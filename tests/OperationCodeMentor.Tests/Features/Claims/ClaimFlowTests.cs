using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.Claims;

public class ClaimFlowTests
{
    private const string Mentee = "UMENTEE1";

    [Fact]
    public async Task Claim_UpdatesTheMessage_AndDmsTheMentorAndTheMentee()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"], "Help me prepare for a Python interview.");
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Claimed, stored!.Status);
        Assert.Equal("UMENTOR1", stored.ClaimedBy);
        Assert.Equal(bot.Clock.GetUtcNow(), stored.ClaimedAt);

        var update = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, update["ts"]);
        Assert.Contains("claimed by <@UMENTOR1>", update.AllText);
        Assert.DoesNotContain("claim_request", update.AllText);
        Assert.Contains("release_request", update.AllText);

        var toMentor = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Contains($"<@{Mentee}>", toMentor.AllText);
        Assert.Contains("Help me prepare for a Python interview.", toMentor.AllText);
        Assert.Contains("30-minute session", toMentor.AllText);
        var toMentee = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
        Assert.Contains("<@UMENTOR1>", toMentee.Text);
    }

    [Fact]
    public async Task ClaimAndRelease_WhenTheCardIsGone_StillTellTheMentorAndTheMentee()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();
        bot.Slack.ErrorNext("chat.update", "message_not_found", times: 2);

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.Equal(RequestStatus.Claimed, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
        Assert.Contains("<@UMENTOR1>", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee).Text);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");

        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Contains("can no longer take it", Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee).Text);
        // The card could not be redrawn, so there is no thread note under it.
        Assert.DoesNotContain(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == MentorBot.MentorsChannelId);
    }

    [Theory]
    [InlineData(3, false)]  // a few seconds of failures: not worth a notice
    [InlineData(8, true)]   // minutes of retries: the mentor hears once that it is in hand
    public async Task Claim_WhenSlackFailsAfterTheClaim_FinishesTheAnnouncementsOnceSlackAnswers(int failedPosts, bool mentorToldOfDelay)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();
        bot.Slack.FailNext("chat.postMessage", System.Net.HttpStatusCode.ServiceUnavailable, times: failedPosts);

        var click = await bot.Http.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(RequestButtons.Claim, request.Reference, "UMENTOR1",
            MentorBot.MentorsChannelId, request.MessageTs!)));
        Assert.Equal(System.Net.HttpStatusCode.OK, click.StatusCode);
        await bot.SettleAsync();

        // The claim was recorded at once; the DMs followed when Slack took posts again, each once.
        Assert.Equal("UMENTOR1", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Single(bot.Slack.Messages, m => m.Channel == "DUMENTOR1" && m.Body["text"]!.ToString().StartsWith("You claimed", StringComparison.Ordinal));
        Assert.Single(bot.Slack.Messages, m => m.Channel == "D" + Mentee && m.Body["text"]!.ToString().Contains("is your mentor", StringComparison.Ordinal));
        var notices = bot.Slack.CallsTo("chat.postEphemeral");
        if (!mentorToldOfDelay)
        {
            Assert.Empty(notices);
            return;
        }
        var notice = Assert.Single(notices);
        Assert.Equal("UMENTOR1", notice["user"]);
        Assert.Contains("no need to press again", notice.Text);
    }

    [Fact]
    public async Task Claim_TwentyMentorsAtOnce_ExactlyOneWins_AndEveryoneElseIsTold()
    {
        await using var bot = await MentorBot.StartAsync();
        var mentors = Enumerable.Range(1, 20).Select(i => $"URACE{i:D2}").ToList();
        foreach (var m in mentors) await bot.VolunteerAsync(m, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        var clicks = mentors.Select(m => bot.Http.SendAsync(bot.Requests.Interaction(
            SlackRequests.BlockAction(RequestButtons.Claim, request.Reference, m, MentorBot.MentorsChannelId, request.MessageTs!)))).ToList();
        foreach (var r in await Task.WhenAll(clicks)) r.EnsureSuccessStatusCode();
        await bot.IdleAsync();

        var stored = await bot.Store.RequestAsync(request.Reference);
        var winner = stored!.ClaimedBy!;
        Assert.Contains(winner, mentors);
        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + winner);

        var told = bot.Slack.CallsTo("chat.postEphemeral");
        Assert.Equal(19, told.Count);
        Assert.Equal(mentors.Where(m => m != winner).Order(), told.Select(t => t["user"]!).Order());
        Assert.All(told, t => Assert.Contains($"already claimed by <@{winner}>", t.Text));
        Assert.Equal(1, (await bot.Store.GetMentorLoadsAsync()).Sum(l => l.OpenClaims));
    }

    [Fact]
    public async Task Claim_BySomeoneNotEnrolled_PointsToVolunteer_AndChangesNothing()
    {
        await using var bot = await MentorBot.StartAsync();
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "USTRANGER");

        var told = Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal("USTRANGER", told["user"]);
        Assert.Contains("/mentor-volunteer", told.Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(request.Reference))!.Status);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }

    [Fact]
    public async Task Claim_ByAMentorAtCapacity_IsRefusedWithTheReason()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UBUSY", ["Python"], maxMentees: 1);
        var first = await bot.RequestAsync("UMENTEE1", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, first, "UBUSY");
        var second = await bot.RequestAsync("UMENTEE2", ["Python"]);
        Assert.Empty(second.MentionedMentors);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, second, "UBUSY");

        Assert.Contains("your limit", Assert.Single(bot.Slack.CallsTo("chat.postEphemeral")).Text);
        Assert.Equal(RequestStatus.Open, (await bot.Store.RequestAsync(second.Reference))!.Status);
    }

    [Fact]
    public async Task Release_ByAnotherMentor_IsRefused_AndTheClaimStands()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UOWNER", ["Python"]);
        await bot.VolunteerAsync("UOTHER", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UOWNER");
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Release, request, "UOTHER");

        var told = Assert.Single(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Equal("UOTHER", told["user"]);
        Assert.Contains("Only <@UOWNER>", told.Text);
        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Claimed, stored!.Status);
        Assert.Equal("UOWNER", stored.ClaimedBy);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }

    [Theory]
    [InlineData("UOWNER")]
    [InlineData(MentorBot.Coordinator)]
    public async Task Release_ByTheClaimerOrACoordinator_ReopensItAndTellsTheMentee(string releaser)
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UOWNER", ["Python"]);
        await bot.VolunteerAsync("UOTHER", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UOWNER");
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Release, request, releaser);

        var stored = await bot.Store.RequestAsync(request.Reference);
        Assert.Equal(RequestStatus.Open, stored!.Status);
        Assert.Null(stored.ClaimedBy);
        Assert.Equal(releaser, stored.ReleasedBy);
        Assert.Equal(1, stored.ResetCount);

        var update = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Contains("claim_request", update.AllText);
        Assert.Contains("Released by", update.AllText);
        var thread = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["thread_ts"] == request.MessageTs);
        Assert.Contains("<@UOTHER>", thread.Text);
        Assert.DoesNotContain("<@UOWNER> <@", thread.Text);
        var toMentee = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentee);
        Assert.Contains("back with our mentors", toMentee.Text);

        // Open again: another mentor can now claim it.
        await bot.ClickAsync(RequestButtons.Claim, request, "UOTHER");
        Assert.Equal("UOTHER", (await bot.Store.RequestAsync(request.Reference))!.ClaimedBy);
    }

    [Fact]
    public async Task Claim_DoubleClicked_ClaimsOnce_AndSaysNothingMore()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        bot.Slack.Clear();

        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Clock.Advance(TimeSpan.FromMilliseconds(400));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Empty(bot.Slack.CallsTo("chat.postEphemeral"));
        Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "DUMENTOR1");
    }

    [Fact]
    public async Task Claim_AgainLaterBySameMentor_SaysTheyAlreadyHaveIt()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        bot.Slack.Clear();
        bot.Clock.Advance(TimeSpan.FromMinutes(5));
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");
        Assert.Contains("already claimed by you", Assert.Single(bot.Slack.CallsTo("chat.postEphemeral")).Text);
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
    }
}
