using System.Globalization;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Features.Sessions;

namespace OperationCodeMentor.Tests.Features.Home;

/// <summary>App Home on the Airtable store, where every read is an HTTP request against the base's rate limit.</summary>
public sealed class AppHomeOnAirtableTests
{
    [Fact]
    public async Task Mentor_WithManyClaims_OpensHome_InAsManyAirtableRequestsAsWithOne_AndSeesTheSessionTimeSet()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync();
        await using var bot = await MentorBot.StartAsync(new(airtable.BotSettings()) { ["Mentorship:Schedule:SweepInterval"] = "01:00:00" });
        await bot.VolunteerAsync("UMENTORONE", ["Python"], maxMentees: 5);
        await bot.VolunteerAsync("UMENTORMANY", ["Python"], maxMentees: 5);
        await bot.ClickAsync(RequestButtons.Claim, await bot.RequestAsync("UMENTEE0", ["Python"]), "UMENTORONE");
        var many = new List<MentorRequest>();
        for (var i = 1; i <= 4; i++)
        {
            var request = await bot.RequestAsync($"UMENTEE{i}", ["Python"]);
            await bot.ClickAsync(RequestButtons.Claim, request, "UMENTORMANY");
            many.Add(request);
        }
        Assert.Empty(await bot.SetSessionTimeAsync(many[2], "UMENTEE3", "2026-11-02", "17:00"));
        var at = new DateTimeOffset(2026, 11, 2, 17, 0, 0, TimeSpan.Zero);

        // Once each first, so what is cached for everyone (option lists, the wait history) is not counted below.
        await OpenHomeAsync(bot, airtable, "UMENTORONE");
        await OpenHomeAsync(bot, airtable, "UMENTORMANY");
        var (one, _) = await OpenHomeAsync(bot, airtable, "UMENTORONE");
        var (four, text) = await OpenHomeAsync(bot, airtable, "UMENTORMANY");

        Assert.All(many, r => Assert.Contains($"*{r.Reference}*", text));
        Assert.Contains("Session: <!date^" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "^", text);
        Assert.DoesNotContain(four, c => c.Method == "GET" && c.Path.Contains("/rec", StringComparison.Ordinal));
        Assert.Equal(one.Count, four.Count);
    }

    /// <summary>The Airtable requests one opening of the Home tab made, and the text of the view published.</summary>
    private static async Task<(List<FakeAirtableCall> Calls, string Text)> OpenHomeAsync(MentorBot bot, FakeAirtableHarness airtable, string user)
    {
        airtable.Fake.ClearCalls();
        var before = bot.Slack.CallsTo("views.publish").Count;
        (await bot.SendAsync(bot.Requests.Event(SlackRequests.AppHomeOpened(user)))).EnsureSuccessStatusCode();
        var publish = Assert.Single(bot.Slack.CallsTo("views.publish").Skip(before));
        Assert.Equal(user, publish["user_id"]);
        return (airtable.Fake.Calls.ToList(), publish.AllText);
    }
}
