using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>
/// The bot on a fake of the base Operation Code runs, set up the way a coordinator would: <c>airtable init</c> adds the
/// bot's own fields and nothing else, <c>airtable check</c> passes, the bot starts, and a whole mentorship runs through
/// signed HTTP requests. Every step is checked by reading the records back from the base, in the base's own types.
/// </summary>
public sealed class AirtableOperationCodeBaseFlowTests
{
    private const string Mentee = "UMENTEE1";
    private const string Inactive = "USAMSMITH";
    private const string Invalid = "UTESTMENTOR2";

    private static async Task<int> CliAsync(FakeAirtableHarness airtable, string verb, StringWriter output) =>
        await AirtableCli.RunAsync(new ConfigurationBuilder().AddInMemoryCollection(airtable.BotSettings()).Build(), [verb], output);

    private static JsonNode? Field(FakeTable table, string id, string field) => table.Value(table.Records.Single(r => r.Id == id), field);

    private static string? Text(FakeTable table, string id, string field) => Field(table, id, field)?.GetValue<string>();

    private static List<string> Links(FakeTable table, string id, string field) =>
        Field(table, id, field) is JsonArray a ? a.Select(n => n!.GetValue<string>()).ToList() : [];

    [Fact]
    public async Task OnOperationCodesBase_AWholeMentorshipRuns_AndEveryFieldIsWrittenInTheBasesOwnType()
    {
        // ---- set-up: init adds the bot's fields only, then check passes ----
        await using var airtable = await FakeAirtableHarness.StartAsync(layOut: false);
        airtable.Base.LayOutLikeOperationCode();
        var before = airtable.Base.Tables.SelectMany(t => t.Fields.Select(f => (t.Name, f.Name, f.Type))).ToList();
        var output = new StringWriter();
        Assert.Equal(0, await CliAsync(airtable, "init", output));
        Assert.Equal(0, await CliAsync(airtable, "check", output));
        var after = airtable.Base.Tables.SelectMany(t => t.Fields.Select(f => (t.Name, f.Name, f.Type))).ToList();
        Assert.Empty(before.Except(after));
        var bots = AirtableSchema.Expected(airtable.StoreOptions).SelectMany(t => t.Fields.Select(f => (t.Name, f.Name))).ToHashSet();
        Assert.All(after.Except(before), added => Assert.Contains((added.Item1, added.Item2), bots));
        Assert.Equal(68, after.Count - before.Count);

        // Coordinators give the Pybot mentors who know Python a Slack ID: one inactive, one the base marks invalid.
        var sam = airtable.Mentors.GiveSlackId("sam.smith", Inactive);
        airtable.Mentors.GiveSlackId("test-mentor-two", Invalid);
        var skillsets = airtable.Table("Skillsets");
        var python = skillsets.Records.First(r => r.Text("Name") == "Python").Id;
        var veteran = airtable.Table("Affiliations").Find("Name", "Veteran")!.Id;

        await using var bot = await MentorBot.StartAsync(new(airtable.BotSettings().Concat(FollowUpKit.Fast())));

        // ---- enrol: /mentor-volunteer, then the form ----
        await bot.SendAsync(bot.Requests.Command(VolunteerCommand.Name, "UMENTOR1"));
        var form = Assert.Single(bot.Slack.CallsTo("views.open")).AllText;
        Assert.Contains("Python", form, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeAirtablePybotBase.TestRow, form, StringComparison.Ordinal);
        var mentor1 = await bot.VolunteerAsync("UMENTOR1", ["Python"]);
        var mentor2 = await bot.VolunteerAsync("UMENTOR2", ["Python"]);

        Assert.Equal("True", Text(airtable.Mentors, mentor1.Id, "Active"));
        Assert.Equal([python], Links(airtable.Mentors, mentor1.Id, "Skills"));
        Assert.Contains(mentor1.Id, Links(skillsets, python, "Mentors"));
        Assert.Equal(2, Field(airtable.Mentors, mentor1.Id, "Max Mentees")!.GetValue<double>());
        Assert.Equal("valid", Text(airtable.Mentors, mentor1.Id, "Valid"));
        Assert.Equal("invalid", airtable.Mentors.Value(airtable.Mentors.Find("Slack User ID", Invalid)!, "Valid")!.GetValue<string>());

        // ---- request: /mentor, then the form; the card mentions the active, valid mentors only ----
        await bot.SendAsync(bot.Requests.Command(MentorCommand.Name, Mentee));
        Assert.DoesNotContain(FakeAirtablePybotBase.TestRow, bot.Slack.CallsTo("views.open")[^1].AllText, StringComparison.Ordinal);
        var request = await bot.RequestAsync(Mentee, ["Python"], service: "General Guidance - Slack Chat", affiliation: "Veteran");
        var row = AirtableSamples.Row(airtable, request).Id;

        Assert.Equal("General Guidance - Slack Chat", Text(airtable.Requests, row, "Service"));
        Assert.Equal([veteran], Links(airtable.Requests, row, "Affiliation"));
        Assert.Contains(row, Links(airtable.Table("Affiliations"), veteran, "Mentor Requests"));
        Assert.Equal([python], Links(airtable.Requests, row, "Skillsets Requested"));
        Assert.Contains(row, Links(skillsets, python, "Mentor Requests"));
        Assert.Equal(("open", "R-1001", request.MessageTs), (Text(airtable.Requests, row, "Status"), Text(airtable.Requests, row, "Reference"),
            Text(airtable.Requests, row, "Slack Message TS")));
        var card = Assert.Single(bot.Slack.Messages, m => m.Channel == MentorBot.MentorsChannelId).Body["blocks"]![0]!["text"]!["text"]!.ToString();
        Assert.EndsWith("Matching mentors: <@UMENTOR1> <@UMENTOR2>", card, StringComparison.Ordinal);

        // ---- a follow-up step: nobody claims within ten seconds, so the request is bumped ----
        await bot.SweepAsync();
        await bot.AdvanceAndSweepAsync(TimeSpan.FromSeconds(10));
        Assert.Single(bot.Slack.Bumps(request));
        Assert.Equal(1, Field(airtable.Requests, row, "Bump Count")!.GetValue<double>());
        Assert.NotNull(Text(airtable.Requests, row, "Last Bump At"));

        // ---- claim: Claimed checked, Claimed By a link to the mentor's record, Claimed On ----
        var claimedAt = bot.Clock.GetUtcNow();
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

        Assert.True(Field(airtable.Requests, row, "Claimed")!.GetValue<bool>());
        Assert.Equal([mentor1.Id], Links(airtable.Requests, row, "Claimed By"));
        Assert.Equal(OperationCodeMentor.Airtable.AirtableRecord.FormatTime(claimedAt), Text(airtable.Requests, row, "Claimed On"));
        Assert.Equal(("claimed", "UMENTOR1"), (Text(airtable.Requests, row, "Status"), Text(airtable.Requests, row, "Claimed By Slack ID")));
        Assert.Contains(row, Links(airtable.Mentors, mentor1.Id, "Mentees Worked With"));
        Assert.DoesNotContain(row, Links(airtable.Mentors, sam.Id, "Mentees Worked With"));

        // ---- release: Reset By (a text field: the mentor's name), Reset On, Reset Count; the claim undone ----
        bot.Clock.Advance(TimeSpan.FromMinutes(5));
        var releasedAt = bot.Clock.GetUtcNow();
        await bot.ClickAsync(RequestButtons.Release, request, "UMENTOR1");

        Assert.Null(Field(airtable.Requests, row, "Claimed"));
        Assert.Empty(Links(airtable.Requests, row, "Claimed By"));
        Assert.DoesNotContain(row, Links(airtable.Mentors, mentor1.Id, "Mentees Worked With"));
        Assert.Equal(("umentor1", OperationCodeMentor.Airtable.AirtableRecord.FormatTime(releasedAt)),
            (Text(airtable.Requests, row, "Reset By"), Text(airtable.Requests, row, "Reset On")));
        Assert.Equal(1, Field(airtable.Requests, row, "Reset Count")!.GetValue<double>());
        Assert.Equal("open", Text(airtable.Requests, row, "Status"));

        // ---- another mentor claims; the session is done; the mentee asks for another mentor ----
        await bot.ClickAsync(RequestButtons.Claim, request, "UMENTOR2");
        Assert.Equal([mentor2.Id], Links(airtable.Requests, row, "Claimed By"));
        await bot.FileReportAsync(request.Reference, "UMENTOR2");
        await bot.PressAsync(AnotherMentorAction.Id, request.Reference, Mentee);

        Assert.Equal(("completed", "another_mentor"), (Text(airtable.Requests, row, "Status"), Text(airtable.Requests, row, "Feedback")));
        var followUp = Assert.Single(airtable.Requests.Records, r => Links(airtable.Requests, r.Id, "Follow-up Of").Contains(row));
        Assert.Equal("General Guidance - Slack Chat", Text(airtable.Requests, followUp.Id, "Service"));
        Assert.Equal([veteran], Links(airtable.Requests, followUp.Id, "Affiliation"));
        Assert.Equal(("open", "R-1002"), (Text(airtable.Requests, followUp.Id, "Status"), Text(airtable.Requests, followUp.Id, "Reference")));

        // ---- stats: from the records the bot wrote, Pybot's history not counted ----
        await bot.SendAsync(bot.Requests.Command(AdminCommand.Name, MentorBot.Coordinator, "stats 1", responseUrl: bot.Slack.ResponseUrl()));
        var stats = bot.Slack.CallsTo("response_url").Single().AllText;
        Assert.Contains("*2 requests*", stats, StringComparison.Ordinal);
        Assert.Contains("*Sessions done:* 1", stats, StringComparison.Ordinal);
        Assert.Contains("*Re-pairs:* 1", stats, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APybotRequestClaimedByTwoMentors_ReadsAsClaimed_ByTheOneWithASlackId()
    {
        await using var airtable = await FakeAirtableHarness.StartAsync(likeOperationCode: true);
        airtable.Mentors.GiveSlackId("jane.doe", "UJANEDOE");
        // A coordinator brings Pybot's request to the bot by giving it a reference.
        airtable.Requests.Update(airtable.Requests.Find("Slack Name", "mentee-one")!, new JsonObject { ["Reference"] = "R-900" });

        var read = (await airtable.Store.RequestAsync("R-900"))!;

        Assert.Equal((RequestStatus.Claimed, "UJANEDOE"), (read.Status, read.ClaimedBy));
        Assert.Equal("General Guidance - Slack Chat", read.Service);
        Assert.Equal("Veteran, Military Spouse", read.Affiliation);
        Assert.Equal(["Python", "Career Advice"], read.Skills);
        Assert.Equal(Refusal.AlreadyClaimed, (await airtable.Store.TryClaimAsync("R-900", "UMENTOR1", AirtableSamples.T0))!.Refused);
    }
}
