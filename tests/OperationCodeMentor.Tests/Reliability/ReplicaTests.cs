using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Features.Claims;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Features.Messages;
using Xunit.Abstractions;

namespace OperationCodeMentor.Tests.Reliability;

/// <summary>
/// Two replicas of the real bot, two processes on one PostgreSQL database behind a pretend load balancer, talking to one
/// fake Slack: a race for a claim split between them, a burst of submissions during which one is SIGKILLed, the follow-up
/// sweep running on both, and Slack's retries and double clicks landing on the other replica. Each test ends by stopping
/// the replicas as an operator does, and checks they exit cleanly and hand back every lease.
/// </summary>
public sealed class ReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ReplicaBots? _bots;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<ReplicaBots> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, IReadOnlyDictionary<string, string?>? firstOnly = null) =>
        _bots = await ReplicaBots.StartAsync(2, settings, firstOnly);

    [Fact]
    public async Task TwentyFourClaimsSpreadOverBothReplicas_OneWins_EveryoneElseIsToldWhoHasIt()
    {
        var bots = await StartAsync();
        var mentors = Enumerable.Range(1, 24).Select(i => $"URACE{i:D2}").ToList();
        Assert.All(await Task.WhenAll(mentors.Select((m, i) => bots[i % 2].InteractAsync(Volunteer(m)))), Assert.True);
        await bots.QueueDrainedAsync("the 24 mentors to be saved");
        Assert.Equal(24, await bots.CountAsync("SELECT COUNT(*) FROM mentors"));
        var card = await OpenRequestAsync(bots, bots[1], "URACEMENTEE");
        var from = bots.Slack.Calls.Count;

        // All at once, every other click through the other replica.
        var clicks = mentors.Select((m, i) => bots[i % 2].InteractAsync(
            SlackRequests.BlockAction(ClaimAction.Id, card.Reference, m, MentorBot.MentorsChannelId, card.Ts)));
        Assert.All(await Task.WhenAll(clicks), Assert.True);
        await bots.QueueDrainedAsync("every claim to be carried out");
        await StopCleanlyAsync(bots);

        var winner = Assert.Single(await bots.QueryAsync("SELECT claimed_by FROM requests WHERE status = 'claimed'", r => r.GetString(0)));
        Assert.Contains(winner, mentors);
        var after = bots.Slack.Calls.Skip(from).ToList();
        Assert.Contains($"claimed by <@{winner}>", Assert.Single(after, c => c.Method == "chat.update" && c["ts"] == card.Ts).AllText);
        Assert.Contains("You claimed", Assert.Single(after, c => c.Method == "chat.postMessage" && c["channel"] == "D" + winner).Text);
        Assert.Single(after, c => c.Method == "conversations.open" && c["users"]!.Contains(',', StringComparison.Ordinal));

        // Every other clicker, on whichever replica took their click, is told privately who has it, once.
        var told = after.Where(c => c.Method == "chat.postEphemeral").ToList();
        Assert.Equal(mentors.Where(m => m != winner).Order(StringComparer.Ordinal), told.Select(t => t["user"]!).Order(StringComparer.Ordinal));
        Assert.All(told, t => Assert.Contains($"already claimed by <@{winner}>", t.Text));
        Assert.DoesNotContain(after, c => c.Method == "chat.postMessage" && c["channel"]!.StartsWith("DURACE", StringComparison.Ordinal) && c["channel"] != "D" + winner);
        NothingToLookInto(bots);
    }

    [Fact]
    public async Task ABurstOverBothReplicas_OneSigkilled_TheSurvivorFinishesItsWorkAfterTheLease_NothingLostNothingDoubled()
    {
        const int burst = 100;
        var bots = await StartAsync();
        // Slow enough that the intake is busy when a replica dies.
        bots.Slack.Latency = TimeSpan.FromMilliseconds(15);
        var submissions = Enumerable.Range(0, burst).Select(i => RequestForm($"UREPL{i:D4}", $"Request number {i}: please review my project.")).ToList();
        var acked = new ConcurrentDictionary<int, bool>();

        // Eight people at a time, every other one sent to the other replica, until a third of the burst is acknowledged.
        var next = -1;
        async Task SendAsync(int stopAt)
        {
            int i;
            while (acked.Count < stopAt && (i = Interlocked.Increment(ref next)) < burst)
                if (await bots[i % 2].InteractAsync(submissions[i])) acked[i] = true;
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SendAsync(burst / 3)));
        var ackedBeforeKill = acked.Count;

        // Kill the replica that is running the intake, in the middle of a request: Slack posts its message but the answer
        // never comes back, so the replica is stuck holding the intake's lease when SIGKILL lands.
        bots.Slack.Hold("chat.postMessage");
        await Eventually.TrueAsync(() => !bots.Slack.Holding("chat.postMessage"), "a request's message to reach Slack");
        var holder = Assert.Single(await bots.QueryAsync("SELECT leased_by FROM work_lanes WHERE lane = 'intake'", r => r.IsDBNull(0) ? null : r.GetString(0)));
        var dead = Assert.Single(bots.Replicas, r => r.Holds(holder));
        var survivor = Assert.Single(bots.Replicas, r => r != dead);
        await dead.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var cardsAtKill = CardPosts(bots).Count;
        // What the dead replica left: the intake's lease, running out in at most a lease time, and the request it was on.
        var leaseUntil = DateTimeOffset.FromUnixTimeMilliseconds(Assert.Single(await bots.QueryAsync(
            "SELECT lease_until FROM work_lanes WHERE lane = 'intake' AND leased_by = @holder", r => r.GetInt64(0), ("holder", holder!))));
        Assert.InRange(leaseUntil - killedAt, TimeSpan.Zero, ReplicaBots.LeaseTime);
        var cutOff = Assert.Single(await bots.QueryAsync("SELECT MIN(id) FROM work_jobs WHERE lane = 'intake' AND state = 'pending'", r => r.GetInt64(0)));

        // The load balancer has not noticed yet: the rest of the burst still goes to both, and half of it finds nobody.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SendAsync(burst)));
        var unanswered = Enumerable.Range(0, burst).Where(i => !acked.ContainsKey(i)).ToList();
        Assert.NotEmpty(unanswered);
        // Those people press Send again (the same view), and now reach the survivor.
        foreach (var i in unanswered) Assert.True(await survivor.InteractAsync(submissions[i]), $"submission {i} sent again to the survivor");

        await Eventually.TrueAsync(() => CardPosts(bots).Count >= burst, "the survivor to post every card", TimeSpan.FromSeconds(90));
        var killToLastCard = watch.Elapsed;
        await bots.QueueDrainedAsync("the survivor to finish the burst");
        output.WriteLine($"acknowledged before the kill: {ackedBeforeKill}; cards posted by then: {cardsAtKill}; sent again to the survivor: {unanswered.Count}; " +
            $"lease left at the kill: {(leaseUntil - killedAt).TotalMilliseconds:F0} ms; kill to last card: {killToLastCard.TotalMilliseconds:F0} ms");
        await StopCleanlyAsync(bots);

        // Nothing of the cut-off request or after it ran before the dead replica's lease had passed.
        var finishedAt = DateTimeOffset.FromUnixTimeMilliseconds(Assert.Single(await bots.QueryAsync("SELECT finished_at FROM work_jobs WHERE id = @id", r => r.GetInt64(0), ("id", cutOff))));
        Assert.True(finishedAt >= leaseUntil, $"the cut-off request finished at {finishedAt:O}, before the lease ran out at {leaseUntil:O}");
        Assert.Equal(0, await bots.CountAsync("SELECT COUNT(*) FROM work_jobs WHERE lane = 'intake' AND finished_at > @killed AND finished_at < @until",
            ("killed", killedAt.ToUnixTimeMilliseconds()), ("until", leaseUntil.ToUnixTimeMilliseconds())));
        Assert.InRange(killToLastCard, leaseUntil - killedAt, TimeSpan.FromSeconds(60));

        var stored = await bots.QueryAsync("SELECT mentee_slack_id FROM requests", r => r.GetString(0));
        Assert.Equal(burst, stored.Count);
        Assert.Equal(burst, stored.Distinct().Count());
        var posts = CardPosts(bots);
        Assert.Equal(burst, posts.Count);
        Assert.Equal(burst, posts.Distinct().Count());
        var confirmations = bots.Slack.CallsTo("chat.postMessage")
            .Where(c => c["channel"]!.StartsWith("DUREPL", StringComparison.Ordinal) && c.AllText.Contains("received-", StringComparison.Ordinal)).Select(c => c["channel"]!).ToList();
        Assert.Equal(burst, confirmations.Count);
        Assert.Equal(burst, confirmations.Distinct().Count());
        Assert.True(cardsAtKill < burst, "the kill should land before the burst was through");
        NothingToLookInto(bots);
    }

    [Fact]
    public async Task ClaimsDoneOnAReplicaKilledBeforeItWroteTheirFinishes_AreReplayedByTheSurvivor_NoMessageTwice()
    {
        // The replica to die looks for work a minute apart (its leases last three): a finish it puts off waits for a look
        // that does not come before the kill. Nothing here leaves work untaken, which would make it look sooner.
        var bots = await StartAsync(firstOnly: new Dictionary<string, string?> { ["Reliability__LeaseTime"] = "00:03:00", ["Reliability__PollInterval"] = "00:01:00" });
        var (dying, survivor) = (bots[0], bots[1]);
        var mentors = new[] { "UKILLED1", "UKILLED2", "UKILLED3" };
        foreach (var m in mentors) Assert.True(await dying.InteractAsync(Volunteer(m)));
        await Eventually.TrueAsync(async () => await bots.CountAsync("SELECT COUNT(*) FROM mentors") == mentors.Length, "the mentors to be saved");
        var cards = new List<Card>();
        for (var i = 0; i < mentors.Length; i++)
        {
            var mentee = $"UKILLEDMENTEE{i}";
            Assert.True(await dying.InteractAsync(RequestForm(mentee, "Please review my first Python project.")), "the request form");
            await Eventually.TrueAsync(async () => await bots.CountAsync(
                "SELECT COUNT(*) FROM requests WHERE mentee_slack_id = @mentee AND message_ts IS NOT NULL", ("mentee", mentee)) == 1, "the request to be posted");
            cards.Add(Assert.Single(await bots.QueryAsync("SELECT id, message_ts FROM requests WHERE mentee_slack_id = @mentee",
                r => new Card($"R-{r.GetInt64(0)}", r.GetString(1)), ("mentee", mentee))));
        }
        var from = bots.Slack.Calls.Count;

        for (var i = 0; i < mentors.Length; i++)
            Assert.True(await dying.InteractAsync(SlackRequests.BlockAction(ClaimAction.Id, cards[i].Reference, mentors[i], MentorBot.MentorsChannelId, cards[i].Ts)));
        // Each claim carried out to its last message, on the replica that took the clicks.
        await Eventually.TrueAsync(() => mentors.All(m => bots.Slack.AnsweredCallsTo("chat.postMessage").Any(c => c["channel"] == "D" + m)), "every mentor told");
        await Task.Delay(300);
        // Yet none of them is done in the queue: their finishes wait for the next look.
        Assert.Equal(mentors.Length, await bots.CountAsync("SELECT COUNT(*) FROM work_jobs WHERE kind = 'claim' AND state = 'pending'"));

        await dying.KillAsync();
        // Three minutes on, the dead replica's leases have run out (moved on here rather than waited for); the survivor's
        // next look takes its lanes and replays each claim from its progress on disk.
        Assert.True(await bots.CountAsync("SELECT COUNT(*) FROM work_lanes WHERE leased_by IS NOT NULL AND lease_until > @soon",
            ("soon", DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeMilliseconds())) >= mentors.Length, "the dead replica's leases still held");
        await bots.CountAsync("WITH gone AS (UPDATE work_lanes SET lease_until = 0 WHERE leased_by IS NOT NULL RETURNING 1) SELECT COUNT(*) FROM gone");
        await bots.QueueDrainedAsync("the survivor to replay the claims", TimeSpan.FromSeconds(30));
        await StopCleanlyAsync(bots);

        var after = bots.Slack.Calls.Skip(from).ToList();
        for (var i = 0; i < mentors.Length; i++)
        {
            var (mentor, card) = (mentors[i], cards[i]);
            Assert.Equal(mentor, Assert.Single(await bots.QueryAsync("SELECT claimed_by FROM requests WHERE id = @id", r => r.GetString(0),
                ("id", long.Parse(card.Reference[2..], System.Globalization.CultureInfo.InvariantCulture)))));
            // A redraw may be made again, to the same effect; a message is never posted twice.
            var redraws = after.Where(c => c.Method == "chat.update" && c["ts"] == card.Ts).ToList();
            Assert.NotEmpty(redraws);
            Assert.All(redraws, u => Assert.Contains($"claimed by <@{mentor}>", u.AllText));
            Assert.Single(after, c => c.Method == "chat.postMessage" && c["channel"] == "D" + mentor);
            Assert.Single(after, c => c.Method == "chat.postMessage" && c["channel"] == FakeSlack.GroupDmId(mentor, $"UKILLEDMENTEE{i}"));
        }
        // The replay looked before posting: it read the conversations back. Nothing anyone was sent came twice.
        Assert.Contains(after, c => c.Method == "conversations.history");
        var posted = bots.Slack.CallsTo("chat.postMessage").Select(c => (c["channel"], Marker: c.Body["blocks"]?[0]?["block_id"]?.ToString())).ToList();
        Assert.Equal(posted.Count, posted.Distinct().Count());
        NothingToLookInto(bots);
    }

    [Fact]
    public async Task TheSweepRunsOnBothReplicas_EachBumpGoesOutOnce()
    {
        const int requests = 30;
        // A ladder of seconds: two bumps, three seconds apart, and nothing else for days. Both replicas sweep every
        // second, the shortest sweep interval there is.
        var bots = await StartAsync(new Dictionary<string, string?>
        {
            ["Mentorship__Schedule__FirstBumpAfter"] = "00:00:03",
            ["Mentorship__Schedule__BumpEvery"] = "00:00:03",
            ["Mentorship__Schedule__MaxBumps"] = "2",
            ["Mentorship__Schedule__NotifyCoordinatorsAfter"] = "1.00:00:00",
            ["Mentorship__Schedule__EscalateAfter"] = "10.00:00:00",
            ["Mentorship__Schedule__SweepInterval"] = "00:00:01",
            ["Logging__LogLevel__OperationCodeMentor.Scheduling.FollowUpSweeper"] = "Information",
        });
        Assert.True(await bots[0].InteractAsync(Volunteer("USWEEPMENTOR")));
        await bots.QueueDrainedAsync("the mentor to be saved");
        var forms = Enumerable.Range(0, requests).Select(i => RequestForm($"USWEEP{i:D2}", $"Sweep request {i}, please review my project.")).ToList();
        Assert.All(await Task.WhenAll(forms.Select((f, i) => bots[i % 2].InteractAsync(f))), Assert.True);
        await bots.QueueDrainedAsync("the requests to be posted");
        var cards = await bots.QueryAsync("SELECT id, message_ts FROM requests", r => new Card($"R-{r.GetInt64(0)}", r.GetString(1)));
        Assert.Equal(requests, cards.Count);
        // Each bump now takes a while to post, so one replica's sweep is still going through the due requests when the
        // other's starts on the same ones.
        bots.Slack.Latency = TimeSpan.FromMilliseconds(40);

        await Eventually.TrueAsync(async () => await bots.CountAsync("SELECT COUNT(*) FROM requests WHERE bump_count = 2 AND pending_step IS NULL") == requests,
            "both bumps of every request", TimeSpan.FromSeconds(60));
        // Stopped before counting: nothing more can go out once both have exited.
        await StopCleanlyAsync(bots);

        foreach (var card in cards)
        {
            var bumps = bots.Slack.CallsTo("chat.postMessage").Where(c => c["thread_ts"] == card.Ts && c.Text.Contains("still waiting for a mentor", StringComparison.Ordinal)).ToList();
            Assert.True(bumps.Count == 2, $"{card.Reference} was bumped {bumps.Count} times: {string.Join(" | ", bumps.Select(b => b.Text))}");
        }
        // Both replicas took steps, so the two sweeps really did go over the same requests.
        var sent = bots.Replicas.Select(r => r.Lines.Count(l => l.Contains("Sent the bump for", StringComparison.Ordinal))).ToList();
        output.WriteLine($"bumps sent by each replica: {string.Join(", ", sent)}");
        Assert.Equal(2 * requests, sent.Sum());
        Assert.All(sent, n => Assert.True(n > 0, $"each replica should have sent some bumps: {string.Join(", ", sent)}"));
        NothingToLookInto(bots);
    }

    [Fact]
    public async Task ASlackRetryAndADoubleClick_EachLandingOnTheOtherReplica_CountOnce()
    {
        var bots = await StartAsync();

        // Slack gave up waiting on the first replica and retried the same event; the load balancer sent it to the other.
        var callback = DirectMessageTests.Dm("UDMREPL1", eventId: "Ev0REPLICA1");
        Assert.Equal(HttpStatusCode.OK, await bots[0].EventAsync(callback));
        Assert.Equal(HttpStatusCode.OK, await bots[1].EventAsync(callback, retry: 1));
        Assert.Equal(HttpStatusCode.OK, await bots[1].EventAsync(callback, retry: 2));
        // Someone else writing to the second replica is answered by it: the retries were kept out by the event's ID.
        Assert.Equal(HttpStatusCode.OK, await bots[1].EventAsync(DirectMessageTests.Dm("UDMREPL2")));

        // A mentor presses Claim twice in a hurry, and the two presses go to different replicas.
        Assert.True(await bots[0].InteractAsync(Volunteer("UDOUBLE")));
        await bots.QueueDrainedAsync("the mentor to be saved");
        var card = await OpenRequestAsync(bots, bots[0], "UDOUBLEMENTEE");
        var from = bots.Slack.Calls.Count;
        var presses = await Task.WhenAll(bots.Replicas.Select(r =>
            r.InteractAsync(SlackRequests.BlockAction(ClaimAction.Id, card.Reference, "UDOUBLE", MentorBot.MentorsChannelId, card.Ts))));
        Assert.All(presses, Assert.True);
        await bots.QueueDrainedAsync("the claim to be carried out");
        // Stopped before counting: the answers to DMs are sent after the acknowledgement, and a replica stops once they are out.
        await StopCleanlyAsync(bots);

        Assert.Single(Answers(bots, "UDMREPL1"));
        Assert.Single(Answers(bots, "UDMREPL2"));
        var after = bots.Slack.Calls.Skip(from).ToList();
        Assert.Equal("UDOUBLE", Assert.Single(await bots.QueryAsync("SELECT claimed_by FROM requests", r => r.GetString(0))));
        Assert.Single(after, c => c.Method == "chat.update" && c["ts"] == card.Ts);
        Assert.Single(after, c => c.Method == "chat.postMessage" && c["channel"] == "DUDOUBLE");
        // The second press said nothing: no "you already have it".
        Assert.DoesNotContain(after, c => c.Method == "chat.postEphemeral");
        NothingToLookInto(bots);
    }

    /// <summary>A request's card in the mentors channel.</summary>
    private sealed record Card(string Reference, string Ts);

    private static JsonObject Volunteer(string mentor) => SlackRequests.ViewSubmission(VolunteerModal.CallbackId, mentor,
        (VolunteerModal.SkillsBlock, new[] { "Python" }), (VolunteerModal.MaxMenteesBlock, 2), (VolunteerModal.BioBlock, null), (VolunteerModal.TimeZoneBlock, null));

    private static JsonObject RequestForm(string mentee, string details) => SlackRequests.ViewSubmission(RequestModal.CallbackId, mentee,
        (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
        (RequestModal.DetailsBlock, details), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")));

    /// <summary>The mentee asks for help through <paramref name="via"/>; returns the card once it is posted and stored.</summary>
    private static async Task<Card> OpenRequestAsync(ReplicaBots bots, ReplicaBots.Replica via, string mentee)
    {
        Assert.True(await via.InteractAsync(RequestForm(mentee, "Please review my first Python project.")), "the request form");
        await bots.QueueDrainedAsync("the request to be posted");
        return Assert.Single(await bots.QueryAsync("SELECT id, message_ts FROM requests WHERE mentee_slack_id = @mentee",
            r => new Card($"R-{r.GetInt64(0)}", r.GetString(1)), ("mentee", mentee)));
    }

    private static List<string> CardPosts(ReplicaBots bots) => bots.Slack.CallsTo("chat.postMessage")
        .Where(c => c["channel"] == MentorBot.MentorsChannelId && c.Body["blocks"] is JsonArray b && b.Any(x => x?["block_id"]?.ToString()?.StartsWith("request-", StringComparison.Ordinal) == true))
        .Select(c => c.Body["blocks"]![0]!["block_id"]!.ToString()).ToList();

    /// <summary>The bot's answers to someone writing in its Messages tab.</summary>
    private static List<SlackCall> Answers(ReplicaBots bots, string user) => bots.Slack.CallsTo("chat.postMessage")
        .Where(c => c["channel"] == "D" + user && c.AllText.Contains("I can't read messages here", StringComparison.Ordinal)).ToList();

    /// <summary>
    /// Stops every replica still running with SIGTERM: each exits with 0, no process is left, every lease is handed back,
    /// and nothing was written beside the database.
    /// </summary>
    private static async Task StopCleanlyAsync(ReplicaBots bots)
    {
        var codes = await bots.StopAllAsync();
        Assert.All(codes, c => Assert.Equal(0, c));
        Assert.All(bots.Replicas, r => Assert.True(r.Process.HasExited, $"replica {r.Index} still running"));
        Assert.Equal(0, await bots.CountAsync("SELECT COUNT(*) FROM work_lanes WHERE leased_by IS NOT NULL"));
        Assert.Empty(Directory.GetFiles(bots.DataFolder, "*", SearchOption.AllDirectories));
    }

    /// <summary>Nothing went wrong that an operator would have to look into: no warning and no error from any replica.</summary>
    private static void NothingToLookInto(ReplicaBots bots) => Assert.DoesNotMatch(@"\b(warn|fail|crit): ", bots.Output);

    public async Task DisposeAsync()
    {
        if (_bots is null) return;
        if (_bots.Output.Length > 0) output.WriteLine("the replicas' output:" + Environment.NewLine + _bots.Output);
        await _bots.DisposeAsync();
    }
}
