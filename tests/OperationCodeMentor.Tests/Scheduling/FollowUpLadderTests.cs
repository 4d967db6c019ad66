using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;

namespace OperationCodeMentor.Tests.Scheduling;

public class FollowUpLadderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);
    private static readonly ScheduleOptions Defaults = new();

    private static MentorRequest Request(RequestStatus status = RequestStatus.Open, DateTimeOffset? claimedAt = null, DateTimeOffset? releasedAt = null) =>
        new("R-1001", "UMENTEE1", null, "Code Review", ["Python"], "details here", "Veteran", status, T0,
            claimedAt is null ? null : "UMENTOR1", claimedAt, releasedAt is null ? null : "UMENTOR1", releasedAt, 0, "G0MENTORS", "1.1", []);

    [Fact]
    public void Next_ForANewRequest_IsTheFirstBump()
    {
        var next = FollowUpLadder.Next(Request(), FollowUpState.Fresh, Defaults);
        Assert.Equal(new FollowUpLadder.Due(FollowUpStep.Bump, T0.AddDays(1)), next);
    }

    [Fact]
    public void Next_WalksTheDefaultLadderInOrder_BumpBeforeNoticeWhenDueTogether()
    {
        var r = Request();
        var s = FollowUpState.Fresh;
        var seen = new List<(FollowUpStep, double)>();
        while (FollowUpLadder.Next(r, s, Defaults) is { } due)
        {
            seen.Add((due.Step, (due.At - T0).TotalDays));
            s = FollowUpLadder.After(r, s, due.Step, due.At, Defaults);
        }
        Assert.Equal(
        [
            (FollowUpStep.Bump, 1), (FollowUpStep.Bump, 3), (FollowUpStep.NotifyCoordinators, 3),
            (FollowUpStep.Bump, 5), (FollowUpStep.Escalate, 10),
        ], seen);
        Assert.Null(s.NextActionAt);
    }

    [Fact]
    public void Next_ForAReleasedRequest_CountsFromTheRelease()
    {
        var released = T0.AddDays(4);
        Assert.Equal(new FollowUpLadder.Due(FollowUpStep.Bump, released.AddDays(1)), FollowUpLadder.Next(Request(releasedAt: released), FollowUpState.Fresh, Defaults));
    }

    [Fact]
    public void Next_ForAClaimedRequest_NudgesThenReportsStuck_AndForEndedOnesIsNothing()
    {
        var claimed = Request(RequestStatus.Claimed, claimedAt: T0.AddDays(2));
        var nudge = FollowUpLadder.Next(claimed, FollowUpState.Fresh, Defaults)!.Value;
        Assert.Equal(new FollowUpLadder.Due(FollowUpStep.NudgeMentor, T0.AddDays(9)), nudge);
        var after = FollowUpLadder.After(claimed, FollowUpState.Fresh, nudge.Step, nudge.At, Defaults);
        Assert.Equal(T0.AddDays(16), after.NextActionAt);
        Assert.Null(FollowUpLadder.Next(Request(RequestStatus.Completed), FollowUpState.Fresh, Defaults));
        Assert.Null(FollowUpLadder.Next(Request(RequestStatus.Cancelled), FollowUpState.Fresh, Defaults));
    }

    [Theory]
    [InlineData(30, "30 seconds")]
    [InlineData(60, "1 minute")]
    [InlineData(3 * 3600 + 5, "3 hours")]
    [InlineData(86400, "1 day")]
    [InlineData(10 * 86400 + 3600, "10 days")]
    public void Describe_SaysHowLongInTheLargestWholeUnit(int seconds, string expected) =>
        Assert.Equal(expected, FollowUpLadder.Describe(TimeSpan.FromSeconds(seconds)));
}
