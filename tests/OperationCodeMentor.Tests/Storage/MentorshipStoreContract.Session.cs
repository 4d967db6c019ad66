using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Storage;

/// <summary>What happens after the claim (<see cref="RequestSession"/>), kept by every store exactly as the lifecycle decided it.</summary>
public abstract partial class MentorshipStoreContract
{
    private static readonly Actor Coordinator01 = StoreChanges.Coordinator("UCOORD01");

    [Fact]
    public async Task TheConversation_TheTimeSet_AndContactAttempts_AreKept_AndANewPairingStartsWithoutThem()
    {
        var id = await ClaimedRequestAsync();
        var mentor = new Actor("UMENTOR01");
        Assert.True((await Store.ApplyAsync(id, Actor.Bot, new RequestCommand.RecordConversation("GPAIR01"), T0.AddHours(1)))!.Applied);
        Assert.True((await Store.ApplyAsync(id, new Actor("UMENTEE01"), new RequestCommand.SetTime(T0.AddDays(3)), T0.AddHours(2)))!.Applied);
        Assert.True((await Store.ApplyAsync(id, mentor, new RequestCommand.RecordContactAttempt(), T0.AddDays(1)))!.Applied);
        Assert.True((await Store.ApplyAsync(id, mentor, new RequestCommand.RecordContactAttempt(), T0.AddDays(2)))!.Applied);

        var s = (await TrackedAsync(id)).Session;
        Assert.Equal(("GPAIR01", T0.AddHours(1)), (s.ConversationId, s.ConversationOpenedAt));
        Assert.Equal((T0.AddDays(3), T0.AddHours(2), (DateTimeOffset?)null), (s.SessionAt, s.TimeFirstSetAt, s.ReminderSentAt));
        Assert.Equal((2, T0.AddDays(1), T0.AddDays(2)), (s.ContactAttempts, s.FirstAttemptAt, s.LastAttemptAt));
        // A time set brings the request back to the sweep, to plan its reminder.
        Assert.Equal(DateTimeOffset.UnixEpoch, (await TrackedAsync(id)).FollowUp.NextActionAt);

        // The reminder, as the sweep records it with its step.
        var tracked = await TrackedAsync(id);
        Assert.True(await Store.TryBeginStepAsync(id, tracked.Version, FollowUpStep.RemindSession, "tok-remind", T0.AddDays(3).AddHours(-1)));
        Assert.True(await Store.TryCompleteStepAsync(id, "tok-remind", tracked.FollowUp, T0.AddDays(3).AddHours(-1)));
        Assert.Equal(T0.AddDays(3).AddHours(-1), (await TrackedAsync(id)).Session.ReminderSentAt);

        Assert.True((await Store.TryReleaseAsync(id, "UMENTOR01", "UMENTOR01", T0.AddDays(4)))!.Applied);
        var released = (await TrackedAsync(id)).Session;
        Assert.Equal(RequestSession.None, released);
    }

    [Fact]
    public async Task NoResponse_AfterEnoughAttempts_EndsTheRequestAsContactLost()
    {
        var id = await ClaimedRequestAsync();
        var mentor = new Actor("UMENTOR01");
        var rules = new ContactRules(3, TimeSpan.FromDays(7));
        foreach (var day in new[] { 1, 4, 8 })
            Assert.True((await Store.ApplyAsync(id, mentor, new RequestCommand.RecordContactAttempt(), T0.AddDays(day)))!.Applied);
        Assert.Equal(Refusal.TooFewAttempts, (await Store.ApplyAsync(id, mentor, new RequestCommand.GiveUpContact(rules), T0.AddDays(7.5)))!.Refused);

        var decision = await Store.ApplyAsync(id, mentor, new RequestCommand.GiveUpContact(rules), T0.AddDays(8));

        Assert.True(decision!.Applied);
        var t = await TrackedAsync(id);
        Assert.Equal(RequestStatus.Cancelled, t.Request.Status);
        Assert.Equal(T0.AddDays(8), t.Session.ContactLostAt);
        Assert.Equal(("UMENTOR01", RequestLifecycle.ContactLostReason), (t.Outcome.ClosedBy, t.Outcome.CloseReason));
        Assert.Null(t.FollowUp.NextActionAt);
    }

    [Fact]
    public async Task AHold_KeepsTheRequestOffTheLadderUntilItsDate_AndItsEndIsKept()
    {
        var id = await OpenRequestAsync();
        Assert.Equal(Refusal.NotAllowed, (await Store.ApplyAsync(id, new Actor("UMENTEE01"), new RequestCommand.Hold(T0.AddDays(10)), T0))!.Refused);
        Assert.True((await Store.ApplyAsync(id, Coordinator01, new RequestCommand.Hold(T0.AddDays(10)), T0))!.Applied);

        var held = await TrackedAsync(id);
        Assert.Equal((T0.AddDays(10), "UCOORD01"), (held.Session.OnHoldUntil, held.Session.OnHoldBy));
        Assert.Equal(T0.AddDays(10), held.FollowUp.NextActionAt);
        Assert.Empty(await Store.GetDueFollowUpsAsync(T0.AddDays(9), 10));
        Assert.Equal([id], (await Store.GetDueFollowUpsAsync(T0.AddDays(10), 10)).Select(t => t.Reference));

        Assert.True((await Store.ApplyAsync(id, Coordinator01, new RequestCommand.Resume(), T0.AddDays(2)))!.Applied);
        var resumed = await TrackedAsync(id);
        Assert.Equal((null, null, T0.AddDays(2)), (resumed.Session.OnHoldUntil, resumed.Session.OnHoldBy, resumed.Session.ResumedAt));
        Assert.Equal(DateTimeOffset.UnixEpoch, resumed.FollowUp.NextActionAt);
    }

    [Fact]
    public async Task HeldRequests_AreTheOpenAndClaimedOnesOnHold_SoonestBackFirst()
    {
        var open = await OpenRequestAsync("UMENTEE01");
        var claimed = await ClaimedRequestAsync("UMENTEE02");
        var notHeld = await OpenRequestAsync("UMENTEE03");
        var resumed = await OpenRequestAsync("UMENTEE04");
        var closed = await OpenRequestAsync("UMENTEE05");
        Assert.Empty(await Store.GetHeldRequestsAsync());

        foreach (var (id, days) in new[] { (open, 10), (claimed, 5), (resumed, 3), (closed, 4) })
            Assert.True((await Store.ApplyAsync(id, Coordinator01, new RequestCommand.Hold(T0.AddDays(days)), T0.AddHours(2)))!.Applied);
        Assert.True((await Store.ApplyAsync(resumed, Coordinator01, new RequestCommand.Resume(), T0.AddHours(3)))!.Applied);
        Assert.True((await Store.TryCloseAsync(closed, "UCOORD01", null, T0.AddHours(3)))!.Applied);

        var held = await Store.GetHeldRequestsAsync();

        Assert.Equal([claimed, open], held.Select(t => t.Reference));
        Assert.Equal([T0.AddDays(5), T0.AddDays(10)], held.Select(t => t.Session.OnHoldUntil!.Value));
        Assert.All(held, t => Assert.Equal("UCOORD01", t.Session.OnHoldBy));
        Assert.Equal(RequestStatus.Claimed, held[0].Request.Status);
        Assert.DoesNotContain(notHeld, held.Select(t => t.Reference));
    }

    [Fact]
    public async Task TheReport_WithItsGoals_AndTheRating_AreKeptAsWritten()
    {
        var id = await ClaimedRequestAsync();
        var report = new SessionReport("Reviewed the résumé line by line; talked about \"STAR\" stories.",
            ["Rewrite the summary", "Apply to 5 roles", "Ask for a referral"], FollowUpWish.SameMentor, "Mentee is anxious about gaps; be kind.");

        Assert.True((await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.CompleteSession(report), T0.AddDays(2)))!.Applied);
        Assert.True((await Store.ApplyAsync(id, new Actor("UMENTEE01"), new RequestCommand.Rate(4, "  Very practical.  "), T0.AddDays(3)))!.Applied);
        Assert.Equal(Refusal.AlreadyRated, (await Store.ApplyAsync(id, new Actor("UMENTEE01"), new RequestCommand.Rate(5, null), T0.AddDays(3)))!.Refused);

        var t = await TrackedAsync(id);
        Assert.Equal(RequestStatus.Completed, t.Request.Status);
        Assert.Equal(report.Covered, t.Session.Report!.Covered);
        Assert.Equal(report.Goals, t.Session.Report.Goals);
        Assert.Equal((FollowUpWish.SameMentor, report.ForCoordinators), (t.Session.Report.FollowUp, t.Session.Report.ForCoordinators));
        Assert.Equal(("UMENTOR01", T0.AddDays(2)), (t.Session.ReportedBy, t.Session.ReportedAt));
        Assert.Equal((4, "Very practical.", T0.AddDays(3)), (t.Session.Rating, t.Session.RatingComment, t.Session.RatedAt));
    }

    [Fact]
    public async Task AReport_CanFollowASessionMarkedDone_Once()
    {
        var id = await CompletedRequestAsync();
        var report = new SessionReport("Mock interview.", [], FollowUpWish.None, null);

        Assert.True((await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.CompleteSession(report), T0.AddDays(3)))!.Applied);
        Assert.Equal(Refusal.AlreadyReported,
            (await Store.ApplyAsync(id, new Actor("UMENTOR01"), new RequestCommand.CompleteSession(report with { Covered = "Again" }), T0.AddDays(3)))!.Refused);

        var t = await TrackedAsync(id);
        Assert.Equal(("Mock interview.", 0, FollowUpWish.None, (string?)null), (t.Session.Report!.Covered, t.Session.Report.Goals.Count, t.Session.Report.FollowUp, t.Session.Report.ForCoordinators));
    }

    [Fact]
    public async Task AMentorAskedForByName_IsKeptWithTheRequest()
    {
        var number = await Store.ReserveRequestNumberAsync();
        var created = await Store.CreateRequestAsync(new NewMentorRequest(number, "UMENTEE01", "Ada", "Code Review", ["Python"], "Please", "Veteran", T0)
        {
            PreferredMentor = "UMENTOR07",
        });

        Assert.Equal("UMENTOR07", created.Session.PreferredMentor);
        Assert.Equal("UMENTOR07", (await TrackedAsync(created.Reference)).Session.PreferredMentor);
    }

    [Fact]
    public async Task TheEndOfANamedMentorsOffer_IsKept_AndPutsTheRequestBackOnTheLadder()
    {
        var number = await Store.ReserveRequestNumberAsync();
        var created = await Store.CreateRequestAsync(new NewMentorRequest(number, "UMENTEE01", "Ada", "Code Review", ["Python"], "Please", "Veteran", T0)
        {
            PreferredMentor = "UMENTOR07",
        });
        var tracked = await TrackedAsync(created.Reference);
        Assert.True(await Store.TryBeginStepAsync(created.Reference, tracked.Version, FollowUpStep.EndOffer, "tok-offer", T0.AddDays(2)));
        Assert.Equal(FollowUpStep.EndOffer, (await TrackedAsync(created.Reference)).FollowUp.PendingStep);

        Assert.Equal(Refusal.OfferedToAnother, (await Store.TryClaimAsync(created.Reference, "UMENTOR08", T0.AddDays(2)))!.Refused);
        Assert.True((await Store.ApplyAsync(created.Reference, Actor.Bot, new RequestCommand.EndOffer(), T0.AddDays(2)))!.Applied);

        var ended = await TrackedAsync(created.Reference);
        Assert.Equal(("UMENTOR07", T0.AddDays(2)), (ended.Session.PreferredMentor, ended.Session.OfferEndedAt));
        Assert.Equal((DateTimeOffset.UnixEpoch, (FollowUpStep?)null), (ended.FollowUp.NextActionAt, ended.FollowUp.PendingStep));
        Assert.Equal(Refusal.NotOffered, (await Store.ApplyAsync(created.Reference, new Actor("UMENTOR07"), new RequestCommand.EndOffer(), T0.AddDays(3)))!.Refused);
        Assert.True((await Store.TryClaimAsync(created.Reference, "UMENTOR08", T0.AddDays(3)))!.Applied);
    }
}
