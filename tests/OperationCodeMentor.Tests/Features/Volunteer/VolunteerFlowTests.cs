using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.Volunteer;

public class VolunteerFlowTests
{
    private const string Mentor = "UMENTOR1";

    [Fact]
    public async Task Volunteer_OpensAnEmptyModalForSomeoneNew()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", Mentor, triggerId: "trig-v"));
        var open = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Equal("trig-v", open["trigger_id"]);
        Assert.Equal(VolunteerModal.CallbackId, open.Body["view"]!["callback_id"]!.ToString());
        Assert.DoesNotContain("initial_options", open.AllText);
        Assert.Contains("\"initial_value\":\"2\"", open.AllText);
    }

    [Fact]
    public async Task Submit_StoresTheMentorAndDmsASummary_ThenTheModalReopensPrefilled()
    {
        await using var bot = await MentorBot.StartAsync();
        var payload = SlackRequests.ViewSubmission(VolunteerModal.CallbackId, Mentor,
            (VolunteerModal.SkillsBlock, new[] { "Python", "Career Advice" }),
            (VolunteerModal.MaxMenteesBlock, 3),
            (VolunteerModal.BioBlock, "Army signals, now a backend engineer."),
            (VolunteerModal.TimeZoneBlock, "America/Chicago"));
        var response = await bot.SendAsync(bot.Requests.Interaction(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());

        var mentor = await bot.Store.GetMentorAsync(Mentor);
        Assert.NotNull(mentor);
        Assert.Equal(["Python", "Career Advice"], mentor.Skills);
        Assert.Equal(3, mentor.MaxMentees);
        Assert.Equal("America/Chicago", mentor.TimeZone);
        Assert.True(mentor.Active);

        var dm = Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentor);
        Assert.Contains("Python, Career Advice", dm.Text);
        Assert.Contains("*Mentees at once:* 3", dm.Text);
        Assert.Contains("America/Chicago", dm.Text);
        var invite = Assert.Single(bot.Slack.CallsTo("conversations.invite"));
        Assert.Equal(Mentor, invite["users"]);

        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", Mentor));
        var reopened = Assert.Single(bot.Slack.CallsTo("views.open"));
        Assert.Contains("initial_options", reopened.AllText);
        Assert.Contains("\"initial_value\":\"3\"", reopened.AllText);
        Assert.Contains("Army signals", reopened.AllText);
    }

    [Fact]
    public async Task Submit_WhenTheStoreFails_KeepsTheForm_TellsTheMentorItIsDelayed_AndSavesItWhenTheStoreAnswers()
    {
        var outage = new StoreOutage();
        await using var bot = await MentorBot.StartAsync(services: FailingStore.Failing(outage, nameof(IMentorshipStore.SaveMentorAsync)));
        var payload = SlackRequests.ViewSubmission(VolunteerModal.CallbackId, Mentor,
            (VolunteerModal.SkillsBlock, new[] { "Python" }),
            (VolunteerModal.MaxMenteesBlock, 2));
        var response = await bot.Http.SendAsync(bot.Requests.Interaction(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // About a minute of failed attempts: the mentor hears, once, that the form is safe and only delayed.
        await Eventually.TrueAsync(() =>
        {
            bot.Clock.Advance(TimeSpan.FromSeconds(5));
            return bot.Slack.CallsTo("chat.postMessage").Any(c => c["channel"] == "D" + Mentor);
        }, "the mentor to hear their profile is delayed");
        Assert.Equal(SaveMentorJob.SaveDelayed, Assert.Single(bot.Slack.CallsTo("chat.postMessage"), c => c["channel"] == "D" + Mentor).Text);
        Assert.Null(await bot.Store.GetMentorAsync(Mentor));

        outage.Down = false;
        await Eventually.TrueAsync(() =>
        {
            bot.Clock.Advance(TimeSpan.FromSeconds(5));
            return bot.Store.GetMentorAsync(Mentor).Result is not null;
        }, "the profile to be saved once the store answers");
        await bot.IdleAsync();
        Assert.Contains("Thanks for volunteering", bot.Slack.CallsTo("chat.postMessage").Last(c => c["channel"] == "D" + Mentor).Text);
        Assert.Single(bot.Slack.CallsTo("conversations.invite"));
    }

    [Fact]
    public async Task Submit_AgainUpdatesTheSameMentor()
    {
        await using var bot = await MentorBot.StartAsync();
        var first = await bot.VolunteerAsync(Mentor, ["Python"]);
        var second = await bot.VolunteerAsync(Mentor, ["Go"], maxMentees: 1);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(["Go"], second.Skills);
        Assert.Single(await bot.Store.GetMentorLoadsAsync());
    }

    [Theory]
    [InlineData(VolunteerModal.SkillsBlock, "at least one skill")]
    [InlineData(VolunteerModal.MaxMenteesBlock, "between 1 and 10")]
    [InlineData(VolunteerModal.TimeZoneBlock, "time zone name")]
    public async Task Submit_WithAProblem_ShowsItUnderThatField(string block, string message)
    {
        await using var bot = await MentorBot.StartAsync();
        var values = new Dictionary<string, object?>
        {
            [VolunteerModal.SkillsBlock] = new[] { "Python" },
            [VolunteerModal.MaxMenteesBlock] = 2,
            [VolunteerModal.TimeZoneBlock] = "Europe/London",
        };
        values[block] = block switch
        {
            VolunteerModal.SkillsBlock => Array.Empty<string>(),
            VolunteerModal.MaxMenteesBlock => 50,
            _ => "not a zone; DROP TABLE",
        };
        var response = await bot.SendAsync(bot.Requests.Interaction(SlackRequests.ViewSubmission(VolunteerModal.CallbackId, Mentor,
            values.Select(kv => (kv.Key, kv.Value)).ToArray())));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("errors", body["response_action"]!.ToString());
        Assert.Contains(message, body["errors"]![block]!.ToString());
        Assert.Null(await bot.Store.GetMentorAsync(Mentor));
    }

    [Fact]
    public async Task Pause_StopsMentions_AndResumeBringsThemBack()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.VolunteerAsync(Mentor, ["Python"]);

        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", Mentor, "pause", bot.Slack.ResponseUrl("p")));
        Assert.Contains("You're paused", bot.Slack.CallsTo("response_url").Last().Text);
        Assert.True((await bot.Store.GetMentorAsync(Mentor))!.Paused);
        var whilePaused = await bot.RequestAsync("UMENTEE1", ["Python"]);
        Assert.Empty(whilePaused.MentionedMentors);

        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", Mentor, "resume", bot.Slack.ResponseUrl("r")));
        Assert.Contains("Welcome back", bot.Slack.CallsTo("response_url").Last().Text);
        var afterResume = await bot.RequestAsync("UMENTEE2", ["Python"]);
        Assert.Equal([Mentor], afterResume.MentionedMentors);
    }

    [Fact]
    public async Task Pause_BeforeEnrolling_PointsToTheForm()
    {
        await using var bot = await MentorBot.StartAsync();
        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", "UNOBODY", "pause", bot.Slack.ResponseUrl()));
        Assert.Contains("not enrolled", bot.Slack.CallsTo("response_url").Single().Text);
    }

    [Theory]
    [InlineData("help", "pause")]
    [InlineData("dance", "didn't understand")]
    public async Task Help_AndUnknownWords_AnswerEphemerally(string text, string expected)
    {
        await using var bot = await MentorBot.StartAsync();
        var response = await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", Mentor, text));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("ephemeral", body["response_type"]!.ToString());
        Assert.Contains(expected, body["text"]!.ToString());
        Assert.Empty(bot.Slack.CallsTo("views.open"));
    }
}
