namespace OperationCodeMentor.Mentorship;

/// <summary>
/// Chooses whom to @mention for a request. Candidates are active, unpaused mentors with room for another
/// mentee who list at least one requested skill. Mentors with more of the requested skills come first (so
/// everyone with all of them precedes anyone with some); among equals, whoever claimed least recently comes
/// first, so the load is spread.
/// </summary>
public static class MentorMatcher
{
    public static IReadOnlyList<MentorMatch> Match(
        IReadOnlyCollection<string> requestedSkills,
        IEnumerable<MentorLoad> mentors,
        int maxMentions,
        IReadOnlySet<string>? exclude = null)
    {
        if (requestedSkills.Count == 0 || maxMentions <= 0) return [];
        var wanted = new HashSet<string>(requestedSkills, StringComparer.OrdinalIgnoreCase);
        var matches = new List<MentorMatch>();
        foreach (var load in mentors)
        {
            var m = load.Mentor;
            if (!m.Active || m.Paused || !load.HasCapacity) continue;
            if (exclude is not null && exclude.Contains(m.SlackUserId)) continue;
            var count = 0;
            foreach (var s in m.Skills)
                if (wanted.Contains(s)) count++;
            if (count == 0) continue;
            matches.Add(new MentorMatch(m, count, count >= wanted.Count));
        }
        matches.Sort(static (a, b) =>
        {
            var bySkills = b.MatchedSkills.CompareTo(a.MatchedSkills);
            if (bySkills != 0) return bySkills;
            var aLast = a.Mentor.LastClaimedAt ?? DateTimeOffset.MinValue;
            var bLast = b.Mentor.LastClaimedAt ?? DateTimeOffset.MinValue;
            var byLoad = aLast.CompareTo(bLast);
            return byLoad != 0 ? byLoad : string.CompareOrdinal(a.Mentor.SlackUserId, b.Mentor.SlackUserId);
        });
        return matches.Count > maxMentions ? matches.GetRange(0, maxMentions) : matches;
    }
}

public sealed record MentorMatch(Mentor Mentor, int MatchedSkills, bool IsComplete);
