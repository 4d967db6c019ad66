using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.CheckIn;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.CheckIn;

public class WeeklyCheckInTests
{
    // The test clock starts on Monday 2 Nov 2026 at 15:00 UTC; the first check-in is Friday 6 Nov at 15:00.
    internal static readonly DateTimeOffset Friday = new(2026, 11, 6, 15, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mentorship:CheckIn"] = "Friday 15:00",
            ["Mentorship:TimeZone"] = "UTC",
            ["Mentorship:Schedule:NudgeMentorAfter"] = "3.00:00:00",
            ["Mentorship:Schedule:StuckClaimAfter"] = "7.00:00:00",
            // Sweeps run when the test says.
            ["Mentorship:Schedule:SweepInterval"] = "01:00:00",
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    private static WeeklyCheckIn CheckIn(MentorBot bot) => bot.Services.GetRequiredService<WeeklyCheckIn>();

    private static Task WaitUntil(Func<bool> condition) => Eventually.TrueAsync(condition, "the check-in to move on");

    internal static List<SlackCall> CheckIns(FakeSlack slack, string user) =>
        slack.DmsTo(user).Where(c => c.Text.StartsWith("Weekly check-in", StringComparison.Ordinal)).ToList();

    /// <summary>Moves the clock to <paramref name="at"/> once the check-in waits for it, and waits for the round's DMs.</summary>
    internal static async Task RunRoundAsync(MentorBot bot, DateTimeOffset at)
    {
        var checkIn = CheckIn(bot);
        await WaitUntil(() => checkIn.NextDueAt == at);
        var rounds = checkIn.Rounds;
        bot.Clock.SetUtcNow(at);
        await WaitUntil(() => checkIn.Rounds == rounds + 1);
        await bot.IdleAsync();
    }

    private static async Task<(MentorRequest A, MentorRequest B)> TwoClaimsAsync(MentorBot bot, string mentor = "UMENTOR1")
    {
        await bot.VolunteerAsync(mentor, ["Python"], maxMentees: 3);
        var a = await bot.RequestAsync("UMENTEE1", ["Python"]);
        var b = await bot.RequestAsync("UMENTEE2", ["Python"]);
        await bot.ClickAsync(RequestButtons.Claim, a, mentor);
        await bot.ClickAsync(RequestButtons.Claim, b, mentor);
        return (a, b);
    }

    [Fact]
    public async Task CheckIn_GoesOnceAWeek_ToEachMentorHoldingClaims_AndIsNotSentAgainAfterARestart()
    {
        await using var world = await FollowUpKit.SharedWorld.CreateAsync();
        var bot = await world.StartBotAsync(Settings());
        MentorRequest a, b;
        try
        {
            (a, b) = await TwoClaimsAsync(bot);
            await bot.VolunteerAsync("UMENTOR2", ["Python"]);
            world.Slack.Clear();

            // Just before Friday 15:00 nothing goes out.
            await WaitUntil(() => CheckIn(bot).NextDueAt == Friday);
            bot.Clock.SetUtcNow(Friday.AddMinutes(-1));
            await Task.Delay(50);
            Assert.Empty(CheckIns(world.Slack, "UMENTOR1"));

            await RunRoundAsync(bot, Friday);
            var dm = Assert.Single(CheckIns(world.Slack, "UMENTOR1"));
            Assert.Contains(a.Reference, dm.AllText);
            Assert.Contains(b.Reference, dm.AllText);
            var buttons = Seeding.Elements(dm.Body["blocks"]).Where(e => e["value"]?.ToString() == a.Reference).ToList();
            Assert.Equal([CheckInMessage.OnTrack, CheckInMessage.NeedHelp, RequestButtons.SessionDone], buttons.Select(e => e["action_id"]!.ToString()));
            Assert.Equal(["On track", "Need help", "Done"], buttons.Select(e => e["text"]!["text"]!.ToString()));
            // A mentor holding nothing is not asked.
            Assert.Empty(world.Slack.DmsTo("UMENTOR2"));
            BlockKitLimits.AssertAll(world.Slack.Calls);
            Assert.Equal(Friday, (await bot.Store.GetMentorAsync("UMENTOR1"))!.Standing.CheckInSentAt);
        }
        finally
        {
            await bot.DisposeAsync();
        }

        // A restart an hour later, over the same data, finishes this week's round: nobody hears twice.
        world.Clock.Advance(TimeSpan.FromHours(1));
        await using var again = await world.StartBotAsync(Settings());
        await WaitUntil(() => CheckIn(again).NextDueAt == Friday.AddDays(7));
        await again.IdleAsync();
        Assert.Single(CheckIns(world.Slack, "UMENTOR1"));

        // And the next week's comes a week later.
        await RunRoundAsync(again, Friday.AddDays(7));
        Assert.Equal(2, CheckIns(world.Slack, "UMENTOR1").Count);
        Assert.Empty(world.Slack.DmsTo("UMENTOR2"));
    }

    [Fact]
    public async Task ARestartInTheMiddleOfARound_SendsTheMentorsNotYetAsked_AndNoOneElse()
    {
        await using var world = await FollowUpKit.SharedWorld.CreateAsync();
        var bot = await world.StartBotAsync(Settings(("Mentorship:CheckIn", "off")));
        try
        {
            await TwoClaimsAsync(bot, "UMENTOR1");
            await bot.VolunteerAsync("UMENTOR2", ["Python"]);
            await bot.ClickAsync(RequestButtons.Claim, await bot.RequestAsync("UMENTEE3", ["Python"]), "UMENTOR2");
            // The round had reached UMENTOR1 when the bot stopped: their DM went out and is noted.
            Assert.NotNull(await bot.Store.MarkMentorAsync("UMENTOR1", MentorMark.CheckInSent, Friday));
            world.Slack.Clear();
        }
        finally
        {
            await bot.DisposeAsync();
        }

        world.Clock.SetUtcNow(Friday.AddMinutes(30));
        await using var again = await world.StartBotAsync(Settings());
        await WaitUntil(() => CheckIn(again).Rounds == 1);
        await again.IdleAsync();
        Assert.Single(CheckIns(world.Slack, "UMENTOR2"));
        Assert.Empty(CheckIns(world.Slack, "UMENTOR1"));
    }

    [Fact]
    public async Task ACheckInDueInQuietHours_WaitsForTheirEnd()
    {
        await using var bot = await MentorBot.StartAsync(Settings(("Mentorship:CheckIn", "Friday 23:00"), ("Mentorship:Schedule:QuietHours", "22:00-07:00")));
        await TwoClaimsAsync(bot);
        bot.Slack.Clear();

        var saturdaySeven = new DateTimeOffset(2026, 11, 7, 7, 0, 0, TimeSpan.Zero);
        await WaitUntil(() => CheckIn(bot).NextDueAt == saturdaySeven);
        bot.Clock.SetUtcNow(Friday.Date.AddHours(23));
        await Task.Delay(50);
        Assert.Empty(CheckIns(bot.Slack, "UMENTOR1"));

        await RunRoundAsync(bot, saturdaySeven);
        Assert.Single(CheckIns(bot.Slack, "UMENTOR1"));
    }

    [Fact]
    public async Task CheckIn_Off_SetsNoTimer_AndSendsNothing()
    {
        await using var bot = await MentorBot.StartAsync(Settings(("Mentorship:CheckIn", "off")));
        await TwoClaimsAsync(bot);
        bot.Slack.Clear();
        bot.Clock.Advance(TimeSpan.FromDays(8));
        await bot.IdleAsync();
        Assert.Null(CheckIn(bot).NextDueAt);
        Assert.Empty(CheckIns(bot.Slack, "UMENTOR1"));
    }

    [Fact]
    public async Task OnTrack_IsShownInTheCheckIn_AndPutsBackTheStuckClaimReport()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        var (a, b) = await TwoClaimsAsync(bot);
        await bot.SweepAsync();
        await RunRoundAsync(bot, Friday);
        var dm = Assert.Single(CheckIns(bot.Slack, "UMENTOR1"));
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(CheckInMessage.OnTrack, a.Reference, "UMENTOR1", "DUMENTOR1", "1700000100.000001")));

        // The DM is redrawn in place: a's answer shows, b still has its buttons.
        var redraw = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(("DUMENTOR1", "1700000100.000001"), (redraw["channel"], redraw["ts"]));
        Assert.Contains("*On track.*", redraw.AllText);
        var ids = Seeding.Elements(redraw.Body["blocks"]).Select(e => (e["action_id"]!.ToString(), e["value"]!.ToString())).ToList();
        Assert.DoesNotContain((CheckInMessage.OnTrack, a.Reference), ids);
        Assert.Contains((RequestButtons.SessionDone, a.Reference), ids);
        Assert.Contains((CheckInMessage.OnTrack, b.Reference), ids);
        var tracked = await bot.TrackedAsync(a);
        Assert.Equal((Friday, CheckInAnswer.OnTrack), (tracked.Session.CheckedInAt, (CheckInAnswer?)tracked.Session.CheckIn));
        Assert.Equal(Friday, (await bot.Store.GetMentorAsync("UMENTOR1"))!.Standing.CheckInAnsweredAt);

        // Claimed on Monday with StuckClaimAfter 7 days: b is reported stuck next Monday, a (on track on Friday) not until Friday.
        static List<SlackCall> Stuck(MentorBot bot, MentorRequest r) =>
            bot.Slack.DmsTo(MentorBot.Coordinator).Where(c => c.AllText.Contains("looks stuck") && c.AllText.Contains(r.Reference)).ToList();
        bot.Clock.SetUtcNow(Friday.AddDays(3).AddHours(1));
        await bot.SweepAsync();
        Assert.Single(Stuck(bot, b));
        Assert.Empty(Stuck(bot, a));

        bot.Clock.SetUtcNow(Friday.AddDays(7).AddMinutes(1));
        await bot.SweepAsync();
        Assert.Single(Stuck(bot, a));
    }

    [Fact]
    public async Task NeedHelp_AsksForALine_WhichReachesEveryCoordinator_AndTheMentorIsThanked()
    {
        await using var bot = await MentorBot.StartAsync(Settings(("Mentorship:Coordinators:0", $"{MentorBot.Coordinator},UCOORD02")));
        var (a, _) = await TwoClaimsAsync(bot);
        await RunRoundAsync(bot, Friday);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(CheckInMessage.NeedHelp, a.Reference, "UMENTOR1", "DUMENTOR1", "1700000100.000001")));
        var modal = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal(NeedHelpAction.CallbackId, modal.Body["view"]!["callback_id"]!.ToString());
        Assert.Contains(a.Reference, modal.AllText);
        var metadata = modal.Body["view"]!["private_metadata"]!.ToString();

        JsonObject Submission(string line)
        {
            var payload = SlackRequests.ViewSubmission(NeedHelpAction.CallbackId, "UMENTOR1", (NeedHelpAction.LineBlock, line));
            payload["view"]!["private_metadata"] = metadata;
            return payload;
        }

        // Too short: the modal says so and nothing is sent.
        var refused = await (await bot.SendAsync(bot.Requests.Interaction(Submission("?")))).AckAsync();
        Assert.Equal("errors", refused["response_action"]!.ToString());
        Assert.Contains("between", refused["errors"]![NeedHelpAction.LineBlock]!.ToString());
        Assert.Empty(bot.Slack.DmsTo(MentorBot.Coordinator));

        await bot.SendAsync(bot.Requests.Interaction(Submission("They haven't answered my DMs for a week.")));

        foreach (var coordinator in new[] { MentorBot.Coordinator, "UCOORD02" })
        {
            var note = Assert.Single(bot.Slack.DmsTo(coordinator));
            Assert.Contains("haven't answered my DMs for a week", note.AllText);
            Assert.Contains("<@UMENTOR1>", note.AllText);
            Assert.Contains(a.Reference, note.AllText);
        }
        Assert.Contains(bot.Slack.EphemeralsTo("UMENTOR1"), c => c.Text.Contains("sent your note to the mentor coordinators"));
        var redraw = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal("1700000100.000001", redraw["ts"]);
        Assert.Contains("*Need help.*", redraw.AllText);
        Assert.Equal(CheckInAnswer.NeedHelp, (await bot.TrackedAsync(a)).Session.CheckIn);
    }

    [Fact]
    public async Task Done_InTheCheckIn_IsSessionDone()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        var (a, _) = await TwoClaimsAsync(bot);
        await RunRoundAsync(bot, Friday);
        var done = Seeding.Elements(Assert.Single(CheckIns(bot.Slack, "UMENTOR1")).Body["blocks"])
            .Single(e => e["value"]?.ToString() == a.Reference && e["text"]!["text"]!.ToString() == "Done");
        bot.Slack.Clear();

        // Pressed exactly as sent: the Session done path takes it (marking it done, or opening its report form).
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(done["action_id"]!.ToString(), done["value"]!.ToString(), "UMENTOR1", "DUMENTOR1")));

        var status = (await bot.TrackedAsync(a)).Request.Status;
        Assert.True(status == RequestStatus.Completed || bot.Slack.CallsTo("views.open").Count == 1,
            $"Done should do what Session done does; the request is {status} and no form opened.");
    }

    [Fact]
    public async Task OnTrack_OnARequestNoLongerTheirs_ChangesNothing_AndSaysWhy()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        var (a, _) = await TwoClaimsAsync(bot);
        await bot.ClickAsync(RequestButtons.Release, a, "UMENTOR1");
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(CheckInMessage.OnTrack, a.Reference, "UMENTOR1", "DUMENTOR1", "1700000100.000001")));

        Assert.Contains(bot.Slack.EphemeralsTo("UMENTOR1"), c => c.Text.Contains("isn't with you any more"));
        Assert.Empty(bot.Slack.CallsTo("chat.update"));
        Assert.Null((await bot.TrackedAsync(a)).Session.CheckedInAt);
    }
}
