using System.Diagnostics;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Tests.Fakes;
using Xunit.Abstractions;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>
/// A press on a request (Claim, Release, a session report) in the real bot process, killed with SIGKILL once the store holds
/// the change and while Slack is redrawing the card, so nobody has heard about it yet; then started again over the same
/// data folder. The replay redraws the card once, tells each person once, and leaves the change in the store once.
/// </summary>
public sealed class PressKillRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Mentor = "UKMENTOR1";
    private const string Mentee = "UKMENTEE1";
    private ProcessBot _bot = null!;

    public async Task InitializeAsync() => _bot = await ProcessBot.CreateAsync();

    [Fact]
    public async Task Claim_KilledWhileTheCardIsRedrawn_AfterTheRestart_OneRedrawOneDmEachOneClaim()
    {
        // The pair's group DM was opened before the claim and recorded in the same write: the replay writes nothing more.
        var (card, after) = await PressKillAndRestartAsync(OpenRequestAsync, card => OnTheCard(ClaimAction.Id, card),
            stored => stored.Status == "claimed" && stored.ClaimedBy == Mentor);

        Assert.Contains($"claimed by <@{Mentor}>", RedrawnOnce(after, card).AllText);
        Assert.Contains("You claimed", Assert.Single(DmsTo(after, Mentor)).Text);
        var group = FakeSlack.GroupDmId(Mentor, Mentee);
        Assert.Single(after, c => c.Method == "conversations.open" && c["users"] == $"{Mentor},{Mentee}");
        Assert.Contains($"<@{Mentee}>, meet <@{Mentor}>", Assert.Single(after, c => c.Method == "chat.postMessage" && c["channel"] == group).Text);
        Assert.Empty(DmsTo(after, Mentee));
        var stored = Stored();
        Assert.Equal(("claimed", Mentor, 0), (stored.Status, stored.ClaimedBy, stored.ResetCount));
        Assert.Equal(group, Assert.Single(_bot.Query("SELECT conversation_id FROM requests WHERE mentee_slack_id = $mentee", r => r.GetString(0), ("$mentee", Mentee))));
    }

    [Fact]
    public async Task Release_KilledWhileTheCardIsRedrawn_AfterTheRestart_OneRedrawOneNoteOneDmOneRelease()
    {
        var (card, after) = await PressKillAndRestartAsync(ClaimedRequestAsync, card => OnTheCard(ReleaseAction.Id, card),
            stored => stored.Status == "open" && stored.ClaimedBy is null);

        Assert.Contains($"Released by <@{Mentor}>", RedrawnOnce(after, card).AllText);
        // A release notes it in the card's thread and tells the mentee; the mentor who let it go pressed the button.
        Assert.Contains("was released by", Assert.Single(after, c => c.Method == "chat.postMessage" && c["thread_ts"] == card.Ts).Text);
        Assert.Contains("can no longer take it", Assert.Single(DmsTo(after, Mentee)).Text);
        Assert.Empty(DmsTo(after, Mentor));
        var stored = Stored();
        Assert.Equal(("open", null, Mentor, 1), (stored.Status, stored.ClaimedBy, stored.ReleasedBy, stored.ResetCount));
    }

    [Fact]
    public async Task SessionReport_KilledWhileTheCardIsRedrawn_AfterTheRestart_OneRedrawOneQuestionOneThanksOneCompletion()
    {
        // The report filed from the modal that Session done opened in the mentor's claim DM, where the button is.
        var (card, after) = await PressKillAndRestartAsync(ClaimedRequestAsync,
            card =>
            {
                var submission = SlackRequests.ViewSubmission(SessionReportModal.CallbackId, Mentor,
                    (SessionReportModal.CoveredBlock, "Reviewed the project."), (SessionReportModal.GoalsBlock, null),
                    (SessionReportModal.FollowUpBlock, new SlackRequests.Selected("none")), (SessionReportModal.ForCoordinatorsBlock, null));
                submission["view"]!["private_metadata"] = new ModalOrigin(card.Reference, "D" + Mentor, null, false).ToJson();
                return submission;
            },
            stored => stored.Status == "completed" && stored.CompletedBy == Mentor);

        Assert.Contains("session done", RedrawnOnce(after, card).AllText);
        Assert.Contains("How did it go?", Assert.Single(DmsTo(after, Mentee)).AllText);
        // The mentor is thanked privately in their DM with the bot, where they pressed.
        var thanks = Assert.Single(after, c => c.Method == "chat.postEphemeral");
        Assert.Equal(("D" + Mentor, Mentor), (thanks["channel"], thanks["user"]));
        Assert.Contains("Thank you for mentoring", thanks.Text);
        Assert.Empty(DmsTo(after, Mentor));
        var stored = Stored();
        Assert.Equal(("completed", Mentor, Mentor, 0), (stored.Status, stored.ClaimedBy, stored.CompletedBy, stored.ResetCount));
    }

    /// <summary>A request's card in the mentors channel.</summary>
    private sealed record Card(string Reference, string Ts);

    /// <summary>The request as the store file has it.</summary>
    private sealed record Row(string Status, string? ClaimedBy, string? ReleasedBy, string? CompletedBy, int ResetCount, long Version);

    private Row Stored() => Assert.Single(_bot.Query(
        "SELECT status, claimed_by, released_by, completed_by, reset_count, follow_up_version FROM requests WHERE mentee_slack_id = $mentee",
        r => new Row(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
            r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4), r.GetInt64(5)),
        ("$mentee", Mentee)));

    /// <summary>The mentor volunteers and the mentee asks for help, through the running bot; the card is posted.</summary>
    private async Task<Card> OpenRequestAsync()
    {
        Assert.True(await _bot.InteractAsync(SlackRequests.ViewSubmission(VolunteerModal.CallbackId, Mentor,
            (VolunteerModal.SkillsBlock, new[] { "Python" }), (VolunteerModal.MaxMenteesBlock, 2),
            (VolunteerModal.BioBlock, null), (VolunteerModal.TimeZoneBlock, null))), "the volunteer form");
        await _bot.QueueEmptyAsync("the mentor to be saved");
        Assert.True(await _bot.InteractAsync(SlackRequests.ViewSubmission(RequestModal.CallbackId, Mentee,
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "Please review my first Python project."), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))),
            "the request form");
        await _bot.QueueEmptyAsync("the request to be posted");
        var (id, ts) = Assert.Single(_bot.Query("SELECT id, message_ts FROM requests WHERE mentee_slack_id = $mentee",
            r => (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)), ("$mentee", Mentee)));
        Assert.NotNull(ts);
        return new Card($"R-{id}", ts);
    }

    /// <summary>An open request, then the mentor's claim on its card, carried out in full.</summary>
    private async Task<Card> ClaimedRequestAsync()
    {
        var card = await OpenRequestAsync();
        Assert.True(await _bot.InteractAsync(OnTheCard(ClaimAction.Id, card)), "the claim");
        await _bot.QueueEmptyAsync("the claim to be announced");
        var stored = Stored();
        Assert.Equal(("claimed", Mentor), (stored.Status, stored.ClaimedBy));
        return card;
    }

    /// <summary>The mentor's press on a button of the request's card in the mentors channel.</summary>
    private static JsonObject OnTheCard(string actionId, Card card) =>
        SlackRequests.BlockAction(actionId, card.Reference, Mentor, MentorBot.MentorsChannelId, card.Ts);

    /// <summary>
    /// Starts the bot and sets the request up through it; then presses, waits until Slack has the card redraw (the first
    /// thing the press sends once its change is stored) and holds its answer back, kills the process, and starts another
    /// over the same folder. Returns the card and every Slack call made from the press on, once the restarted bot has no
    /// work left.
    /// </summary>
    private async Task<(Card Card, List<SlackCall> After)> PressKillAndRestartAsync(Func<Task<Card>> setUp, Func<Card, JsonObject> pressOn,
        Func<Row, bool> changed, int writesAfter = 0)
    {
        var first = await _bot.StartHealthyAsync();
        var card = await setUp();
        var press = pressOn(card);
        var before = Stored();
        var from = _bot.Slack.Calls.Count;
        _bot.Slack.Hold("chat.update"); // never released: the bot that made the call will not hear back
        var watch = Stopwatch.StartNew();

        Assert.True(await _bot.InteractAsync(press), "the press should be acknowledged");
        await Eventually.TrueAsync(() => Redraws(_bot.Slack.Calls.Skip(from), card).Count > 0, "the card redraw to reach Slack");
        var changedBeforeKill = Stored();
        Assert.True(changed(changedBeforeKill), $"the store should hold the change before the kill, not {changedBeforeKill}");
        Assert.Equal(before.Version + 1, changedBeforeKill.Version);

        await ProcessBot.KillAsync(first);
        // Nobody heard of the press: the redraw's answer never came back, and nothing was posted.
        var held = Assert.Single(Redraws(_bot.Slack.Calls.Skip(from), card));
        Assert.DoesNotContain(held, _bot.Slack.AnsweredCallsTo("chat.update"));
        Assert.DoesNotContain(_bot.Slack.Calls.Skip(from), c => c.Method is "chat.postMessage" or "chat.postEphemeral");

        await _bot.StartHealthyAsync();
        await Eventually.TrueAsync(async () => await _bot.QueueAsync() is (0, _), "the restarted bot to finish the press", TimeSpan.FromSeconds(20));
        Assert.Equal(0, (await _bot.QueueAsync()).Failed);
        output.WriteLine($"press to finished replay: {watch.ElapsedMilliseconds} ms");

        // Made once: the replay found its change already in the store and wrote nothing more than what follows it.
        Assert.Equal(changedBeforeKill with { Version = changedBeforeKill.Version + writesAfter }, Stored());
        return (card, _bot.Slack.Calls.Skip(from).ToList());
    }

    /// <summary>The one redraw of the card that Slack answered: the one the restarted bot made.</summary>
    private SlackCall RedrawnOnce(List<SlackCall> after, Card card)
    {
        var redraws = Redraws(after, card);
        Assert.Equal(2, redraws.Count); // the one cut off by the kill, and the replay's
        var answered = Redraws(_bot.Slack.AnsweredCallsTo("chat.update"), card).Where(redraws.Contains).ToList();
        return Assert.Single(answered);
    }

    private static List<SlackCall> Redraws(IEnumerable<SlackCall> calls, Card card) =>
        calls.Where(c => c.Method == "chat.update" && c["channel"] == MentorBot.MentorsChannelId && c["ts"] == card.Ts).ToList();

    private static List<SlackCall> DmsTo(List<SlackCall> calls, string user) =>
        calls.Where(c => c.Method == "chat.postMessage" && c["channel"] == "D" + user).ToList();

    public async Task DisposeAsync()
    {
        if (_bot.Output.Length > 0) output.WriteLine("the bot's warnings and errors:" + Environment.NewLine + _bot.Output);
        await _bot.DisposeAsync();
    }
}
