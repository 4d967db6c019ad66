using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage;

/// <summary>The coordinator's queries and actions, the stats' activity, and submission-key idempotency.</summary>
public abstract partial class MentorshipStoreContract
{
    private Task<MentorRequest> CreateAtAsync(string mentee, DateTimeOffset at, string? key = null) =>
        CreateAsync(NewRequest(mentee) with { CreatedAt = at, SubmissionKey = key });

    [Fact]
    public async Task CreateRequest_WithTheSameSubmissionKey_ReturnsTheFirstRequest_NeverASecondRow()
    {
        var first = await CreateAsync(NewRequest("UMENTEE01") with { SubmissionKey = "request-view:V1" });
        var repeat = await CreateAsync(NewRequest("UMENTEE01", details: "Sent again with other words.") with { SubmissionKey = "request-view:V1" });
        var other = await CreateAsync(NewRequest("UMENTEE01") with { SubmissionKey = "request-view:V2" });

        Assert.Equal(first.Reference, repeat.Reference);
        Assert.Equal(first.Reference, repeat.Reference);
        Assert.Equal(first.Details, repeat.Details);
        Assert.NotEqual(first.Reference, other.Reference);
        Assert.Equal(first.Reference, (await Store.FindRequestBySubmissionAsync("request-view:V1"))!.Reference);
        Assert.Null(await Store.FindRequestBySubmissionAsync("request-view:V3"));
        Assert.Null(await Store.FindRequestBySubmissionAsync(FormulaInjection));
        Assert.Equal(2, (await Store.GetOpenRequestsAsync()).Count);
    }

    [Fact]
    public async Task CreateRequest_RepeatedAfterTheRequestMovedOn_LeavesItAsItIs()
    {
        var first = await CreateAsync(NewRequest() with { SubmissionKey = "request-view:V1" });
        await Store.TryClaimAsync(first.Reference, "UMENTOR01", T0.AddHours(1));

        var repeat = await CreateAsync(NewRequest() with { SubmissionKey = "request-view:V1" });

        Assert.Equal(first.Reference, repeat.Reference);
        Assert.Equal(RequestStatus.Claimed, repeat.Status);
        Assert.Equal("UMENTOR01", (await ReadAsync(first.Reference))!.ClaimedBy);
    }

    [Fact]
    public async Task CreateRequest_TenAtOnceWithOneSubmissionKey_StoresOneRequest()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Task.Run(() => CreateAsync(NewRequest() with { SubmissionKey = "request-view:V9" }))));

        Assert.Single(created.Select(r => r.Reference).Distinct());
        Assert.Single(await Store.GetOpenRequestsAsync());
    }

    [Fact]
    public async Task ReservedNumbers_AreNeverHandedOutTwice_AndTheRequestIsStoredOnceWithItsCard()
    {
        var reserved = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Store.ReserveRequestNumberAsync())));
        var numberedLater = await CreateAsync(NewRequest("UMENTEE02"));
        Assert.Equal(6, reserved.Append(Number(numberedLater)).Distinct().Count());

        var post = new RequestPost("G0MENTORS", "1741000000.000100", ["UMENTOR01", "UMENTOR02"]);
        var stored = await CreateAsync(NewRequest("UMENTEE01") with { Number = reserved[2], Post = post, SubmissionKey = "request-view:V7" });
        var again = await CreateAsync(NewRequest("UMENTEE01") with { Number = reserved[2], Post = post, SubmissionKey = "request-view:V7" });

        Assert.Equal(RequestReference.Format(reserved[2]), stored.Reference);
        Assert.Equal(stored.Reference, again.Reference);
        var read = (await ReadAsync(stored.Reference))!;
        Assert.Equal(("G0MENTORS", "1741000000.000100"), (read.ChannelId, read.MessageTs));
        Assert.Equal(["UMENTOR01", "UMENTOR02"], read.MentionedMentors);
        Assert.Equal(stored.Reference, (await Store.GetRequestAsync(RequestReference.Format(reserved[2])))?.Reference);
        // Reserved but not stored (yet): nothing answers to that number.
        Assert.Null(await Store.GetRequestAsync(RequestReference.Format(reserved[3])));
        Assert.Equal(2, (await Store.GetOpenRequestsAsync()).Count);
    }

    private static long Number(MentorRequest r) => RequestReference.TryParse(r.Reference, out var n) ? n : throw new InvalidOperationException(r.Reference);

    [Fact]
    public async Task FindRequestByNumber_FindsTheReference_AndNothingElse()
    {
        await OpenRequestAsync("UMENTEE01");
        var second = await CreateAsync(NewRequest("UMENTEE02"));

        Assert.Equal(second.Reference, (await ReadAsync(RequestReference.Format(1002)))!.Reference);
        Assert.Null(await Store.GetRequestAsync(RequestReference.Format(1003)));
        Assert.Null(await Store.GetRequestAsync(RequestReference.Format(0)));
        Assert.Null(await Store.GetRequestAsync(RequestReference.Format(-1001)));
    }

    [Fact]
    public async Task GetOpenRequests_ListsOnlyTheWaitingOnes_OldestFirst()
    {
        var newer = await CreateAtAsync("UMENTEE01", T0.AddHours(2));
        var older = await CreateAtAsync("UMENTEE02", T0);
        var claimed = await CreateAtAsync("UMENTEE03", T0.AddHours(1));
        await Store.TryClaimAsync(claimed.Reference, "UMENTOR01", T0.AddHours(3));

        Assert.Equal([older.Reference, newer.Reference], (await Store.GetOpenRequestsAsync()).Select(r => r.Reference));
    }

    [Fact]
    public async Task GetMenteeRequests_TheirsSinceThen_PlusAnyStillOpen_NewestFirst()
    {
        var oldOpen = await CreateAtAsync("UMENTEE01", T0.AddDays(-60));
        var oldClosed = await CreateAtAsync("UMENTEE01", T0.AddDays(-50));
        await Store.TryCloseAsync(oldClosed.Reference, "UCOORD01", null, T0);
        var recent = await CreateAtAsync("UMENTEE01", T0.AddDays(-1));
        var boundary = await CreateAtAsync("UMENTEE01", T0.AddDays(-30));
        await CreateAtAsync("UMENTEE02", T0);

        var mine = await Store.GetMenteeRequestsAsync("UMENTEE01", T0.AddDays(-30));

        Assert.Equal([recent.Reference, boundary.Reference, oldOpen.Reference], mine.Select(r => r.Reference));
        Assert.Empty(await Store.GetMenteeRequestsAsync(FormulaInjection, T0.AddYears(-5)));

        // Many asked at once (a burst of submissions; the PostgreSQL store reads them together): each gets only its own.
        var many = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 3) switch
        {
            0 => Store.GetMenteeRequestsAsync("UMENTEE01", T0.AddDays(-30)),
            1 => Store.GetMenteeRequestsAsync("UMENTEE01", T0.AddDays(-55)),
            _ => Store.GetMenteeRequestsAsync("UMENTEE02", T0.AddDays(-30)),
        }));
        for (var i = 0; i < many.Length; i++)
        {
            Assert.Equal((i % 3) switch
            {
                0 => [recent.Reference, boundary.Reference, oldOpen.Reference],
                1 => [recent.Reference, boundary.Reference, oldClosed.Reference, oldOpen.Reference],
                _ => (string[])[(await Store.GetMenteeRequestsAsync("UMENTEE02", T0.AddDays(-30))).Single().Reference],
            }, many[i].Select(r => r.Reference));
        }
    }

    [Fact]
    public async Task GetMentorHistory_WhatTheyHoldOrFinished_MostRecentClaimFirst_UpToTheLimit_AlsoWithEachSessionAsStored()
    {
        var first = await OpenRequestAsync("UMENTEE01");
        var second = await OpenRequestAsync("UMENTEE02");
        var third = await OpenRequestAsync("UMENTEE03");
        var released = await OpenRequestAsync("UMENTEE04");
        await Store.TryClaimAsync(first, "UMENTOR01", T0.AddHours(1));
        await Store.TryClaimAsync(second, "UMENTOR01", T0.AddHours(3));
        await Store.TryClaimAsync(third, "UMENTOR01", T0.AddHours(2));
        await Store.TryCompleteSessionAsync(third, "UMENTOR01", "UMENTOR01", T0.AddHours(4));
        await Store.TryClaimAsync(released, "UMENTOR01", T0.AddHours(5));
        await Store.TryReleaseAsync(released, "UMENTOR01", "UMENTOR01", T0.AddHours(6));
        Assert.True((await Store.ApplyAsync(first, new Actor("UMENTEE01"), new RequestCommand.SetTime(T0.AddDays(3)), T0.AddHours(7)))!.Applied);

        Assert.Equal([second, third, first], (await Store.GetMentorHistoryAsync("UMENTOR01", 10)).Select(r => r.Reference));
        Assert.Equal([second, third], (await Store.GetMentorHistoryAsync("UMENTOR01", 2)).Select(r => r.Reference));
        Assert.Empty(await Store.GetMentorHistoryAsync("UMENTOR02", 10));

        // The same requests in the same order, each as a read of it alone has it.
        var tracked = await Store.GetMentorHistoryTrackedAsync("UMENTOR01", 10);
        Assert.Equal([second, third, first], tracked.Select(t => t.Reference));
        foreach (var t in tracked)
        {
            var stored = await TrackedAsync(t.Reference);
            Assert.Equal((stored.Request.Status, stored.Request.ClaimedAt, stored.Version), (t.Request.Status, t.Request.ClaimedAt, t.Version));
            Assert.Equal((stored.Session.SessionAt, stored.Outcome.CompletedAt), (t.Session.SessionAt, t.Outcome.CompletedAt));
        }
        Assert.Equal((T0.AddHours(4), T0.AddDays(3)), (tracked[1].Outcome.CompletedAt, tracked[2].Session.SessionAt));
        Assert.Equal([second, third], (await Store.GetMentorHistoryTrackedAsync("UMENTOR01", 2)).Select(t => t.Reference));
        Assert.Empty(await Store.GetMentorHistoryTrackedAsync("UMENTOR02", 10));
    }

    [Fact]
    public async Task TryAssign_PairsAnOpenRequest_AndCannotOvertakeAClaim()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR01"), T0);
        var id = await OpenRequestAsync();

        var assigned = await ChangeAsTheBotDoesAsync(id, StoreChanges.Coordinator("UCOORD01"),
            new RequestCommand.Assign("UMENTOR01", await Store.GetMentorLoadAsync("UMENTOR01"), null), T0.AddHours(1));
        var late = await Store.TryAssignAsync(id, "UMENTOR02", "UCOORD02", null, T0.AddHours(2));

        Assert.True(assigned!.Applied);
        Assert.Equal("UMENTOR01", assigned!.Result.Request.ClaimedBy);
        Assert.Equal(T0.AddHours(1), (await Store.GetMentorAsync("UMENTOR01"))!.LastClaimedAt);
        Assert.Equal(Refusal.AlreadyClaimed, late!.Refused);
        Assert.Equal("UMENTOR01", late!.Result.Request.ClaimedBy);
        Assert.Null((await Store.TryAssignAsync("R-999999", "UMENTOR01", "UCOORD01", null, T0)));
        var closed = await OpenRequestAsync("UMENTEE02");
        await Store.TryCloseAsync(closed, "UCOORD01", null, T0);
        Assert.Equal(Refusal.NotOpen, ((await Store.TryAssignAsync(closed, "UMENTOR01", "UCOORD01", null, T0)))!.Refused);
    }

    [Fact]
    public async Task TryCloseAndTryReopen_ChangeOnlyRequestsInTheRightState()
    {
        var open = await OpenRequestAsync("UMENTEE01");
        var claimed = await ClaimedRequestAsync("UMENTEE02");

        var closed = await Store.TryCloseAsync(open, "UCOORD01", "duplicate of R-1002", T0.AddHours(2));
        Assert.True(closed!.Applied);
        Assert.Equal(RequestStatus.Cancelled, closed!.Result.Request.Status);
        Assert.False(((await Store.TryCloseAsync(open, "UCOORD02", null, T0)))!.Applied);
        Assert.True(((await Store.TryCloseAsync(claimed, "UCOORD01", null, T0)))!.Applied);
        Assert.Null((await Store.TryCloseAsync("R-999999", "UCOORD01", null, T0)));

        var reopened = await Store.TryReopenAsync(claimed, "UCOORD01", T0);
        Assert.True(reopened!.Applied);
        Assert.Equal(RequestStatus.Open, reopened!.Result.Request.Status);
        Assert.Null(reopened!.Result.Request.ClaimedBy);
        Assert.Null(reopened!.Result.Request.ClaimedAt);
        var tracked = (await Store.GetRequestAsync(claimed))!;
        Assert.Null(tracked.Outcome.ClosedBy);
        Assert.Null(tracked.Outcome.CloseReason);
        Assert.Equal(DateTimeOffset.UnixEpoch, tracked.FollowUp.NextActionAt);
        Assert.False(((await Store.TryReopenAsync(claimed, "UCOORD01", T0)))!.Applied);
        Assert.Null((await Store.TryReopenAsync("R-999999", "UCOORD01", T0)));
        Assert.True(((await Store.TryClaimAsync(claimed, "UMENTOR03", T0.AddDays(1))))!.Applied);
    }

    [Fact]
    public async Task AReopen_IsKeptAsWhenTheOpenLadderStarts_AndEndsAHoldFromBeforeTheClose()
    {
        var id = await OpenRequestAsync();
        Assert.True((await Store.ApplyAsync(id, Coordinator01, new RequestCommand.Hold(T0.AddDays(5)), T0.AddHours(1)))!.Applied);
        Assert.True((await Store.TryCloseAsync(id, "UCOORD01", "asked twice", T0.AddDays(1)))!.Applied);
        var reopenedAt = T0.AddDays(20);

        Assert.True((await Store.TryReopenAsync(id, "UCOORD01", reopenedAt))!.Applied);

        var t = (await Store.GetRequestAsync(id))!;
        Assert.Equal(reopenedAt, t.Session.ResumedAt);
        Assert.Equal((null, null), (t.Session.OnHoldUntil, t.Session.OnHoldBy));
        Assert.Equal(DateTimeOffset.UnixEpoch, t.FollowUp.NextActionAt);
        Assert.Equal([id], (await Store.GetDueFollowUpsAsync(reopenedAt, 10)).Select(d => d.Reference));
        // Planned from what the store gives back, the first bump is a day after the reopen, not 19 days overdue.
        var schedule = new OperationCodeMentor.Scheduling.ScheduleOptions();
        Assert.Equal(new OperationCodeMentor.Scheduling.FollowUpLadder.Due(FollowUpStep.Bump, reopenedAt + schedule.FirstBumpAfter),
            OperationCodeMentor.Scheduling.FollowUpLadder.Next(t, schedule));
    }

    [Fact]
    public async Task GetActivity_ReportsWhatHappenedToEachRequestSinceThen()
    {
        await CreateAtAsync("UMENTEE00", T0.AddDays(-1));
        var assigned = (await CreateAtAsync("UMENTEE01", T0)).Reference;
        await Store.TryAssignAsync(assigned, "UMENTOR01", "UCOORD01", null, T0.AddHours(5));
        var released = (await CreateAtAsync("UMENTEE02", T0.AddHours(1))).Reference;
        await Store.TryAssignAsync(released, "UMENTOR01", "UCOORD01", null, T0.AddHours(2));
        await Store.TryReleaseAsync(released, "UMENTOR01", "UMENTOR01", T0.AddHours(3));
        await Store.TryClaimAsync(released, "UMENTOR02", T0.AddHours(4));
        var closed = (await CreateAtAsync("UMENTEE03", T0.AddHours(2))).Reference;
        await Store.TryCloseAsync(closed, "UCOORD02", "spam", T0.AddHours(4));

        var history = await Store.GetActivityAsync(T0);
        var rows = ActivityHistory.From(history).Requests.ToDictionary(a => a.Request.Reference);

        Assert.Equal([assigned, released, closed], ActivityHistory.From(history).Requests.Select(a => a.Request.Reference));
        Assert.Equal(T0.AddHours(5), rows[assigned].FirstClaimedAt);
        Assert.Equal("UCOORD01", rows[assigned].AssignedBy);
        // The first claim outlives a release and a later claim; the assignment went with the claim it came with.
        Assert.Equal(T0.AddHours(2), rows[released].FirstClaimedAt);
        Assert.Null(rows[released].AssignedBy);
        Assert.Null(rows[closed].FirstClaimedAt);
        Assert.Equal("UCOORD02", rows[closed].ClosedBy);
        Assert.Equal("spam", rows[closed].CloseReason);
    }

    [Fact]
    public async Task GetActivity_FollowUpFacts_AreRightWheneverTheStoreSaysItTracksThem()
    {
        var escalated = await OpenRequestAsync("UMENTEE01");
        await TakeStepAsync(escalated, FollowUpStep.Escalate, s => s with { EscalatedAt = T0.AddDays(10) }, T0.AddDays(10));
        await Store.TryClaimAsync(escalated, "UMENTOR01", T0.AddDays(11));
        await Store.TryReleaseAsync(escalated, "UMENTOR01", "UMENTOR01", T0.AddDays(12));
        var helped = await CompletedRequestAsync("UMENTEE02");
        await Store.TryRecordFeedbackAsync(helped, SessionFeedback.Helped, "UMENTEE02", T0.AddDays(3));
        var rePaired = await CompletedRequestAsync("UMENTEE03");
        await Store.TryRecordFeedbackAsync(rePaired, SessionFeedback.AnotherMentor, "UMENTEE03", T0.AddDays(3));

        var history = await Store.GetActivityAsync(T0);
        var rows = ActivityHistory.From(history).Requests.ToDictionary(a => a.Request.Reference);

        Assert.Equal(4, rows.Count);
        if (ActivityHistory.From(history).Tracked.HasFlag(FollowUpFields.Escalation))
        {
            // Released after the escalation: it still counts as escalated.
            Assert.Equal(T0.AddDays(10), rows[escalated].EscalatedAt);
            Assert.Null(rows[helped].EscalatedAt);
        }
        if (ActivityHistory.From(history).Tracked.HasFlag(FollowUpFields.SessionDone))
        {
            Assert.Equal(T0.AddDays(2), rows[helped].SessionDoneAt);
            Assert.Null(rows[escalated].SessionDoneAt);
        }
        if (ActivityHistory.From(history).Tracked.HasFlag(FollowUpFields.Feedback))
        {
            Assert.True(rows[helped].Helped);
            Assert.False(rows[rePaired].Helped);
            Assert.Null(rows[escalated].Helped);
        }
        if (ActivityHistory.From(history).Tracked.HasFlag(FollowUpFields.RePairs))
        {
            Assert.Equal(1, rows[rePaired].RePairs);
            Assert.Equal(0, rows[helped].RePairs);
        }
    }
}
