using System.Text.Json.Nodes;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features.RequestMentor;

/// <summary>Slack takes at most 100 options in a select; with more skills than that, every one must still be offered.</summary>
public class LongOptionListTests
{
    private static List<string> OfferedSkills(SlackCall open, string block)
    {
        var input = open.Body["view"]!["blocks"]!.AsArray().OfType<JsonObject>().Single(b => b["block_id"]?.ToString() == block);
        var element = input["element"]!.AsObject();
        Assert.Null(element["options"]);
        var groups = element["option_groups"]!.AsArray();
        Assert.All(groups, g => Assert.InRange(g!["options"]!.AsArray().Count, 1, BlockKitLimits.Options));
        return groups.SelectMany(g => g!["options"]!.AsArray()).Select(o => o!["value"]!.ToString()).ToList();
    }

    [Fact]
    public async Task VolunteerForm_With150MoreSkills_OffersThemAllInGroups_AndAcceptsOneFromTheLastGroup()
    {
        await using var bot = await MentorBot.StartAsync();
        var extra = Seeding.ManySkills(150);
        await bot.AddSkillsAsync(extra);
        var all = (await bot.Store.GetOptionListsAsync()).Skillsets;
        Assert.True(all.Count > 150);

        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", "UMENTOR1"));

        var open = Assert.Single(bot.Slack.CallsTo("views.open"));
        BlockKitLimits.AssertAll(bot.Slack.Calls);
        var offered = OfferedSkills(open, VolunteerModal.SkillsBlock);
        Assert.Equal(all.Order(StringComparer.OrdinalIgnoreCase), offered);

        var last = offered[^1];
        var mentor = await bot.VolunteerAsync("UMENTOR1", ["Python", last]);
        Assert.Equal(["Python", last], mentor.Skills);

        // Reopened pre-filled, the chosen skills are selected wherever they sit in the groups.
        bot.Slack.Clear();
        await bot.SendAsync(bot.Requests.Command("/mentor-volunteer", "UMENTOR1"));
        var again = Assert.Single(bot.Slack.CallsTo("views.open"));
        BlockKitLimits.AssertAll(bot.Slack.Calls);
        var initial = again.Body["view"]!["blocks"]!.AsArray().OfType<JsonObject>().Single(b => b["block_id"]?.ToString() == VolunteerModal.SkillsBlock)["element"]!["initial_options"]!.AsArray();
        Assert.Equal(["Python", last], initial.Select(o => o!["value"]!.ToString()));
    }

    [Fact]
    public async Task RequestForm_OpenedAgainAfterASkillIsAdded_OffersTheNewSkill()
    {
        // The forms' choices are built once per list and reused; a list that changes is a new list.
        await using var bot = await MentorBot.StartAsync();
        await bot.SendAsync(bot.Requests.Command("/mentor", "UMENTEE1"));
        var before = Skills(Assert.Single(bot.Slack.CallsTo("views.open")));
        Assert.DoesNotContain("Zig Compilers", before);

        await bot.AddSkillsAsync(["Zig Compilers"]);
        bot.Slack.Clear();
        await bot.SendAsync(bot.Requests.Command("/mentor", "UMENTEE2"));
        var after = Skills(Assert.Single(bot.Slack.CallsTo("views.open")));
        Assert.Equal([.. before, "Zig Compilers"], after);

        static List<string> Skills(SlackCall open) => open.Body["view"]!["blocks"]!.AsArray().OfType<JsonObject>()
            .Single(b => b["block_id"]?.ToString() == RequestModal.SkillsBlock)["element"]!["options"]!.AsArray()
            .Select(o => o!["value"]!.ToString()).ToList();
    }

    [Fact]
    public async Task RequestForm_With150MoreSkills_OffersThemAll_AndARequestForALateOneIsMatched()
    {
        await using var bot = await MentorBot.StartAsync();
        var extra = Seeding.ManySkills(150);
        await bot.AddSkillsAsync(extra);
        await bot.VolunteerAsync("UMENTOR1", [extra[^1]]);
        bot.Slack.Clear();

        await bot.SendAsync(bot.Requests.Command("/mentor", "UMENTEE1"));

        var open = Assert.Single(bot.Slack.CallsTo("views.open"));
        BlockKitLimits.AssertAll(bot.Slack.Calls);
        Assert.Contains(extra[^1], OfferedSkills(open, RequestModal.SkillsBlock));
        var request = await bot.RequestAsync("UMENTEE1", [extra[^1]]);
        Assert.Equal(["UMENTOR1"], request.MentionedMentors);
    }
}
