using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests.Mentorship;

public class MentorMatcherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static MentorLoad M(string id, string[] skills, int open = 0, int max = 2, bool paused = false, bool active = true, DateTimeOffset? lastClaimed = null) =>
        new(new Mentor(id, id, id, skills, null, max, null, active, paused, lastClaimed, T0), open);

    private static string[] Ids(IEnumerable<MentorMatch> matches) => matches.Select(m => m.Mentor.SlackUserId).ToArray();

    [Fact]
    public void Match_RanksMentorsWithAllSkillsBeforeThoseWithSome()
    {
        var result = MentorMatcher.Match(["Python", "SQL"],
            [M("USOME", ["Python"]), M("UALL", ["SQL", "Python", "Go"]), M("UNONE", ["Java"])], 5);
        Assert.Equal(["UALL", "USOME"], Ids(result));
        Assert.True(result[0].IsComplete);
        Assert.False(result[1].IsComplete);
    }

    [Fact]
    public void Match_BreaksTiesByLeastRecentlyClaimed_NeverClaimedFirst()
    {
        var result = MentorMatcher.Match(["Python"],
        [
            M("URECENT", ["Python"], lastClaimed: T0.AddDays(5)),
            M("UOLD", ["Python"], lastClaimed: T0.AddDays(1)),
            M("UNEVER", ["Python"]),
        ], 5);
        Assert.Equal(["UNEVER", "UOLD", "URECENT"], Ids(result));
    }

    [Fact]
    public void Match_LeavesOutMentorsAtCapacity_PausedOrInactive()
    {
        var result = MentorMatcher.Match(["Python"],
        [
            M("UFULL", ["Python"], open: 2, max: 2),
            M("UPAUSED", ["Python"], paused: true),
            M("UINACTIVE", ["Python"], active: false),
            M("UROOM", ["Python"], open: 1, max: 2),
        ], 5);
        Assert.Equal(["UROOM"], Ids(result));
    }

    [Fact]
    public void Match_MentionsAtMostTheConfiguredNumber_KeepingTheBest()
    {
        var mentors = Enumerable.Range(0, 8).Select(i => M($"UP{i}", ["Python"])).Append(M("UBOTH", ["Python", "SQL"])).ToList();
        var result = MentorMatcher.Match(["Python", "SQL"], mentors, 3);
        Assert.Equal(3, result.Count);
        Assert.Equal("UBOTH", result[0].Mentor.SlackUserId);
    }

    [Fact]
    public void Match_IgnoresCaseOfSkillNames() =>
        Assert.Single(MentorMatcher.Match(["python"], [M("U1", ["Python"])], 5));

    [Fact]
    public void Match_LeavesOutExcludedMentors() =>
        Assert.Equal(["U2"], Ids(MentorMatcher.Match(["Python"], [M("U1", ["Python"]), M("U2", ["Python"])], 5, new HashSet<string> { "U1" })));

    [Fact]
    public void Match_WithNobodyListingTheSkills_IsEmpty() =>
        Assert.Empty(MentorMatcher.Match(["Rust"], [M("U1", ["Python"])], 5));

    [Fact]
    public void Index_RanksExactlyLikeSortingEveryCandidate_OnRandomMentors()
    {
        var random = new Random(20261122);
        var skills = Enumerable.Range(0, 40).Select(i => $"Skill{i}").ToArray();
        for (var round = 0; round < 200; round++)
        {
            var mentors = Enumerable.Range(0, random.Next(1, 120)).Select(i => M($"U{i:D4}",
                skills.OrderBy(_ => random.Next()).Take(random.Next(0, 6)).ToArray(),
                open: random.Next(0, 3), max: random.Next(1, 4), paused: random.Next(10) == 0, active: random.Next(12) != 0,
                lastClaimed: random.Next(3) == 0 ? null : T0.AddHours(random.Next(0, 50)))).ToList();
            var wanted = skills.OrderBy(_ => random.Next()).Take(random.Next(1, 6)).ToArray();
            var max = random.Next(1, 8);

            var expected = mentors
                .Where(l => l.Mentor.Active && !l.Mentor.Paused && l.HasCapacity)
                .Select(l => (l.Mentor, Count: l.Mentor.Skills.Count(wanted.Contains)))
                .Where(x => x.Count > 0)
                .OrderByDescending(x => x.Count)
                .ThenBy(x => x.Mentor.LastClaimedAt ?? DateTimeOffset.MinValue)
                .ThenBy(x => x.Mentor.SlackUserId, StringComparer.Ordinal)
                .Take(max)
                .Select(x => x.Mentor.SlackUserId)
                .ToArray();
            Assert.Equal(expected, Ids(MentorIndex.Build(mentors).Match(wanted, max)));
        }
    }
}
