using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OperationCodeMentor.Features.Admin;
using OperationCodeMentor.Features.FollowUp;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Scheduling;

/// <summary>Settings and helpers for driving the follow-up ladder through the real bot.</summary>
internal static class FollowUpKit
{
    public const string Escalation = "UESCAL01";

    /// <summary>
    /// A ladder measured in seconds: bumps at 10 s, 30 s and 50 s, the coordinators at 30 s, escalation at 100 s; a
    /// claimed request nudges its mentor at 15 s and is reported stuck at 45 s. The timer's interval is an hour so
    /// that tests decide when sweeps run.
    /// </summary>
    public static Dictionary<string, string?> Fast(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mentorship:Schedule:FirstBumpAfter"] = "00:00:10",
            ["Mentorship:Schedule:BumpEvery"] = "00:00:20",
            ["Mentorship:Schedule:MaxBumps"] = "3",
            ["Mentorship:Schedule:NotifyCoordinatorsAfter"] = "00:00:30",
            ["Mentorship:Schedule:EscalateAfter"] = "00:01:40",
            ["Mentorship:Schedule:NudgeMentorAfter"] = "00:00:15",
            ["Mentorship:Schedule:StuckClaimAfter"] = "00:00:45",
            ["Mentorship:Schedule:SweepInterval"] = "01:00:00",
            ["Mentorship:EscalationContacts:0"] = Escalation,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    public static FollowUpSweeper Sweeper(this MentorBot bot) => bot.Services.GetRequiredService<FollowUpSweeper>();

    /// <summary>Runs one sweep and waits until it, any timer-driven sweep, and the work they started have finished.</summary>
    public static async Task<SweepReport> SweepAsync(this MentorBot bot)
    {
        var sweeper = bot.Sweeper();
        var report = await sweeper.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await sweeper.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await bot.IdleAsync();
        return report;
    }

    public static Task<SweepReport> AdvanceAndSweepAsync(this MentorBot bot, TimeSpan by)
    {
        bot.Clock.Advance(by);
        return bot.SweepAsync();
    }

    public static async Task<TrackedRequest> TrackedAsync(this MentorBot bot, MentorRequest r) =>
        (await bot.Store.GetRequestAsync(r.Reference))!;

    /// <summary>Every bump of the request: replies in its thread that also go to the channel.</summary>
    public static List<SlackCall> Bumps(this FakeSlack slack, MentorRequest r) =>
        slack.CallsTo("chat.postMessage").Where(c => c["thread_ts"] == r.MessageTs && c.Text.Contains("still waiting for a mentor")).ToList();

    public static List<SlackCall> DmsTo(this FakeSlack slack, string user) =>
        slack.CallsTo("chat.postMessage").Where(c => c["channel"] == "D" + user).ToList();

    /// <summary>The bot's posts in the group DM it opened for a mentor and a mentee.</summary>
    public static List<SlackCall> GroupDmOf(this FakeSlack slack, string mentor, string mentee) =>
        slack.CallsTo("chat.postMessage").Where(c => c["channel"] == FakeSlack.GroupDmId(mentor, mentee)).ToList();

    public static List<SlackCall> EphemeralsTo(this FakeSlack slack, string user) =>
        slack.CallsTo("chat.postEphemeral").Where(c => c["user"] == user).ToList();

    /// <summary>Every action_id of the interactive elements in a message.</summary>
    public static List<string> ActionIds(this SlackCall call) =>
        (call.Body["blocks"] as JsonArray ?? []).SelectMany(b => b?["elements"] as JsonArray ?? [])
            .Select(e => e?["action_id"]?.ToString()).OfType<string>().ToList();

    /// <summary>Presses a button in the presser's DM with the bot (or in <paramref name="channel"/>).</summary>
    public static Task<HttpResponseMessage> PressAsync(this MentorBot bot, string actionId, string reference, string user, string? channel = null) =>
        bot.SendAsync(bot.Requests.Interaction(SlackRequests.BlockAction(actionId, reference, user, channel ?? "D" + user, "1.000001")));

    /// <summary>Picks <paramref name="mentor"/> in the "Assign to…" list of a follow-up DM about <paramref name="r"/> as it was when the DM went out.</summary>
    public static Task<HttpResponseMessage> AssignAsync(this MentorBot bot, MentorRequest r, string mentor, string by)
    {
        var payload = SlackRequests.BlockAction(AssignAction.Id, "", by, "D" + by, "1.000001");
        payload["actions"] = new JsonArray(new JsonObject
        {
            ["action_id"] = AssignAction.Id,
            ["block_id"] = CoordinatorButtons.For(r)["block_id"]!.ToString(),
            ["type"] = "users_select",
            ["selected_user"] = mentor,
            ["action_ts"] = "1.2",
        });
        return bot.SendAsync(bot.Requests.Interaction(payload));
    }

    /// <summary>Submits a coordinator's one-question modal for the request, as opened from a follow-up DM.</summary>
    public static Task<HttpResponseMessage> SubmitCoordinatorModalAsync(this MentorBot bot, string callbackId, MentorRequest r, string user, string text)
    {
        var payload = SlackRequests.ViewSubmission(callbackId, user, (CoordinatorModal.TextBlock, text));
        payload["view"]!["private_metadata"] = JsonSerializer.Serialize(new CoordinatorModal.Metadata(r.Reference, null, false));
        return bot.SendAsync(bot.Requests.Interaction(payload));
    }

    /// <summary>
    /// Presses Session done in the mentor's DM, checks the report modal opened, and files the report through it (with the
    /// modal's own private_metadata, as Slack sends it back).
    /// </summary>
    public static async Task<HttpResponseMessage> FileReportAsync(this MentorBot bot, string reference, string mentor,
        string covered = "Reviewed their project and talked through next steps.", string? goals = null, string wish = "none", string? forCoordinators = null)
    {
        var before = bot.Slack.CallsTo("views.open").Count;
        await bot.PressAsync(SessionDoneAction.Id, reference, mentor);
        var opened = Assert.Single(bot.Slack.CallsTo("views.open").Skip(before));
        return await bot.SubmitReportAsync(opened, mentor, covered, goals, wish, forCoordinators);
    }

    /// <summary>Submits the report modal Slack was asked to open in <paramref name="opened"/>, as <paramref name="user"/>.</summary>
    public static Task<HttpResponseMessage> SubmitReportAsync(this MentorBot bot, SlackCall opened, string user,
        string covered, string? goals = null, string wish = "none", string? forCoordinators = null)
    {
        var view = opened.Body["view"]!;
        Assert.Equal(SessionReportModal.CallbackId, view["callback_id"]!.ToString());
        var payload = SlackRequests.ViewSubmission(SessionReportModal.CallbackId, user,
            (SessionReportModal.CoveredBlock, covered),
            (SessionReportModal.GoalsBlock, goals),
            (SessionReportModal.FollowUpBlock, new SlackRequests.Selected(wish)),
            (SessionReportModal.ForCoordinatorsBlock, forCoordinators));
        payload["view"]!["private_metadata"] = view["private_metadata"]!.ToString();
        return bot.SendAsync(bot.Requests.Interaction(payload));
    }

    /// <summary>Two bots over one store, one fake Slack and one clock: what a restart (or a second process) sees.</summary>
    public sealed class SharedWorld : IAsyncDisposable
    {
        public FakeSlack Slack { get; private init; } = null!;
        public ManualTimeProvider Clock { get; } = new();
        public string DataFolder { get; } = Directory.CreateTempSubdirectory("ocm-followup-").FullName;

        public static async Task<SharedWorld> CreateAsync() => new() { Slack = await FakeSlack.StartAsync() };

        public Task<MentorBot> StartBotAsync(Dictionary<string, string?> settings) =>
            MentorBot.StartAsync(settings, slack: Slack, clock: Clock, dataFolder: DataFolder);

        public async ValueTask DisposeAsync()
        {
            await Slack.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
