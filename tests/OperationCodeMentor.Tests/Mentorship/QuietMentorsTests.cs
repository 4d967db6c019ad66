using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Mentorship;

public class QuietMentorsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly QuietRules Rules = new(3, TimeSpan.FromDays(7));

    private static Mentor Mentor(MentorStanding? standing = null, bool active = true, bool paused = false, DateTimeOffset? lastClaimed = null) =>
        new("1", "UM", "m", ["Python"], null, 2, null, active, paused, lastClaimed, T0) { Standing = standing ?? MentorStanding.None };

    private static TrackedRequest Request(int hours, string[] mentioned, string? claimedBy = null)
    {
        var at = T0.AddHours(hours);
        var r = new MentorRequest($"R-{1000 + hours}", "UMENTEE", null, "Code Review", ["Python"], "d", "Veteran",
            claimedBy is null ? RequestStatus.Open : RequestStatus.Claimed, at, claimedBy, claimedBy is null ? null : at.AddMinutes(5),
            null, null, 0, "G", "1.1", mentioned);
        return new TrackedRequest(r, FollowUpState.Fresh, RequestOutcome.None);
    }

    [Fact]
    public void Asks_AfterTheRuleMentionsInARow_CountingOnlyThoseThatMentionedThem()
    {
        var recent = new[] { Request(1, ["UM"]), Request(2, ["UX"]), Request(3, ["UM", "UX"]) };
        Assert.Null(QuietMentors.Decide(Mentor(), recent, Rules, T0.AddDays(1)));
        var ask = QuietMentors.Decide(Mentor(), [.. recent, Request(4, ["UM"])], Rules, T0.AddDays(1));
        Assert.Equal(new QuietStep.Ask(T0, 3), ask);
    }

    [Fact]
    public void AClaimSeenOnlyOnARequest_StartsTheCountAgain()
    {
        var recent = new[] { Request(1, ["UM"]), Request(2, ["UM"], claimedBy: "UM"), Request(3, ["UM"]), Request(4, ["UM"]) };
        Assert.Null(QuietMentors.Decide(Mentor(), recent, Rules, T0.AddDays(1)));
    }

    [Fact]
    public void Asked_ThenPausedOnlyOnceTheAnswerTimeHasPassed_AndNotWhenTheyAnswered()
    {
        var recent = Enumerable.Range(1, 5).Select(h => Request(h, ["UM"])).ToArray();
        var asked = T0.AddHours(6);
        var waiting = Mentor(new MentorStanding(QuietAskedAt: asked));
        Assert.Null(QuietMentors.Decide(waiting, recent, Rules, asked.AddDays(7).AddSeconds(-1)));
        Assert.Equal(new QuietStep.Pause(asked), QuietMentors.Decide(waiting, recent, Rules, asked.AddDays(7)));
        Assert.Null(QuietMentors.Decide(Mentor(new MentorStanding(QuietAskedAt: asked, CheckInAnsweredAt: asked.AddDays(1))), recent, Rules, asked.AddDays(8)));
    }

    [Fact]
    public void PausedInactiveOrTurnedOff_IsNeverAsked()
    {
        var recent = Enumerable.Range(1, 5).Select(h => Request(h, ["UM"])).ToArray();
        Assert.Null(QuietMentors.Decide(Mentor(paused: true), recent, Rules, T0.AddDays(1)));
        Assert.Null(QuietMentors.Decide(Mentor(active: false), recent, Rules, T0.AddDays(1)));
        Assert.Null(QuietMentors.Decide(Mentor(), recent, Rules with { Mentions = 0 }, T0.AddDays(1)));
    }
}
