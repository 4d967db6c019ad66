using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;

namespace OperationCodeMentor.Tests.Mentorship;

/// <summary>The rules of an offer to the mentor a mentee named, in the lifecycle and the ladder.</summary>
public class NamedMentorOfferTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);
    private static readonly ScheduleOptions Defaults = new();

    private static TrackedRequest Offered(string? preferred = "UNAMED1") =>
        new(new MentorRequest("R-1001", "UMENTEE1", null, "Code Review", ["Python"], "details here", "Veteran", RequestStatus.Open, T0,
            null, null, null, null, 0, null, null, []), FollowUpState.Fresh, RequestOutcome.None)
        {
            Session = RequestSession.None with { PreferredMentor = preferred },
        };

    private static MentorLoad Load(string mentor) => new(new Mentor(mentor, mentor, null, ["Python"], null, 2, null, true, false, null, T0), 0);

    private static Decision Decide(TrackedRequest t, Actor actor, RequestCommand c, double hours = 1) => RequestLifecycle.Decide(t, actor, c, T0.AddHours(hours));

    [Fact]
    public void WhileOffered_OnlyTheNamedMentorCanClaim_AndACoordinatorCanStillAssign()
    {
        Assert.Equal(Refusal.OfferedToAnother, Decide(Offered(), new Actor("UOTHER1"), new RequestCommand.Claim(Load("UOTHER1"))).Refused);
        Assert.Equal("UNAMED1", Decide(Offered(), new Actor("UNAMED1"), new RequestCommand.Claim(Load("UNAMED1"))).After!.Request.ClaimedBy);
        Assert.Equal("UOTHER1", Decide(Offered(), new Actor("UCOORD1", IsCoordinator: true), new RequestCommand.Assign("UOTHER1", Load("UOTHER1"), null)).After!.Request.ClaimedBy);
        // A request nobody was named for is open to everyone.
        Assert.Null(Decide(Offered(preferred: null), new Actor("UOTHER1"), new RequestCommand.Claim(Load("UOTHER1"))).Refused);
    }

    [Fact]
    public void EndOffer_ByTheNamedMentor_TheBot_OrStaff_RecordsIt_AndStartsTheOpenLadderNow()
    {
        var bumped = Offered() with { FollowUp = FollowUpState.Fresh with { BumpCount = 2, NextActionAt = T0.AddDays(2), PendingStep = FollowUpStep.EndOffer, PendingToken = "t" } };
        foreach (var actor in new[] { new Actor("UNAMED1"), Actor.Bot, new Actor("UCOORD1", IsCoordinator: true), new Actor("UESC1", IsEscalationContact: true) })
        {
            var after = Decide(bumped, actor, new RequestCommand.EndOffer(), hours: 5).After!;
            Assert.Equal(T0.AddHours(5), after.Session.OfferEndedAt);
            Assert.Equal((0, DateTimeOffset.UnixEpoch, (string?)null), (after.FollowUp.BumpCount, after.FollowUp.NextActionAt, after.FollowUp.PendingToken));
            Assert.Equal(RequestStatus.Open, after.Request.Status);
        }
    }

    [Fact]
    public void EndOffer_IsRefused_ToOthers_OnceClaimedOrEnded_AndWhenThereIsNoOfferLeft()
    {
        var t = Offered();
        Assert.Equal(Refusal.NotAllowed, Decide(t, new Actor("UOTHER1"), new RequestCommand.EndOffer()).Refused);
        Assert.Equal(Refusal.NotAllowed, Decide(t, new Actor("UMENTEE1"), new RequestCommand.EndOffer()).Refused);
        var claimed = Decide(t, new Actor("UNAMED1"), new RequestCommand.Claim(Load("UNAMED1"))).After!;
        Assert.Equal(Refusal.AlreadyClaimed, Decide(claimed, new Actor("UNAMED1"), new RequestCommand.EndOffer()).Refused);
        var closed = Decide(t, new Actor("UCOORD1", IsCoordinator: true), new RequestCommand.Close("no longer needed")).After!;
        Assert.Equal(Refusal.NotOpen, Decide(closed, Actor.Bot, new RequestCommand.EndOffer()).Refused);
        var ended = Decide(t, Actor.Bot, new RequestCommand.EndOffer()).After!;
        Assert.Equal(Refusal.NotOffered, Decide(ended, new Actor("UNAMED1"), new RequestCommand.EndOffer()).Refused);
        Assert.Equal(Refusal.NotOffered, Decide(Offered(preferred: null), Actor.Bot, new RequestCommand.EndOffer()).Refused);
        // Claimed by the named mentor, then released: the offer is over, and the request is anyone's.
        var released = Decide(claimed, new Actor("UNAMED1"), new RequestCommand.Release()).After!;
        Assert.False(RequestLifecycle.IsOffered(released.Request, released.Session));
        Assert.Equal(Refusal.NotOffered, Decide(released, Actor.Bot, new RequestCommand.EndOffer()).Refused);
    }

    [Fact]
    public void Ladder_WhileOffered_HasOnlyTheHandOver_ThenCountsFromWhenItReachedTheChannel()
    {
        var o = new ScheduleOptions { NamedMentorWait = TimeSpan.FromDays(2) };
        var t = Offered();
        Assert.Equal(new FollowUpLadder.Due(FollowUpStep.EndOffer, T0.AddDays(2)), FollowUpLadder.Next(t, o));
        // Once the hand-over is queued the sweep leaves the request alone until the offer has ended.
        Assert.Null(FollowUpLadder.After(t, FollowUpStep.EndOffer, T0.AddDays(2), o).NextActionAt);

        var ended = RequestLifecycle.Decide(t, Actor.Bot, new RequestCommand.EndOffer(), T0.AddDays(2)).After!;
        Assert.Equal(new FollowUpLadder.Due(FollowUpStep.Bump, T0.AddDays(3)), FollowUpLadder.Next(ended, o));
    }
}
