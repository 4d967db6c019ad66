namespace OperationCodeMentor.Mentorship;

/// <summary>Something the bot notes on a mentor, with the time it happened.</summary>
public enum MentorMark
{
    /// <summary>The weekly check-in went out to them.</summary>
    CheckInSent,

    /// <summary>They answered a check-in (On track, Need help).</summary>
    CheckInAnswered,

    /// <summary>They were asked "still up for mentoring?" after being mentioned on request after request without claiming one.</summary>
    QuietAsked,

    /// <summary>They answered that question (Yes, or Pause me).</summary>
    QuietAnswered,

    /// <summary>They did not answer in time and were paused; the store pauses them with the same write.</summary>
    PausedForInactivity,
}

/// <summary>
/// What the bot has asked a mentor and heard back, and what they agreed to at enrolment, kept with the mentor in every
/// store. Each time only moves forward: noting an earlier time than the one kept changes nothing, so two writers can
/// never step a mentor back.
/// </summary>
/// <param name="CheckInSentAt">When the last weekly check-in went out to them: a week's check-in is sent once.</param>
/// <param name="CheckInAnsweredAt">When they last answered a check-in.</param>
/// <param name="QuietAskedAt">When they were last asked "still up for mentoring?".</param>
/// <param name="QuietAnsweredAt">When they last answered it.</param>
/// <param name="PausedForInactivityAt">When they were last paused for not answering it.</param>
/// <param name="CodeOfConductAccepted">They accepted the Code of Conduct when they enrolled (<c>Mentorship:CodeOfConductUrl</c>).</param>
/// <param name="GuidebookRead">They said they had read the mentor guidebook when they enrolled (<c>Mentorship:GuidebookUrl</c>).</param>
public sealed record MentorStanding(
    DateTimeOffset? CheckInSentAt = null,
    DateTimeOffset? CheckInAnsweredAt = null,
    DateTimeOffset? QuietAskedAt = null,
    DateTimeOffset? QuietAnsweredAt = null,
    DateTimeOffset? PausedForInactivityAt = null,
    bool CodeOfConductAccepted = false,
    bool GuidebookRead = false)
{
    public static readonly MentorStanding None = new();

    /// <summary>The standing once <paramref name="mark"/> is noted at <paramref name="at"/>.</summary>
    public MentorStanding With(MentorMark mark, DateTimeOffset at) => mark switch
    {
        MentorMark.CheckInSent => this with { CheckInSentAt = Later(CheckInSentAt, at) },
        MentorMark.CheckInAnswered => this with { CheckInAnsweredAt = Later(CheckInAnsweredAt, at) },
        MentorMark.QuietAsked => this with { QuietAskedAt = Later(QuietAskedAt, at) },
        MentorMark.QuietAnswered => this with { QuietAnsweredAt = Later(QuietAnsweredAt, at) },
        MentorMark.PausedForInactivity => this with { PausedForInactivityAt = Later(PausedForInactivityAt, at) },
        _ => throw new ArgumentOutOfRangeException(nameof(mark), mark, null),
    };

    /// <summary>The time <paramref name="mark"/> was last noted.</summary>
    public DateTimeOffset? At(MentorMark mark) => mark switch
    {
        MentorMark.CheckInSent => CheckInSentAt,
        MentorMark.CheckInAnswered => CheckInAnsweredAt,
        MentorMark.QuietAsked => QuietAskedAt,
        MentorMark.QuietAnswered => QuietAnsweredAt,
        MentorMark.PausedForInactivity => PausedForInactivityAt,
        _ => throw new ArgumentOutOfRangeException(nameof(mark), mark, null),
    };

    private static DateTimeOffset Later(DateTimeOffset? kept, DateTimeOffset at) => kept is { } k && k > at ? k : at;
}
