using System.Globalization;
using OperationCodeMentor.Features.Sessions;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.Sessions;

public class SetTimeFlowTests
{
    private const string Mentor = "UMENTOR1";
    private const string Mentee = "UMENTEE1";

    private static async Task<(MentorBot Bot, MentorRequest Request)> ClaimedAsync(Dictionary<string, string?>? settings = null, FakeSlack? slack = null,
        ManualTimeProvider? clock = null, string? dataFolder = null)
    {
        var bot = await MentorBot.StartAsync(settings ?? Settings(), slack, clock, dataFolder);
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, Mentor);
        return (bot, (await bot.Store.RequestAsync(request.Reference))!);
    }

    /// <summary>The default ladder (nothing else falls due within days of a claim); the tests decide when sweeps run.</summary>
    private static Dictionary<string, string?> Settings() => new() { ["Mentorship:Schedule:SweepInterval"] = "01:00:00" };

    private static string DateToken(DateTimeOffset at) => $"<!date^{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}^";

    private static List<SlackCall> Reminders(FakeSlack slack, string channel) =>
        slack.CallsTo("chat.postMessage").Where(c => c["channel"] == channel && c.Text.StartsWith("Reminder:", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task SetTime_InThePressersSlackTimeZone_ConfirmsToBoth_ShowsOnTheCardAndAppHome_AndRemindsOnceAnHourBefore()
    {
        var world = await FollowUpKit.SharedWorld.CreateAsync();
        await using var _ = world;
        world.Slack.TimeZones[Mentee] = "America/New_York";
        var (bot, request) = await ClaimedAsync(slack: world.Slack, clock: world.Clock, dataFolder: world.DataFolder);
        var group = FakeSlack.GroupDmId(Mentor, Mentee);
        bot.Slack.Clear();

        // The mentee presses it in the group DM: the pickers are in their Slack time zone.
        var view = await bot.OpenSessionTimeAsync(request, Mentee);
        Assert.NotNull(view);
        Assert.Equal(SetTimeModal.CallbackId, view["callback_id"]!.ToString());
        Assert.Equal("America/New_York", SessionKit.Element(view, SetTimeModal.TimeBlock)["timezone"]!.ToString());
        Assert.Equal("2026-11-03", SessionKit.Element(view, SetTimeModal.DateBlock)["initial_date"]!.ToString());
        Assert.Contains("your Slack time zone", view.ToJsonString());

        // 6:30 pm in New York on 5 November (UTC-5 then) is 23:30 UTC.
        var ack = await (await bot.SubmitSessionTimeAsync(view, Mentee, "2026-11-05", "18:30")).AckAsync();
        Assert.Empty(ack);
        var at = new DateTimeOffset(2026, 11, 5, 23, 30, 0, TimeSpan.Zero);
        var session = (await bot.TrackedAsync(request)).Session;
        Assert.Equal((at, bot.Clock.GetUtcNow(), (DateTimeOffset?)null), (session.SessionAt, session.TimeFirstSetAt, session.ReminderSentAt));

        var confirmed = Assert.Single(bot.Slack.CallsTo("chat.postMessage"));
        Assert.Equal(group, confirmed["channel"]);
        Assert.Contains($"<@{Mentee}> set the session time for *{request.Reference}*", confirmed.AllText);
        Assert.Contains(DateToken(at), confirmed.AllText);
        Assert.Contains("remind you both here 1 hour before", confirmed.AllText);
        var card = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(request.MessageTs, card["ts"]);
        Assert.Contains("Session: " + DateToken(at), card.AllText);

        // App Home shows it to both of them.
        foreach (var who in new[] { Mentor, Mentee })
        {
            await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(who)));
            Assert.Contains("Session: " + DateToken(at), bot.Slack.CallsTo("views.publish").Last(c => c["user_id"] == who).AllText);
        }

        // No reminder a minute too early; one at an hour before; none again, nor after a restart.
        bot.Clock.Advance(at - TimeSpan.FromMinutes(61) - bot.Clock.GetUtcNow());
        await bot.SweepAsync();
        Assert.Empty(Reminders(bot.Slack, group));
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(1));
        var reminder = Assert.Single(Reminders(bot.Slack, group));
        Assert.Contains($"<@{Mentor}> and <@{Mentee}>", reminder.AllText);
        Assert.Contains(DateToken(at), reminder.AllText);
        Assert.Contains("in 1 hour", reminder.AllText);
        Assert.Equal(bot.Clock.GetUtcNow(), (await bot.TrackedAsync(request)).Session.ReminderSentAt);
        await bot.AdvanceAndSweepAsync(TimeSpan.FromMinutes(10));

        await bot.DisposeAsync();
        await using var restarted = await world.StartBotAsync(Settings());
        await restarted.SweepAsync();
        await restarted.AdvanceAndSweepAsync(TimeSpan.FromMinutes(30));
        Assert.Single(Reminders(world.Slack, group));
    }

    [Fact]
    public async Task SetTime_Again_ReplacesTheTime_AndRearmsTheReminder()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        var group = FakeSlack.GroupDmId(Mentor, Mentee);
        Assert.Empty(await bot.SetSessionTimeAsync(request, Mentor, "2026-11-02", "17:00"));
        var first = (await bot.TrackedAsync(request)).Session.TimeFirstSetAt;
        await bot.AdvanceAndSweepAsync(TimeSpan.FromHours(1));
        Assert.Single(Reminders(bot.Slack, group));
        bot.Slack.Clear();

        // The mentor moves it to the next day: the new time replaces the old, and it is reminded of afresh.
        Assert.Empty(await bot.SetSessionTimeAsync(request, Mentor, "2026-11-03", "17:00"));

        var at = new DateTimeOffset(2026, 11, 3, 17, 0, 0, TimeSpan.Zero);
        var session = (await bot.TrackedAsync(request)).Session;
        Assert.Equal((at, first, (DateTimeOffset?)null), (session.SessionAt, session.TimeFirstSetAt, session.ReminderSentAt));
        Assert.Contains($"<@{Mentor}> changed the session time", Assert.Single(bot.Slack.GroupDmOf(Mentor, Mentee)).AllText);
        Assert.Contains("Session: " + DateToken(at), Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        await bot.AdvanceAndSweepAsync(at - TimeSpan.FromHours(1) - bot.Clock.GetUtcNow());
        Assert.Contains(DateToken(at), Assert.Single(Reminders(bot.Slack, group)).AllText);
    }

    [Theory]
    [InlineData("2026-11-02", "14:59", SetTimeModal.TimeBlock, "has already passed")]
    [InlineData("2026-11-01", "18:00", SetTimeModal.TimeBlock, "has already passed")]
    [InlineData("2026-13-45", "18:00", SetTimeModal.DateBlock, "Pick the date")]
    [InlineData("2026-11-05", null, SetTimeModal.TimeBlock, "Pick the time")]
    [InlineData("2026-11-05", "25:99", SetTimeModal.TimeBlock, "Pick the time")]
    public async Task SetTime_InThePastOrUnreadable_IsAnsweredInTheModal_AndNothingChanges(string date, string? time, string block, string says)
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        var view = await bot.OpenSessionTimeAsync(request, Mentee);
        Assert.NotNull(view);
        var version = (await bot.TrackedAsync(request)).Version;
        bot.Slack.Clear();

        var ack = await (await bot.SubmitSessionTimeAsync(view, Mentee, date, time)).AckAsync();

        Assert.Equal("errors", ack["response_action"]!.ToString());
        Assert.Contains(says, ack["errors"]![block]!.ToString());
        var tracked = await bot.TrackedAsync(request);
        Assert.Null(tracked.Session.SessionAt);
        Assert.Equal(version, tracked.Version);
        Assert.Empty(bot.Slack.CallsTo("chat.postMessage"));

        // Nothing is lost: the same modal, corrected, goes through.
        Assert.Empty(await (await bot.SubmitSessionTimeAsync(view, Mentee, "2026-11-05", "18:00")).AckAsync());
        Assert.Equal(new DateTimeOffset(2026, 11, 5, 18, 0, 0, TimeSpan.Zero), (await bot.TrackedAsync(request)).Session.SessionAt);
    }

    [Fact]
    public async Task SetTime_WithNoSlackTimeZone_UsesTheMentorsEnrolledOne()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(OperationCodeMentor.Features.Volunteer.VolunteerModal.CallbackId, Mentor,
            (OperationCodeMentor.Features.Volunteer.VolunteerModal.SkillsBlock, new[] { "Python" }), (OperationCodeMentor.Features.Volunteer.VolunteerModal.MaxMenteesBlock, 2),
            (OperationCodeMentor.Features.Volunteer.VolunteerModal.BioBlock, null), (OperationCodeMentor.Features.Volunteer.VolunteerModal.TimeZoneBlock, "UTC-5"))));
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, Mentor);

        var view = await bot.OpenSessionTimeAsync(request, Mentee);

        Assert.NotNull(view);
        Assert.Contains($"<@{Mentor}>'s time zone", view.ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Null(SessionKit.Element(view, SetTimeModal.TimeBlock)["timezone"]);
        Assert.Empty(await (await bot.SubmitSessionTimeAsync(view, Mentee, "2026-11-05", "18:30")).AckAsync());
        Assert.Equal(new DateTimeOffset(2026, 11, 5, 23, 30, 0, TimeSpan.Zero), (await bot.TrackedAsync(request)).Session.SessionAt);
    }

    [Fact]
    public async Task SetTime_BySomeoneOutsideThePair_IsRefusedPrivately_ButACoordinatorMaySetIt()
    {
        var (bot, request) = await ClaimedAsync();
        await using var _ = bot;
        bot.Slack.Clear();

        Assert.Null(await bot.OpenSessionTimeAsync(request, "USTRANGER", channel: "C0GENERAL"));
        Assert.Contains($"Only <@{Mentor}>, <@{Mentee}> or a mentor coordinator", Assert.Single(bot.Slack.EphemeralsTo("USTRANGER")).Text);

        Assert.Empty(await bot.SetSessionTimeAsync(request, MentorBot.Coordinator, "2026-11-04", "12:00", channel: "D" + MentorBot.Coordinator));
        var at = new DateTimeOffset(2026, 11, 4, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(at, (await bot.TrackedAsync(request)).Session.SessionAt);
        Assert.Contains($"<@{MentorBot.Coordinator}> set the session time", Assert.Single(bot.Slack.GroupDmOf(Mentor, Mentee)).AllText);
        Assert.Contains($"I've told <@{Mentor}> and <@{Mentee}>", Assert.Single(bot.Slack.EphemeralsTo(MentorBot.Coordinator)).Text);
    }

    [Fact]
    public async Task SetTime_WhenTheStoreCannotBeRead_TellsThePresserToTryAgain_AndOpensNothing()
    {
        var outage = new StoreOutage { Down = false };
        await using var bot = await MentorBot.StartAsync(Settings(), services: FailingStore.Failing(outage, nameof(OperationCodeMentor.Storage.IMentorshipStore.GetRequestAsync)));
        await bot.VolunteerAsync(Mentor, ["Python"]);
        var request = await bot.RequestAsync(Mentee, ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, request, Mentor);
        bot.Slack.Clear();
        outage.Down = true;

        await bot.PressAsync(RequestButtons.SetTime, request.Reference, Mentee, FakeSlack.GroupDmId(Mentor, Mentee));

        Assert.Empty(bot.Slack.CallsTo("views.open"));
        Assert.Contains("couldn't look up R-1001 just now", Assert.Single(bot.Slack.EphemeralsTo(Mentee)).Text);
    }

    [Fact]
    public async Task SetTime_WithoutAGroupDm_ConfirmsAndRemindsEachByDm()
    {
        var slack = await FakeSlack.StartAsync();
        await using var __ = slack;
        slack.RefuseGroupDms = "restricted_action";
        var (bot, request) = await ClaimedAsync(slack: slack);
        await using var _ = bot;
        bot.Slack.Clear();

        Assert.Empty(await bot.SetSessionTimeAsync(request, Mentor, "2026-11-02", "18:00"));

        foreach (var who in new[] { Mentor, Mentee })
            Assert.Contains($"<@{Mentor}> set the session time", Assert.Single(bot.Slack.DmsTo(who)).AllText);
        await bot.AdvanceAndSweepAsync(TimeSpan.FromHours(2));
        Assert.Single(Reminders(bot.Slack, "D" + Mentor));
        Assert.Single(Reminders(bot.Slack, "D" + Mentee));
    }
}
