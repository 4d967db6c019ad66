namespace OperationCodeMentor.Mentorship;

/// <summary>How a mentor who has gone quiet is found, from <c>Mentorship:</c> settings.</summary>
/// <param name="Mentions">Requests in a row a mentor is mentioned on without claiming one before they are asked; 0: never asked.</param>
/// <param name="AnswerWithin">How long they have to answer before they are paused.</param>
public sealed record QuietRules(int Mentions, TimeSpan AnswerWithin)
{
    public static readonly QuietRules Default = new(5, TimeSpan.FromDays(7));
}

/// <summary>What to do about one mentor now.</summary>
public abstract record QuietStep
{
    /// <summary>Ask "still up for mentoring?": mentioned on <paramref name="Mentions"/> requests since <paramref name="Since"/> without a sign of them.</summary>
    public sealed record Ask(DateTimeOffset Since, int Mentions) : QuietStep;

    /// <summary>Asked at <paramref name="AskedAt"/> and no answer in time: pause them.</summary>
    public sealed record Pause(DateTimeOffset AskedAt) : QuietStep;
}

/// <summary>
/// Mentors who have gone quiet, as pure code. A mentor is asked once "still up for mentoring?" when the last
/// <see cref="QuietRules.Mentions"/> requests that mentioned them came after every sign of them: enrolling, a claim, a
/// check-in answer, an answer to the question, a pause for inactivity, or the question itself (so a new streak is
/// needed to ask again). Asked and nothing heard for <see cref="QuietRules.AnswerWithin"/>: they are paused. Paused or
/// inactive mentors are left alone.
/// </summary>
public static class QuietMentors
{
    /// <summary>How far back request posts are read for mentions.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(90);

    /// <param name="recent">Requests made in the last <see cref="Lookback"/>, with whom their cards mentioned.</param>
    public static QuietStep? Decide(Mentor m, IReadOnlyList<TrackedRequest> recent, QuietRules rules, DateTimeOffset now)
    {
        if (rules.Mentions <= 0 || !m.Active || m.Paused) return null;
        var id = m.SlackUserId;
        var st = m.Standing;
        var heard = Latest(m.CreatedAt, m.LastClaimedAt, st.CheckInAnsweredAt, st.QuietAnsweredAt, st.PausedForInactivityAt);
        // A claim the mentor record missed (its time is noted best effort) still shows on the request.
        foreach (var t in recent)
        {
            if (t.Request.ClaimedBy == id) heard = Latest(heard, t.Request.ClaimedAt);
            if (t.Outcome.CompletedBy == id) heard = Latest(heard, t.Outcome.CompletedAt);
        }
        if (st.QuietAskedAt is { } asked && asked > heard)
            return now - asked >= rules.AnswerWithin ? new QuietStep.Pause(asked) : null;
        var since = Latest(heard, st.QuietAskedAt);
        var mentions = recent.Count(t => t.Request.CreatedAt > since && t.Request.MentionedMentors.Contains(id, StringComparer.Ordinal));
        return mentions >= rules.Mentions ? new QuietStep.Ask(since, mentions) : null;
    }

    private static DateTimeOffset Latest(DateTimeOffset first, params DateTimeOffset?[] others)
    {
        var latest = first;
        foreach (var o in others)
            if (o is { } v && v > latest) latest = v;
        return latest;
    }
}
