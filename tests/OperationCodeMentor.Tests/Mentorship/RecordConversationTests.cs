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
}
