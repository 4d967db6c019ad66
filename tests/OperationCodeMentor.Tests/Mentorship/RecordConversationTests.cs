using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Mentorship;

/// <summary>The pair's conversation is recorded only on the pairing it was opened for.</summary>
public class RecordConversationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);

    private static TrackedRequest Claimed(string mentor) => new(
        new MentorRequest("R-1001", "UMENTEE1", null, "Code Review", ["Python"], "details", "Veteran", RequestStatus.Claimed, T0,
            mentor, T0, null, null, 0, null, null, []),
        FollowUpState.Fresh, RequestOutcome.None, Version: 3);

    [Theory]
    [InlineData("UMENTOR1", "UMENTOR1", null)]
    [InlineData("UMENTOR1", null, null)]
    [InlineData("UMENTOR2", "UMENTOR1", Refusal.Stale)]
    public void RecordConversation_ForTheMentorHoldingIt_IsKept_AndForAnEarlierOne_IsRefused(string holder, string? openedFor, Refusal? refused)
    {
        var decision = RequestLifecycle.Decide(Claimed(holder), Actor.Bot, new RequestCommand.RecordConversation("GPAIR", openedFor), T0.AddMinutes(1));

        Assert.Equal(refused, decision.Refused);
        if (refused is null) Assert.Equal(("GPAIR", T0.AddMinutes(1)), (decision.After!.Session.ConversationId, decision.After.Session.ConversationOpenedAt));
    }

    [Fact]
    public void RecordConversation_ByAMentorOrMentee_IsNotAllowed()
    {
        var decision = RequestLifecycle.Decide(Claimed("UMENTOR1"), new Actor("UMENTOR1"), new RequestCommand.RecordConversation("GPAIR", "UMENTOR1"), T0);
        Assert.Equal(Refusal.NotAllowed, decision.Refused);
    }

    private static TrackedRequest Open() => Claimed("x") with
    {
        Request = Claimed("x").Request with { Status = RequestStatus.Open, ClaimedBy = null, ClaimedAt = null },
    };

    private static MentorLoad Load(string mentor) =>
        new(new Mentor("1", mentor, null, ["Python"], null, 2, null, true, false, null, T0.AddDays(-30)), 0);

    [Fact]
    public void AConversationRecordedWithTheClaim_IsOneChange_ThatAReplayOfTheClaimFindsMade()
    {
        var claim = RequestLifecycle.Decide(Open(), new Actor("UMENTOR1"), new RequestCommand.Claim(Load("UMENTOR1")), T0, changeKey: "claim:UMENTOR1:1");

        var both = RequestLifecycle.Then(claim, Actor.Bot, new RequestCommand.RecordConversation("GPAIR", "UMENTOR1"), T0.AddSeconds(1));

        Assert.Equal(("UMENTOR1", RequestStatus.Claimed), (both.After!.Request.ClaimedBy, both.After.Request.Status));
        Assert.Equal(("GPAIR", T0.AddSeconds(1)), (both.After.Session.ConversationId, both.After.Session.ConversationOpenedAt));
        Assert.Equal((4L, "claim:UMENTOR1:1"), (both.After.Version, both.After.LastChange));
        Assert.Equal(("UMENTOR1", claim.Current), (both.NewClaimer, both.Current));
        Assert.True(RequestLifecycle.Decide(both.After, new Actor("UMENTOR1"), new RequestCommand.Claim(Load("UMENTOR1")), T0.AddMinutes(1), "claim:UMENTOR1:1").Replayed);
    }

    [Fact]
    public void AFurtherCommand_OnARefusal_OrRefusedItself_LeavesTheDecisionAsItWas()
    {
        var refused = RequestLifecycle.Decide(Claimed("UMENTOR2"), new Actor("UMENTOR1"), new RequestCommand.Claim(Load("UMENTOR1")), T0);
        Assert.Same(refused, RequestLifecycle.Then(refused, Actor.Bot, new RequestCommand.RecordConversation("GPAIR", "UMENTOR1"), T0));

        var claim = RequestLifecycle.Decide(Open(), new Actor("UMENTOR1"), new RequestCommand.Claim(Load("UMENTOR1")), T0);
        Assert.Same(claim, RequestLifecycle.Then(claim, Actor.Bot, new RequestCommand.RecordConversation("GPAIR", "UMENTOR9"), T0));
    }
}
