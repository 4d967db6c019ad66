using System.Net;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage.Airtable;
using OperationCodeMentor.Tests.Fakes;
using static OperationCodeMentor.Tests.Storage.Airtable.AirtableSamples;

namespace OperationCodeMentor.Tests.Storage.Airtable;

/// <summary>What the Airtable store does beyond the shared contract: request budget, Pybot's fields, caching, resilience.</summary>
public sealed class AirtableMentorshipStoreTests
{
    /// <summary>A base with one mentor, caches warm, and the fake's log emptied: what a running bot looks like.</summary>
    private static async Task<FakeAirtableHarness> WarmWithOneMentorAsync()
    {
        var h = await FakeAirtableHarness.StartAsync();
        await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        await h.Store.WarmUpAsync();
        h.Fake.ClearCalls();
        return h;
    }

    [Fact]
    public async Task OpeningAModal_CostsNoRequest_OnceWarm()
    {
        await using var h = await WarmWithOneMentorAsync();

        await h.Store.GetOptionListsAsync();
        await h.Store.GetMentorAsync("UMENTOR01");
        await h.Store.GetMentorAsync("UNOBODY01");

        Assert.Empty(h.Fake.Calls);
    }

    [Fact]
    public async Task MentorSubmission_OnTheStore_CostsOneReadAndOneWrite()
    {
        await using var h = await WarmWithOneMentorAsync();

        // Opening the form: the option lists and the limits from memory.
        await h.Store.GetOptionListsAsync();
        var since = h.Clock.GetUtcNow().AddDays(-30);
        await h.Store.GetMenteeRequestsCachedAsync("UMENTEE01", since);
        Assert.Empty(h.Fake.Calls);

        // Submitting it: the limits on current data, then number, match, and store with where the card went.
        await h.Store.GetMenteeRequestsAsync("UMENTEE01", since);
        var number = await h.Store.ReserveRequestNumberAsync();
        var loads = await h.Store.GetMentorLoadsAsync();
        var request = await CreateAsync(h.Store, Request() with { Number = number, Post = new RequestPost("G0MENTORS", "1.2", ["UMENTOR01"]) });

        Assert.Single(loads);
        Assert.Equal(1, h.Fake.Calls.Count(c => c.IsRead));
        Assert.Equal(1, h.Fake.Calls.Count(c => c.IsWrite));
        var record = Assert.Single(h.Requests.Records);
        Assert.Equal((request.Reference, "1.2", "G0MENTORS"), (record.Text("Reference"), record.Text("Slack Message TS"), record.Text("Channel ID")));
    }

    [Fact]
    public async Task MentorLoads_ComeFromMemory_AndFollowEveryClaimAndReleaseAtOnce()
    {
        await using var h = await WarmWithOneMentorAsync();
        var request = await CreateAsync(h.Store, Request());

        await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0);
        h.Fake.ClearCalls();
        Assert.Equal(1, Assert.Single(await h.Store.GetMentorLoadsAsync()).OpenClaims);

        await h.Store.TryReleaseAsync(request.Reference, "UMENTOR01", "UMENTOR01", T0.AddHours(1));
        h.Fake.ClearCalls();
        Assert.Equal(0, Assert.Single(await h.Store.GetMentorLoadsAsync()).OpenClaims);
        Assert.Empty(h.Fake.Calls);
    }

    [Fact]
    public async Task AClaimTypedIntoAirtable_CountsForMatchingAfterTheRefresh_AndAtOnceForTheMentorsNextClaim()
    {
        var clock = new ManualTimeProvider();
        await using var h = await FakeAirtableHarness.StartAsync(clock: clock);
        await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        await h.Store.WarmUpAsync();
        h.Requests.Insert(new JsonObject { ["Status"] = "claimed", ["Claimed By Slack ID"] = "UMENTOR01", ["Requested At"] = "2025-03-01T09:00:00.000Z" });

        // A claim checks capacity on current data.
        Assert.Equal(1, (await h.Store.GetMentorLoadAsync("UMENTOR01"))!.OpenClaims);
        Assert.Equal(0, Assert.Single(await h.Store.GetMentorLoadsAsync()).OpenClaims);
        clock.Advance(TimeSpan.FromMinutes(5));
        await h.Store.GetMentorLoadsAsync();
        await (h.Lookups.Refreshing ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Assert.Single(await h.Store.GetMentorLoadsAsync()).OpenClaims);
    }

    [Fact]
    public async Task MenteeRequests_FromMemory_AgreeWithTheQuery()
    {
        await using var h = await FakeAirtableHarness.StartAsync(clock: new ManualTimeProvider(T0));
        await h.Store.WarmUpAsync();
        var old = await CreateAsync(h.Store, Request("UMENTEE01") with { CreatedAt = T0.AddDays(-40) });
        var recent = await CreateAsync(h.Store, Request("UMENTEE01") with { CreatedAt = T0.AddDays(-3) });
        var cancelledLongAgo = await CreateAsync(h.Store, Request("UMENTEE01") with { CreatedAt = T0.AddDays(-50) });
        await h.Store.TryCloseAsync(cancelledLongAgo.Reference, "UCOORD01", "no longer needed", T0.AddDays(-49));
        await CreateAsync(h.Store, Request("UMENTEE02") with { CreatedAt = T0.AddDays(-1) });

        h.Fake.ClearCalls();
        var cached = await h.Store.GetMenteeRequestsCachedAsync("UMENTEE01", T0.AddDays(-30));
        Assert.Empty(h.Fake.Calls);
        var fresh = await h.Store.GetMenteeRequestsAsync("UMENTEE01", T0.AddDays(-30));

        Assert.Equal([recent.Reference, old.Reference], cached.Select(r => r.Reference));
        Assert.Equal(fresh.Select(r => r.Reference), cached.Select(r => r.Reference));
    }

    [Fact]
    public async Task ARequestWhoseChoiceWasRemovedFromAirtable_IsStillStored_NamingWhatCouldNotBeLinked()
    {
        await using var h = await WarmWithOneMentorAsync();

        var stored = await CreateAsync(h.Store, Request() with { Skills = ["C#", "COBOL on Mars"], Number = 1001 });

        Assert.Equal("R-1001", stored.Reference);
        Assert.Equal(["C#"], stored.Skills);
        var record = Assert.Single(h.Requests.Records);
        Assert.Contains("no longer in the lists so not linked: Skillsets Requested: COBOL on Mars", record.Text("Additional Details"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANumberReservedBeforeARestart_AndWrittenAfterIt_IsNeverHandedOutAgain()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        await CreateAsync(h.Store, Request());
        // Before the restart: R-1002 was reserved and its card posted; the base has R-1001 only. The intake, resuming,
        // writes R-1002 before it numbers anything else (one request at a time in its lane).
        var restarted = h.NewStore();
        await restarted.WarmUpAsync();
        await restarted.CreateRequestAsync(Request("UMENTEE02") with { Number = 1002 });

        Assert.Equal(1003, await restarted.ReserveRequestNumberAsync());
        Assert.Equal("R-1004", (await CreateAsync(restarted, Request("UMENTEE03"))).Reference);
    }

    [Fact]
    public async Task ASweep_AsksAirtableOnlyForDueRequests_InOneFilteredRead()
    {
        await using var h = await WarmWithOneMentorAsync();
        var due = await CreateAsync(h.Store, Request("UMENTEE01"));
        var later = await CreateAsync(h.Store, Request("UMENTEE02"));
        await h.Store.PlanNextActionsAsync([new(later.Reference, 0, T0.AddDays(1))]);
        h.Requests.Insert(new JsonObject { ["Additional Details"] = "a row Pybot wrote, never on the ladder" });
        h.Fake.ClearCalls();

        var found = await h.Store.GetDueFollowUpsAsync(T0, 500);

        Assert.Equal([due.Reference], found.Select(t => t.Reference));
        var call = Assert.Single(h.Fake.Calls);
        Assert.True(call.IsRead);
        Assert.Contains("IS_BEFORE", Uri.UnescapeDataString(call.Query), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanningTwelveRequests_CostsTwoReadsAndTwoWrites()
    {
        await using var h = await WarmWithOneMentorAsync();
        var created = new List<MentorRequest>();
        for (var i = 0; i < 12; i++) created.Add(await CreateAsync(h.Store, Request($"UMENTEE{i:D2}")));
        h.Fake.ClearCalls();

        var planned = await h.Store.PlanNextActionsAsync(created.Select(r => new PlannedAction(r.Reference, 0, T0.AddDays(1))).ToList());

        Assert.Equal(12, planned);
        Assert.Equal(2, h.Fake.Calls.Count(c => c.IsRead));
        Assert.Equal(2, h.Fake.Calls.Count(c => c.IsWrite));
        Assert.All(h.Requests.Records, r => Assert.Equal("2025-03-04T09:00:00.000Z", r.Text("Next Action At")));
    }

    [Fact]
    public async Task Activity_TracksEveryFollowUpFact_AndAFollowUpLinksToTheRequestItFollows()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        var (first, outcome) = await AskedForAnotherMentorAsync(h);

        var row = Row(h, outcome.FollowUpRequest!);
        Assert.Equal([Row(h, first).Id], row.Fields["Follow-up Of"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("another_mentor", Row(h, first).Text("Feedback"));
        // A store with nothing in memory still reads the link back as the reference of the request it follows.
        var activity = await h.NewStore().GetActivityAsync(T0);
        Assert.Equal(first.Reference, activity.Single(t => t.Reference == outcome.FollowUpRequest!.Reference).Outcome.FollowUpOf);
        Assert.Equal(1, ActivityHistory.From(activity).Requests.Single(a => a.Request.Reference == first.Reference).RePairs);
    }

    [Fact]
    public async Task MentorHistoryTracked_OnAStoreWithNothingInMemory_NamesTheRequestAFollowUpFollows()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        var (first, outcome) = await AskedForAnotherMentorAsync(h);
        await h.Store.TryClaimAsync(outcome.FollowUpRequest!.Reference, "UMENTOR02", T0.AddDays(3));

        var history = await h.NewStore().GetMentorHistoryTrackedAsync("UMENTOR02", 10);

        Assert.Equal(first.Reference, Assert.Single(history).Outcome.FollowUpOf);
    }

    /// <summary>A request held and completed, whose mentee then asks for another mentor: a follow-up request links to it.</summary>
    private static async Task<(MentorRequest First, (Decision? Decision, MentorRequest? FollowUpRequest) Outcome)> AskedForAnotherMentorAsync(FakeAirtableHarness h)
    {
        var first = await CreateAsync(h.Store, Request());
        await h.Store.TryClaimAsync(first.Reference, "UMENTOR01", T0);
        await h.Store.TryCompleteSessionAsync(first.Reference, "UMENTOR01", "UMENTOR01", T0.AddDays(1));
        return (first, await h.Store.TryRecordFeedbackAsync(first.Reference, SessionFeedback.AnotherMentor, "UMENTEE01", T0.AddDays(2)));
    }

    [Fact]
    public async Task References_ContinueFromTheHighestAlreadyInTheBase()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        foreach (var reference in new[] { "R-1041", "R-998", "R-1007" })
            h.Requests.Insert(new JsonObject { ["Reference"] = reference, ["Status"] = "completed" });
        h.Requests.Insert(new JsonObject { ["Additional Details"] = "a row Pybot wrote, without a reference" });

        var created = await CreateAsync(h.Store, Request());

        Assert.Equal("R-1042", created.Reference);
        Assert.Equal("R-1043", (await CreateAsync(h.Store, Request("UMENTEE02"))).Reference);
    }

    [Fact]
    public async Task LinkedFields_AreWrittenAsRecordIds()
    {
        await using var h = await FakeAirtableHarness.StartAsync();

        var created = await CreateAsync(h.Store, Request());

        var row = Row(h, created);
        var service = h.Table("Services").Find("Name", "Code Review")!;
        Assert.Equal([service.Id], row.Fields["Service"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["C#", "SQL"], row.Fields["Skillsets Requested"]!.AsArray()
            .Select(id => h.Table("Skillsets").Records.Single(s => s.Id == id!.GetValue<string>()).Text("Name")));
        Assert.Equal("open", row.Text("Status"));
    }

    [Fact]
    public async Task ClaimAndRelease_KeepWritingPybotsFields()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var request = await CreateAsync(h.Store, Request());

        await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0.AddHours(1));
        var claimed = Row(h, request);
        Assert.True(claimed.Fields["Claimed"]!.GetValue<bool>());
        Assert.Equal("Mentor UMENTOR01", claimed.Text("Claimed By"));
        Assert.Equal("2025-03-03T10:00:00.000Z", claimed.Text("Claimed On"));

        await h.Store.TryReleaseAsync(request.Reference, "UMENTOR01", "UMENTOR01", T0.AddHours(2));
        var released = Row(h, request);
        Assert.False(released.Fields.ContainsKey("Claimed"));
        Assert.False(released.Fields.ContainsKey("Claimed By"));
        Assert.Equal("Mentor UMENTOR01", released.Text("Reset By"));
        Assert.Equal("2025-03-03T11:00:00.000Z", released.Text("Reset On"));
        Assert.Equal(1, released.Fields["Reset Count"]!.GetValue<double>());
    }

    [Fact]
    public async Task ARowPybotClaimed_WithoutAStatus_CannotBeClaimedAgain()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        h.Requests.Insert(new JsonObject { ["Reference"] = "R-900", ["Claimed"] = true, ["Claimed By"] = "someone@example.org", ["Additional Details"] = "old request" });

        var outcome = await h.Store.TryClaimAsync("R-900", "UMENTOR01", T0);

        Assert.Equal(Refusal.AlreadyClaimed, outcome!.Refused);
        Assert.Equal(RequestStatus.Claimed, outcome.Current.Request.Status);
        Assert.Equal("R-900", outcome.Current.Reference);
    }

    [Fact]
    public async Task Mentors_AddedInAirtable_AppearAfterTheTtl_RefreshedInTheBackground()
    {
        var clock = new ManualTimeProvider();
        await using var h = await FakeAirtableHarness.StartAsync(clock: clock);
        await h.Store.WarmUpAsync();
        h.Mentors.Insert(new JsonObject { ["Slack User ID"] = "UADDED001", ["Slack Name"] = "Added by a coordinator", ["Active"] = true });

        Assert.Null(await h.Store.GetMentorAsync("UADDED001"));
        clock.Advance(TimeSpan.FromMinutes(5));
        h.Fake.ClearCalls();
        Assert.Null(await h.Store.GetMentorAsync("UADDED001"));
        // The refresh may already have landed; if not, wait for it.
        await (h.Lookups.Refreshing ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("Added by a coordinator", (await h.Store.GetMentorAsync("UADDED001"))!.Name);
        // Mentors, the three option tables, and the open, claimed and recent requests.
        Assert.Equal(5, h.Fake.Calls.Count);
    }

    [Fact]
    public async Task AMentorSavedDuringARefresh_IsNotLostWhenTheRefreshLands()
    {
        var clock = new ManualTimeProvider();
        await using var h = await FakeAirtableHarness.StartAsync(clock: clock);
        await h.Store.WarmUpAsync();
        clock.Advance(TimeSpan.FromMinutes(6));
        // The refresh reads the mentors before the save lands, and its answer arrives after it.
        var release = h.Fake.HoldAnswers((method, path) => method == "GET" && path.EndsWith("/Mentors", StringComparison.Ordinal));

        await h.Store.GetOptionListsAsync();
        var refreshing = h.Lookups.Refreshing!;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (h.Fake.HeldAnswers == 0 && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        await h.Store.SaveMentorAsync(Profile("UMENTOR09"), T0);
        release();
        await refreshing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(h.Lookups.Refreshing);
        Assert.NotNull(await h.Store.GetMentorAsync("UMENTOR09"));
    }

    [Fact]
    public async Task EveryTableAndFieldName_CanBeConfigured()
    {
        var names = new AirtableStoreOptions();
        names.Tables.Mentors = "Volunteers";
        names.Tables.Requests = "Requests 2025";
        names.Tables.Skillsets = "Skills";
        names.Fields.Mentors.SlackUserId = "Slack ID";
        names.Fields.Requests.Status = "Stage";
        names.Fields.Requests.Reference = "Ticket";
        names.Fields.Skillsets.Name = "Skill";
        names.Fields.Requests.ClaimedBy = "";
        await using var h = await FakeAirtableHarness.StartAsync(storeOptions: names);

        await h.Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var request = await CreateAsync(h.Store, Request());
        Assert.True((await h.Store.TryClaimAsync(request.Reference, "UMENTOR01", T0))!.Applied);

        Assert.Equal("UMENTOR01", h.Table("Volunteers").Records.Single().Text("Slack ID"));
        var row = h.Table("Requests 2025").Records.Single();
        Assert.Equal("claimed", row.Text("Stage"));
        Assert.Equal("R-1001", row.Text("Ticket"));
        Assert.Null(h.Table("Requests 2025").Field("Claimed By"));
        Assert.Null(h.Base.Table("Mentors"));
    }

    [Fact]
    public async Task ARateLimitStorm_LosesNoWriteAndDuplicatesNone()
    {
        await using var h = await FakeAirtableHarness.StartAsync(o => o.RateLimitPenalty = TimeSpan.FromMilliseconds(150));
        h.Fake.Penalty = TimeSpan.FromMilliseconds(100);
        await h.Store.WarmUpAsync();
        // Each injected 429 starts a penalty during which every request in flight is refused too: three rounds of refusals.
        h.Fake.FailNext(3, HttpStatusCode.TooManyRequests);

        var created = await Task.WhenAll(Enumerable.Range(1, 30).Select(i => Task.Run(() => CreateAsync(h.Store, Request($"UMENTEE{i:D2}")))));

        Assert.True(h.Fake.Calls.Count(c => c.Status == 429) >= 30, "Every request should have met at least one 429.");
        Assert.Equal(30, h.Requests.Records.Count);
        Assert.Equal(30, created.Select(r => r.Reference).Distinct().Count());
        Assert.Equal(created.Select(r => r.Reference).Order(), h.Requests.Records.Select(r => r.Text("Reference")).Order());
    }

    [Fact]
    public async Task ABurstOfServerErrors_EvenAfterTheWriteLanded_LosesNoWriteAndDuplicatesNone()
    {
        await using var h = await FakeAirtableHarness.StartAsync();
        await h.Store.WarmUpAsync();
        // Answers lost after Airtable saved (a gateway timing out), then plain outages before it.
        h.Fake.FailNext(6, HttpStatusCode.BadGateway, afterWrite: true);
        h.Fake.FailNext(4, HttpStatusCode.ServiceUnavailable);

        var requests = Task.WhenAll(Enumerable.Range(1, 12).Select(i => Task.Run(() => CreateAsync(h.Store, Request($"UMENTEE{i:D2}")))));
        var mentors = Task.WhenAll(Enumerable.Range(1, 6).Select(i => Task.Run(() => h.Store.SaveMentorAsync(Profile($"UMENTOR{i:D2}"), T0))));
        await Task.WhenAll(requests, mentors);

        Assert.Equal(10, h.Fake.Calls.Count(c => c.Status >= 500));
        Assert.Equal(12, h.Requests.Records.Count);
        Assert.Equal(12, h.Requests.Records.Select(r => r.Text("Reference")).Distinct().Count());
        Assert.Equal(6, h.Mentors.Records.Count);
    }

    [Fact]
    public async Task ATimedOutCreate_IsRetriedIntoOneRow()
    {
        await using var h = await FakeAirtableHarness.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        await h.Store.WarmUpAsync();
        h.Fake.StallNext(1);

        await CreateAsync(h.Store, Request());

        Assert.Single(h.Requests.Records);
    }
}
