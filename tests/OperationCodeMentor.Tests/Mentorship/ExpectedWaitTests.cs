using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Mentorship;

public class ExpectedWaitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 15, 0, 0, TimeSpan.Zero);

    private static ClaimWait Waited(double hours, string[] skills, double daysAgo = 1) =>
        new(skills, Now - TimeSpan.FromDays(daysAgo), TimeSpan.FromHours(hours));

    [Fact]
    public void FiveRequestsSharingASkill_GiveTheirMedian_AndIgnoreTheRest()
    {
        var history = new[] { 1.0, 2, 6, 30, 40 }.Select(h => Waited(h, ["Python", "SQL"]))
            .Concat(Enumerable.Range(0, 10).Select(_ => Waited(100, ["Java"])));

        var e = ExpectedWait.Estimate(history, ["python"], Now);

        Assert.Equal(new WaitEstimate(WaitBasis.SharedSkill, TimeSpan.FromHours(6), 5), e);
    }

    [Fact]
    public void FourSharingASkill_FallBackToAllRequests()
    {
        var history = new[] { 1.0, 2, 3, 4 }.Select(h => Waited(h, ["Python"]))
            .Concat([Waited(50, ["Java"]), Waited(60, ["Go"]), Waited(70, ["Go"])]);

        var e = ExpectedWait.Estimate(history, ["Python"], Now);

        Assert.Equal(WaitBasis.AllRequests, e.Basis);
        Assert.Equal(7, e.Count);
        Assert.Equal(TimeSpan.FromHours(4), e.Median);
    }

    [Fact]
    public void FewerThanFiveInAll_GiveNoFigure()
    {
        var history = new[] { 1.0, 2, 3, 4 }.Select(h => Waited(h, ["Python"]));

        var e = ExpectedWait.Estimate(history, ["Python"], Now);

        Assert.Equal(new WaitEstimate(WaitBasis.NotEnoughHistory, null, 4), e);
        Assert.Equal("We don't have enough history yet to say how long requests like yours usually wait for a mentor.", ExpectedWait.Sentence(e));
    }

    [Fact]
    public void OnlyTheLast90DaysCount()
    {
        var inside = new[] { 1.0, 2, 3, 4 }.Select(h => Waited(h, ["Python"], daysAgo: 89.9));
        var outside = Waited(5, ["Python"], daysAgo: 90.1);

        Assert.Equal(WaitBasis.NotEnoughHistory, ExpectedWait.Estimate([.. inside, outside], ["Python"], Now).Basis);
        Assert.Equal(WaitBasis.SharedSkill, ExpectedWait.Estimate([.. inside, Waited(5, ["Python"], daysAgo: 89)], ["Python"], Now).Basis);
        // Nor does a request from after "now" (a clock skew between the store and the bot).
        Assert.Equal(WaitBasis.NotEnoughHistory, ExpectedWait.Estimate([.. inside, Waited(5, ["Python"], daysAgo: -1)], ["Python"], Now).Basis);
    }

    [Fact]
    public void Median_OfAnOddCount_IsTheMiddle_OfAnEvenCount_HalfwayBetweenTheTwoMiddle()
    {
        Assert.Equal(TimeSpan.FromHours(3), ExpectedWait.Median([TimeSpan.FromHours(9), TimeSpan.FromHours(1), TimeSpan.FromHours(3)]));
        Assert.Equal(TimeSpan.FromHours(5), ExpectedWait.Median([TimeSpan.FromHours(8), TimeSpan.FromHours(1), TimeSpan.FromHours(4), TimeSpan.FromHours(6)]));
        Assert.Throws<ArgumentException>(() => ExpectedWait.Median([]));
    }

    [Fact]
    public void History_TakesTheFirstClaim_AndSkipsRequestsNeverClaimed()
    {
        var made = Now - TimeSpan.FromDays(3);
        var request = new MentorRequest("R-1001", "UMENTEE1", null, "Code Review", ["Python"], "details", "Veteran", RequestStatus.Open, made,
            null, null, "UMENTOR1", made.AddHours(9), 1, null, null, []);
        var releasedThenOpen = new TrackedRequest(request, FollowUpState.Fresh, RequestOutcome.None with { FirstClaimedAt = made.AddHours(2) });
        var neverClaimed = new TrackedRequest(request with { Reference = "R-1002" }, FollowUpState.Fresh, RequestOutcome.None);
        var claimedBeforeTheBotKeptFirstClaims = new TrackedRequest(request with { Reference = "R-1003", Status = RequestStatus.Claimed, ClaimedAt = made.AddHours(7) },
            FollowUpState.Fresh, RequestOutcome.None);

        var history = ExpectedWait.History([releasedThenOpen, neverClaimed, claimedBeforeTheBotKeptFirstClaims]);

        Assert.Equal([TimeSpan.FromHours(2), TimeSpan.FromHours(7)], history.Select(w => w.Waited));
    }

    [Theory]
    [InlineData(0.5, "under a minute")]
    [InlineData(60 * 1, "about 1 minute")]
    [InlineData(60 * 40, "about 40 minutes")]
    [InlineData(60 * 59.7, "about an hour")]
    [InlineData(3600 * 1.4, "about an hour")]
    [InlineData(3600 * 6.2, "about 6 hours")]
    [InlineData(3600 * 35.4, "about 35 hours")]
    [InlineData(3600 * 36, "about 2 days")]
    [InlineData(3600 * 24 * 2.4, "about 2 days")]
    [InlineData(3600 * 24 * 2.5, "about 3 days")]
    public void About_RoundsToTheUnitAPersonWouldUse(double seconds, string expected) =>
        Assert.Equal(expected, ExpectedWait.About(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Sentence_SaysWhatTheFigureRestsOn()
    {
        Assert.Equal("Requests like yours have usually waited *about 6 hours* for a mentor to claim them " +
                     "(the median of the 5 requests sharing one of your skills in the last 90 days).",
            ExpectedWait.Sentence(new WaitEstimate(WaitBasis.SharedSkill, TimeSpan.FromHours(6), 5)));
        Assert.Equal("Requests have usually waited *about 2 days* for a mentor to claim them " +
                     "(the median of all 12 requests in the last 90 days; too few asked for your skills to say more).",
            ExpectedWait.Sentence(new WaitEstimate(WaitBasis.AllRequests, TimeSpan.FromHours(47), 12)));
    }
}
