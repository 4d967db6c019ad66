using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage;

/// <summary>The follow-up ladder's state and the end of a request's life (<see cref="OperationCodeMentor.Storage.IMentorshipStore.GetDueFollowUpsAsync"/> and the changes the sweep makes).</summary>
public abstract partial class MentorshipStoreContract
{
    private async Task<TrackedRequest> TrackedAsync(string id) => (await Store.GetRequestAsync(id))!;

    private async Task<string> ClaimedRequestAsync(string mentee = "UMENTEE01", string mentor = "UMENTOR01")
    {
        var id = await OpenRequestAsync(mentee);
        Assert.True(((await Store.TryClaimAsync(id, mentor, T0.AddHours(1))))!.Applied);
        return id;
    }

    private async Task<string> CompletedRequestAsync(string mentee = "UMENTEE01", string mentor = "UMENTOR01")
    {
        var id = await ClaimedRequestAsync(mentee, mentor);
        Assert.True(((await Store.TryCompleteSessionAsync(id, mentor, mentor, T0.AddDays(2))))!.Applied);
        return id;
    }

    /// <summary>Begins and completes <paramref name="step"/> from the request's current state, as a sweep would.</summary>
    private async Task TakeStepAsync(string id, FollowUpStep step, Func<FollowUpState, FollowUpState> after, DateTimeOffset at)
    {
        var tracked = await TrackedAsync(id);
        var token = Guid.NewGuid().ToString("N");
        Assert.True(await Store.TryBeginStepAsync(id, tracked.Version, step, token, at));
        Assert.True(await Store.TryCompleteStepAsync(id, token, after(tracked.FollowUp) with { PendingStep = null, PendingToken = null, PendingAt = null }, at));
    }

    [Fact]
    public async Task ANewRequest_IsDueForPlanningAtOnce_WithAFreshLadder()
    {
        var id = await OpenRequestAsync();

        var tracked = await TrackedAsync(id);

        Assert.Equal(DateTimeOffset.UnixEpoch, tracked.FollowUp.NextActionAt);
        Assert.Equal(0, tracked.FollowUp.BumpCount);
        Assert.Null(tracked.FollowUp.PendingStep);
        Assert.Null(tracked.FollowUp.PendingToken);
        Assert.Null(tracked.Outcome.FollowUpOf);
        Assert.Equal([id], (await Store.GetDueFollowUpsAsync(T0, 10)).Select(t => t.Request.Reference));
        Assert.Null(await Store.GetRequestAsync("R-999999"));
    }

    [Fact]
    public async Task GetDueFollowUps_ReturnsOnlyWhatIsDueByNow_EarliestFirst_UpToTheLimit()
    {
        var early = await OpenRequestAsync("UMENTEE01");
        var late = await OpenRequestAsync("UMENTEE02");
        var never = await OpenRequestAsync("UMENTEE03");
        var closed = await OpenRequestAsync("UMENTEE04");
        await Store.TryCloseAsync(closed, "UCOORD01", "duplicate", T0);
        var plans = new List<PlannedAction>();
        foreach (var (id, at) in new[] { (late, (DateTimeOffset?)T0.AddHours(2)), (early, T0.AddHours(1)), (never, null) })
            plans.Add(new PlannedAction(id, (await TrackedAsync(id)).Version, at));
        Assert.Equal(3, await Store.PlanNextActionsAsync(plans));

        Assert.Empty(await Store.GetDueFollowUpsAsync(T0.AddMinutes(59), 10));
        Assert.Equal([early], (await Store.GetDueFollowUpsAsync(T0.AddMinutes(90), 10)).Select(t => t.Request.Reference));
        // Due at exactly now counts as due.
        Assert.Equal([early, late], (await Store.GetDueFollowUpsAsync(T0.AddHours(2), 10)).Select(t => t.Request.Reference));
        Assert.Equal([early], (await Store.GetDueFollowUpsAsync(T0.AddDays(30), 1)).Select(t => t.Request.Reference));
        Assert.Null((await TrackedAsync(never)).FollowUp.NextActionAt);
    }

    [Fact]
    public async Task PlanNextActions_TheSameRequestTwiceInOneCall_TakesTheFirstPlan_TheSecondFindsItChanged()
    {
        var id = await OpenRequestAsync();
        var version = (await TrackedAsync(id)).Version;

        Assert.Equal(1, await Store.PlanNextActionsAsync([new PlannedAction(id, version, T0.AddHours(1)), new PlannedAction(id, version, T0.AddHours(5))]));
        Assert.Equal(T0.AddHours(1), (await TrackedAsync(id)).FollowUp.NextActionAt);
    }

    [Fact]
    public async Task PlanNextActions_SkipsARequestThatChangedSinceItWasRead()
    {
        var id = await OpenRequestAsync();
        var stale = (await TrackedAsync(id)).Version;
        await Store.TryClaimAsync(id, "UMENTOR01", T0);

        Assert.Equal(0, await Store.PlanNextActionsAsync([new PlannedAction(id, stale, T0.AddDays(1))]));
        Assert.Equal(DateTimeOffset.UnixEpoch, (await TrackedAsync(id)).FollowUp.NextActionAt);
    }

    [Fact]
    public async Task TryBeginStep_TenSweepsWithTheSameVersion_ExactlyOneWins_AndItsIntentIsRecorded()
    {
        var id = await OpenRequestAsync();
        var version = (await TrackedAsync(id)).Version;

        var won = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Task.Run(() => Store.TryBeginStepAsync(id, version, FollowUpStep.Bump, $"token{i}", T0.AddDays(1)))));

        var winner = Assert.Single(Enumerable.Range(0, 10), i => won[i]);
        var tracked = await TrackedAsync(id);
        Assert.Equal(FollowUpStep.Bump, tracked.FollowUp.PendingStep);
        Assert.Equal($"token{winner}", tracked.FollowUp.PendingToken);
        Assert.Equal(T0.AddDays(1), tracked.FollowUp.PendingAt);
        Assert.NotEqual(version, tracked.Version);
    }

    [Fact]
    public async Task TryBeginStep_WithAStaleVersion_OrOnAnEndedRequest_IsRefused()
    {
        var id = await OpenRequestAsync();
        var stale = (await TrackedAsync(id)).Version;
        await Store.TryClaimAsync(id, "UMENTOR01", T0);

        Assert.False(await Store.TryBeginStepAsync(id, stale, FollowUpStep.Bump, "late", T0));
        Assert.Null((await TrackedAsync(id)).FollowUp.PendingToken);

        var closed = await OpenRequestAsync("UMENTEE02");
        await Store.TryCloseAsync(closed, "UCOORD01", "spam", T0);
        Assert.False(await Store.TryBeginStepAsync(closed, (await TrackedAsync(closed)).Version, FollowUpStep.Bump, "t", T0));
        Assert.False(await Store.TryBeginStepAsync("R-999999", 0, FollowUpStep.Bump, "t", T0));
    }

    [Fact]
    public async Task TryCompleteStep_RecordsTheStepAndItsNextAction_OnlyForTheTokenThatBeganIt()
    {
        var id = await OpenRequestAsync();
        var tracked = await TrackedAsync(id);
        Assert.True(await Store.TryBeginStepAsync(id, tracked.Version, FollowUpStep.Bump, "tok-1", T0.AddDays(1)));
        var after = tracked.FollowUp with { BumpCount = 1, LastBumpAt = T0.AddDays(1), NextActionAt = T0.AddDays(3) };

        Assert.False(await Store.TryCompleteStepAsync(id, "another-token", after, T0.AddDays(1)));
        Assert.True(await Store.TryCompleteStepAsync(id, "tok-1", after, T0.AddDays(1)));
        Assert.False(await Store.TryCompleteStepAsync(id, "tok-1", after with { BumpCount = 2 }, T0.AddDays(1)));

        var state = (await TrackedAsync(id)).FollowUp;
        Assert.Equal(1, state.BumpCount);
        Assert.Equal(T0.AddDays(1), state.LastBumpAt);
        Assert.Equal(T0.AddDays(3), state.NextActionAt);
        Assert.Null(state.PendingStep);
        Assert.Null(state.PendingToken);
        Assert.Null(state.PendingAt);
    }

    [Fact]
    public async Task TryAbandonStep_DropsThePendingStep_AndTriesAgainLater()
    {
        var id = await OpenRequestAsync();
        var version = (await TrackedAsync(id)).Version;
        Assert.True(await Store.TryBeginStepAsync(id, version, FollowUpStep.NotifyCoordinators, "tok-2", T0.AddDays(3)));

        Assert.False(await Store.TryAbandonStepAsync(id, "another-token", T0.AddDays(4)));
        Assert.True(await Store.TryAbandonStepAsync(id, "tok-2", T0.AddDays(4)));

        var state = (await TrackedAsync(id)).FollowUp;
        Assert.Null(state.PendingToken);
        Assert.Null(state.CoordinatorsNotifiedAt);
        Assert.Equal(T0.AddDays(4), state.NextActionAt);
        Assert.False(await Store.TryCompleteStepAsync(id, "tok-2", state, T0.AddDays(4)));
    }

    [Fact]
    public async Task AClaim_StartsAFreshClaimedLadder_AndARelease_AFreshOpenOne()
    {
        var id = await OpenRequestAsync();
        await TakeStepAsync(id, FollowUpStep.Bump, s => s with { BumpCount = 1, LastBumpAt = T0.AddDays(1) }, T0.AddDays(1));
        await TakeStepAsync(id, FollowUpStep.NotifyCoordinators, s => s with { CoordinatorsNotifiedAt = T0.AddDays(3) }, T0.AddDays(3));
        var open = await TrackedAsync(id);
        Assert.True(await Store.TryBeginStepAsync(id, open.Version, FollowUpStep.Bump, "in-flight", T0.AddDays(3)));

        await Store.TryClaimAsync(id, "UMENTOR01", T0.AddDays(4));
        var claimed = (await TrackedAsync(id)).FollowUp;
        // The step in flight belongs to the old phase: it is dropped, and cannot be recorded any more.
        Assert.Null(claimed.PendingToken);
        Assert.Equal(DateTimeOffset.UnixEpoch, claimed.NextActionAt);
        Assert.False(await Store.TryCompleteStepAsync(id, "in-flight", claimed, T0.AddDays(4)));
        await TakeStepAsync(id, FollowUpStep.NudgeMentor, s => s with { MentorNudgedAt = T0.AddDays(11) }, T0.AddDays(11));

        await Store.TryReleaseAsync(id, "UMENTOR01", "UMENTOR01", T0.AddDays(12));
        var reopened = (await TrackedAsync(id)).FollowUp;
        Assert.Equal(0, reopened.BumpCount);
        Assert.Null(reopened.LastBumpAt);
        Assert.Null(reopened.CoordinatorsNotifiedAt);
        Assert.Equal(DateTimeOffset.UnixEpoch, reopened.NextActionAt);

        await Store.TryClaimAsync(id, "UMENTOR02", T0.AddDays(13));
        Assert.Null((await TrackedAsync(id)).FollowUp.MentorNudgedAt);
    }

    [Fact]
    public async Task Cancel_EndsAnOpenRequest_AndClose_AClaimedOneToo()
    {
        var open = await OpenRequestAsync("UMENTEE01");
        var claimed = await ClaimedRequestAsync("UMENTEE02");

        var closed = await Store.TryCancelAsync(open, "UMENTEE01", T0.AddHours(5));
        Assert.True(closed!.Applied);
        Assert.Equal(RequestStatus.Cancelled, closed!.Result.Request.Status);
        var tracked = await TrackedAsync(open);
        Assert.Equal("UMENTEE01", tracked.Outcome.ClosedBy);
        Assert.Equal(RequestLifecycle.MenteeCancelReason, tracked.Outcome.CloseReason);
        Assert.Equal(T0.AddHours(5), tracked.Outcome.ClosedAt);
        Assert.Null(tracked.FollowUp.NextActionAt);
        Assert.False(((await Store.TryCloseAsync(open, "UCOORD01", "again", T0)))!.Applied);

        Assert.False(((await Store.TryCancelAsync(claimed, "UMENTEE02", T0)))!.Applied);
        Assert.Equal(RequestStatus.Claimed, (await ReadAsync(claimed))!.Status);
        Assert.True(((await Store.TryCloseAsync(claimed, "UCOORD01", "no longer needed", T0)))!.Applied);
        Assert.Null((await Store.TryCloseAsync("R-999999", "UCOORD01", "x", T0)));
        Assert.Empty(await Store.GetDueFollowUpsAsync(T0.AddDays(100), 10));
    }

    [Fact]
    public async Task TryCompleteSession_ByTheClaimer_EndsTheRequest_AndTellsAnyoneElseWhatChanged()
    {
        var id = await ClaimedRequestAsync();

        Assert.Equal(Refusal.NotAllowed, ((await Store.TryCompleteSessionAsync(id, "UMENTOR02", "UMENTOR02", T0)))!.Refused);
        var done = await Store.TryCompleteSessionAsync(id, "UMENTOR01", "UCOORD01", T0.AddDays(2));

        Assert.True(done!.Applied);
        Assert.Equal(RequestStatus.Completed, done!.Result.Request.Status);
        var tracked = await TrackedAsync(id);
        Assert.Equal(T0.AddDays(2), tracked.Outcome.CompletedAt);
        Assert.Equal("UCOORD01", tracked.Outcome.CompletedBy);
        Assert.Null(tracked.FollowUp.NextActionAt);
        Assert.False(((await Store.TryCompleteSessionAsync(id, "UMENTOR01", "UMENTOR01", T0)))!.Applied);
        Assert.False(((await Store.TryCompleteSessionAsync(await OpenRequestAsync("UMENTEE02"), "UMENTOR01", "UMENTOR01", T0)))!.Applied);
    }

    [Fact]
    public async Task TryAssign_MovesAClaim_OnlyFromTheExpectedMentor()
    {
        await Store.SaveMentorAsync(Profile("UMENTOR02"), T0);
        var id = await ClaimedRequestAsync();

        var wrong = await Store.TryAssignAsync(id, "UMENTOR02", "UCOORD01", "UMENTOR03", T0);
        Assert.Equal(Refusal.AlreadyClaimed, wrong!.Refused);
        Assert.Equal("UMENTOR01", wrong!.Result.Request.ClaimedBy);
        var moved = await ChangeAsTheBotDoesAsync(id, StoreChanges.Coordinator("UCOORD01"),
            new RequestCommand.Assign("UMENTOR02", await Store.GetMentorLoadAsync("UMENTOR02"), "UMENTOR01"), T0.AddDays(1));

        Assert.True(moved!.Applied);
        Assert.Equal("UMENTOR02", moved!.Result.Request.ClaimedBy);
        Assert.Equal(T0.AddDays(1), moved!.Result.Request.ClaimedAt);
        Assert.Equal(T0.AddDays(1), (await Store.GetMentorAsync("UMENTOR02"))!.LastClaimedAt);
        Assert.Equal(DateTimeOffset.UnixEpoch, (await TrackedAsync(id)).FollowUp.NextActionAt);
        var closed = await OpenRequestAsync("UMENTEE02");
        await Store.TryCloseAsync(closed, "UCOORD01", null, T0);
        Assert.Equal(Refusal.NotOpen, ((await Store.TryAssignAsync(closed, "UMENTOR02", "UCOORD01", "UMENTOR01", T0)))!.Refused);
    }

    [Fact]
    public async Task TryRecordFeedback_IsStoredOnce_AndOnlyForACompletedSession()
    {
        var id = await CompletedRequestAsync();
        Assert.False((await Store.TryRecordFeedbackAsync(await ClaimedRequestAsync("UMENTEE02"), SessionFeedback.Helped, "UMENTEE02", T0)).Decision!.Applied);

        var first = await Store.TryRecordFeedbackAsync(id, SessionFeedback.Helped, "UMENTEE01", T0.AddDays(3));
        var second = await Store.TryRecordFeedbackAsync(id, SessionFeedback.AnotherMentor, "UMENTEE01", T0.AddDays(4));

        Assert.True(first.Decision!.Applied);
        Assert.Null(first.FollowUpRequest);
        Assert.False(second.Decision!.Applied);
        Assert.Null(second.FollowUpRequest);
        var outcome = (await TrackedAsync(id)).Outcome;
        Assert.Equal(SessionFeedback.Helped, outcome.Feedback);
        Assert.Equal("UMENTEE01", outcome.FeedbackBy);
        Assert.Equal(T0.AddDays(3), outcome.FeedbackAt);
        Assert.Single(await Store.GetMenteeRequestsAsync("UMENTEE01", T0.AddYears(-1)));
        Assert.Null((await Store.TryRecordFeedbackAsync("R-999999", SessionFeedback.Helped, "U1", T0)).Decision);
    }

    [Fact]
    public async Task TryRecordFeedback_AnotherMentor_OpensOneNewRequestLinkedToTheFirst()
    {
        var id = await CompletedRequestAsync();

        var outcome = await Store.TryRecordFeedbackAsync(id, SessionFeedback.AnotherMentor, "UMENTEE01", T0.AddDays(3));
        await Store.TryRecordFeedbackAsync(id, SessionFeedback.AnotherMentor, "UMENTEE01", T0.AddDays(3));

        Assert.True(outcome.Decision!.Applied);
        Assert.Equal(SessionFeedback.AnotherMentor, outcome.Decision.Result.Outcome.Feedback);
        var again = outcome.FollowUpRequest!;
        var first = (await ReadAsync(id))!;
        Assert.NotEqual(id, again.Reference);
        Assert.NotEqual(first.Reference, again.Reference);
        Assert.Equal(RequestStatus.Open, again.Status);
        Assert.Equal((first.MenteeSlackId, first.Service, first.Details, first.Affiliation), (again.MenteeSlackId, again.Service, again.Details, again.Affiliation));
        Assert.Equal(first.Skills, again.Skills);
        Assert.Equal(T0.AddDays(3), again.CreatedAt);
        var tracked = await TrackedAsync(again.Reference);
        Assert.Equal(id, tracked.Outcome.FollowUpOf);
        Assert.Equal(DateTimeOffset.UnixEpoch, tracked.FollowUp.NextActionAt);
        Assert.Equal([again.Reference], (await Store.GetOpenRequestsAsync()).Select(r => r.Reference));
    }
}
