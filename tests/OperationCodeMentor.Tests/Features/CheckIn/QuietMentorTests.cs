using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.CheckIn;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Features.CheckIn;

public class QuietMentorTests
{
    internal static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mentorship:QuietMentorMentions"] = "5",
            ["Mentorship:QuietMentorAnswerWithin"] = "7.00:00:00",
            // Looks run when the test says (a day's timer would also run them; repeated looks ask and pause once).
            ["Mentorship:QuietMentorCheckEvery"] = "1.00:00:00",
            ["Mentorship:MaxOpenRequestsPerMentee"] = "0",
            ["Mentorship:MaxRequestsPer30Days"] = "0",
            ["Mentorship:Schedule:SweepInterval"] = "01:00:00",
            // No bumps in the channel, where the tests read each new card.
            ["Mentorship:Schedule:MaxBumps"] = "0",
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    internal static async Task<int> LookAsync(MentorBot bot)
    {
        var steps = await bot.Services.GetRequiredService<QuietMentorWatch>().RunOnceAsync();
        await bot.IdleAsync();
        return steps;
    }

    internal static List<SlackCall> Questions(FakeSlack slack, string user) =>
        slack.DmsTo(user).Where(c => c.Text == "Are you still up for mentoring?").ToList();

    private static List<SlackCall> PauseNotices(FakeSlack slack, string user) =>
        slack.DmsTo(user).Where(c => c.Text.Contains("I've paused your mentions")).ToList();

    private static int _mentees;

    internal static async Task<List<MentorRequest>> RequestsAsync(MentorBot bot, int count)
    {
        var made = new List<MentorRequest>();
        for (var i = 0; i < count; i++)
        {
            bot.Clock.Advance(TimeSpan.FromMinutes(10));
            made.Add(await bot.RequestAsync($"UMENTEE{Interlocked.Increment(ref _mentees):D4}", ["Python"]));
        }
        return made;
    }

    private static Task<HttpResponseMessage> AnswerAsync(MentorBot bot, string actionId, string mentor) =>
        bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(actionId, mentor, mentor, "D" + mentor, "1700000200.000001")));

    [Fact]
    public async Task WithARuleOfOneRequest_TheQuestionSpeaksOfThatRequest()
    {
        await using var bot = await MentorBot.StartAsync(Settings(("Mentorship:QuietMentorMentions", "1")));
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await RequestsAsync(bot, 1);

        Assert.Equal(1, await LookAsync(bot));

        Assert.Contains("You were @mentioned on the last request that matched your skills without taking it.", Assert.Single(Questions(bot.Slack, "UMENTOR1")).AllText);
    }

    [Fact]
    public async Task AMentorMentionedOnFiveRequestsWithoutClaimingOne_IsAskedOnce_AndYesKeepsThemOn()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        var first = await RequestsAsync(bot, 4);
        Assert.All(first, r => Assert.Contains("UMENTOR1", r.MentionedMentors));
        await bot.ClickAsync(RequestButtons.Claim, first[2], "UMENTOR2");
        Assert.Equal(0, await LookAsync(bot));

        await RequestsAsync(bot, 1);
        Assert.Equal(1, await LookAsync(bot));

        // Mentioned on all five, UMENTOR2 claimed one of them; UMENTOR1 is asked, once.
        var question = Assert.Single(Questions(bot.Slack, "UMENTOR1"));
        Assert.Contains("last 5 requests", question.AllText);
        Assert.Equal([QuietMessages.Yes, QuietMessages.PauseMe], question.ActionIds());
        Assert.Empty(Questions(bot.Slack, "UMENTOR2"));
        Assert.Equal(0, await LookAsync(bot));
        Assert.Single(Questions(bot.Slack, "UMENTOR1"));
        Assert.NotNull((await bot.Store.GetMentorAsync("UMENTOR1"))!.Standing.QuietAskedAt);

        // Someone else can't answer for them.
        var stranger = await (await bot.SendAsync(bot.Requests.Interaction(
            SlackRequests.BlockAction(QuietMessages.PauseMe, "UMENTOR1", "UMENTOR2", "DUMENTOR2")))).AckAsync();
        Assert.Contains("This question was for <@UMENTOR1>", stranger["text"]!.ToString());
        Assert.False((await bot.Store.GetMentorAsync("UMENTOR1"))!.Paused);
    }

    [Fact]
    public async Task Yes_KeepsTheMentorOn_AndStartsTheCountAgain()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await RequestsAsync(bot, 5);
        Assert.Equal(1, await LookAsync(bot));
        bot.Slack.Clear();

        await AnswerAsync(bot, QuietMessages.Yes, "UMENTOR1");

        var redraw = Assert.Single(bot.Slack.CallsTo("chat.update"));
        Assert.Equal(("DUMENTOR1", "1700000200.000001"), (redraw["channel"], redraw["ts"]));
        Assert.Contains("Great, thank you!", redraw.AllText);
        Assert.Empty(redraw.ActionIds());
        // A week without a claim after saying yes is no reason to pause them, and four more mentions are not a streak.
        bot.Clock.Advance(TimeSpan.FromDays(8));
        await bot.SweepAsync();
        await RequestsAsync(bot, 4);
        Assert.Equal(0, await LookAsync(bot));
        var mentor = (await bot.Store.GetMentorAsync("UMENTOR1"))!;
        Assert.False(mentor.Paused);
        Assert.Empty(PauseNotices(bot.Slack, "UMENTOR1"));
        Assert.Empty(Questions(bot.Slack, "UMENTOR1"));
        // The fifth is: asked again.
        await RequestsAsync(bot, 1);
        Assert.Equal(1, await LookAsync(bot));
        Assert.Single(Questions(bot.Slack, "UMENTOR1"));
    }

    [Fact]
    public async Task PauseMe_PausesTheMentor_AsVolunteerPauseDoes()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await bot.VolunteerAsync("UMENTOR2", ["Python"]);
        await RequestsAsync(bot, 5);
        await LookAsync(bot);
        bot.Slack.Clear();

        await AnswerAsync(bot, QuietMessages.PauseMe, "UMENTOR1");

        Assert.True((await bot.Store.GetMentorAsync("UMENTOR1"))!.Paused);
        Assert.Contains("/mentor-volunteer resume", Assert.Single(bot.Slack.CallsTo("chat.update")).AllText);
        // Paused mentors are not mentioned.
        var next = Assert.Single(await RequestsAsync(bot, 1));
        Assert.DoesNotContain("UMENTOR1", next.MentionedMentors);
        Assert.Contains("UMENTOR2", next.MentionedMentors);
    }

    [Fact]
    public async Task ACheckInAnswer_StartsTheCountAgain()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"], maxMentees: 5);
        var held = Assert.Single(await RequestsAsync(bot, 1));
        await bot.ClickAsync(RequestButtons.Claim, held, "UMENTOR1");
        await RequestsAsync(bot, 4);
        await bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(CheckInMessage.OnTrack, held.Reference, "UMENTOR1", "DUMENTOR1", "1700000100.000001")));
        await RequestsAsync(bot, 4);
        // Eight mentions since the claim, but only four since the check-in answer.
        Assert.Equal(0, await LookAsync(bot));

        await RequestsAsync(bot, 1);
        Assert.Equal(1, await LookAsync(bot));
        Assert.Single(Questions(bot.Slack, "UMENTOR1"));
    }

    [Fact]
    public async Task NoAnswerWithinSevenDays_PausesTheMentor_TellsThemHowToResume_AndTheCoordinatorsSeeIt()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        await RequestsAsync(bot, 5);
        await LookAsync(bot);
        Assert.Single(Questions(bot.Slack, "UMENTOR1"));

        bot.Clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(0, await LookAsync(bot));
        Assert.False((await bot.Store.GetMentorAsync("UMENTOR1"))!.Paused);

        bot.Clock.Advance(TimeSpan.FromDays(1));
        await LookAsync(bot);
        var mentor = (await bot.Store.GetMentorAsync("UMENTOR1"))!;
        Assert.True(mentor.Paused);
        Assert.NotNull(mentor.Standing.PausedForInactivityAt);
        Assert.Contains("/mentor-volunteer resume", Assert.Single(PauseNotices(bot.Slack, "UMENTOR1")).AllText);
        // Looking again changes nothing: paused once, told once.
        Assert.Equal(0, await LookAsync(bot));
        Assert.Single(PauseNotices(bot.Slack, "UMENTOR1"));

        // /mentor-admin stats and the weekly digest count and name them; the mentor report says what happened.
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats 30", responseUrl: bot.Slack.ResponseUrl("stats")));
        var stats = bot.Slack.CallsTo("response_url").Last().AllText;
        Assert.Contains("*Mentors gone quiet:* 1 asked", stats);
        Assert.Contains("1 paused for no answer", stats);
        Assert.Contains("<@UMENTOR1>", stats);
        bot.Slack.Clear();
        await bot.Services.GetRequiredService<WeeklyDigest>().SendAsync(CancellationToken.None);
        // The follow-up ladder DMs coordinators too as the week passes; only the digest matters here.
        var digest = Assert.Single(bot.Slack.DmsTo(MentorBot.Coordinator), c => c.Text.StartsWith("Weekly mentorship digest", StringComparison.Ordinal)).AllText;
        Assert.Contains("1 paused for no answer", digest);
        Assert.Contains("• <@UMENTOR1>", digest);
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "mentor <@UMENTOR1>", responseUrl: bot.Slack.ResponseUrl("mentor")));
        Assert.Contains("no answer: paused", bot.Slack.CallsTo("response_url").Last().AllText);

        // Yes after the pause lifts it.
        await AnswerAsync(bot, QuietMessages.Yes, "UMENTOR1");
        Assert.False((await bot.Store.GetMentorAsync("UMENTOR1"))!.Paused);
        Assert.Contains("Welcome back", bot.Slack.CallsTo("chat.update").Last().AllText);
    }

    [Fact]
    public async Task Enrolment_AsksForTheCodeOfConductAndTheGuidebook_WhenTheirAddressesAreSet()
    {
        await using var bot = await MentorBot.StartAsync(Settings(
            ("Mentorship:CodeOfConductUrl", "https://example.org/code-of-conduct"),
            ("Mentorship:GuidebookUrl", "https://example.org/guidebook")));
        await bot.SendAsync(bot.Requests.Command(VolunteerCommand.Name, "UMENTOR1", triggerId: "trigger-volunteer"));
        var form = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Contains("<https://example.org/code-of-conduct|Code of Conduct>", form.AllText);
        Assert.Contains("<https://example.org/guidebook|mentor guidebook>", form.AllText);

        Task<HttpResponseMessage> Submit(params string[] ticked) => bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(
            VolunteerModal.CallbackId, "UMENTOR1",
            (VolunteerModal.SkillsBlock, new[] { "Python" }),
            (VolunteerModal.MaxMenteesBlock, 2),
            (VolunteerModal.BioBlock, null),
            (VolunteerModal.TimeZoneBlock, null),
            (VolunteerModal.AgreementsBlock, new SlackRequests.Checked(ticked)))));

        foreach (var ticked in new[] { Array.Empty<string>(), [VolunteerModal.CodeOfConduct] })
        {
            var refused = await (await Submit(ticked)).AckAsync();
            Assert.Equal("errors", refused["response_action"]!.ToString());
            Assert.Contains("Please tick", refused["errors"]![VolunteerModal.AgreementsBlock]!.ToString());
            Assert.Null(await bot.Store.GetMentorAsync("UMENTOR1"));
        }

        (await Submit(VolunteerModal.CodeOfConduct, VolunteerModal.Guidebook)).EnsureSuccessStatusCode();
        var mentor = (await bot.Store.GetMentorAsync("UMENTOR1"))!;
        Assert.True(mentor.Standing.CodeOfConductAccepted);
        Assert.True(mentor.Standing.GuidebookRead);
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "mentor <@UMENTOR1>", responseUrl: bot.Slack.ResponseUrl("mentor")));
        var report = bot.Slack.CallsTo("response_url").Last().AllText;
        Assert.Contains("*Code of Conduct*\\naccepted", report);
        Assert.Contains("*Guidebook*\\nread", report);

        // Opened again, the form shows both ticked.
        await bot.SendAsync(bot.Requests.Command(VolunteerCommand.Name, "UMENTOR1", triggerId: "trigger-volunteer-2"));
        Assert.Contains("initial_options", bot.Slack.CallsTo("views.open").Last().AllText);
    }

    [Fact]
    public async Task Enrolment_AsksForNothingMore_WhenNoAddressIsSet()
    {
        await using var bot = await MentorBot.StartAsync(Settings());
        await bot.SendAsync(bot.Requests.Command(VolunteerCommand.Name, "UMENTOR1", triggerId: "trigger-volunteer"));
        Assert.DoesNotContain(VolunteerModal.AgreementsBlock, Assert.Single(bot.Slack.CallsTo("views.open")).AllText);
        var mentor = await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        Assert.False(mentor.Standing.CodeOfConductAccepted);
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "mentor <@UMENTOR1>", responseUrl: bot.Slack.ResponseUrl("mentor")));
        Assert.Contains("*Code of Conduct*\\nnot accepted", bot.Slack.CallsTo("response_url").Last().AllText);
    }
}
