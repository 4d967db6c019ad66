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
        IReadOnlySet<string>? exclude = null) =>
        MentorIndex.Build(mentors).Match(requestedSkills, maxMentions, exclude);
}

public sealed record MentorMatch(Mentor Mentor, int MatchedSkills, bool IsComplete);
