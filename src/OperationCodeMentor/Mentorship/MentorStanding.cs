namespace OperationCodeMentor.Mentorship;

/// <summary>Something the bot notes on a mentor, with the time it happened.</summary>
public enum MentorMark
{
    /// <summary>The weekly check-in went out to them.</summary>
    CheckInSent,

    /// <summary>They answered a check-in (On track, Need help).</summary>
    CheckInAnswered,
}

/// <summary>
/// What the bot has asked a mentor and heard back, kept with the mentor in every store. Each time only moves forward:
/// noting an earlier time than the one kept changes nothing, so two writers can never step a mentor back.
/// </summary>
/// <param name="CheckInSentAt">When the last weekly check-in went out to them: a week's check-in is sent once.</param>
/// <param name="CheckInAnsweredAt">When they last answered a check-in.</param>
public sealed record MentorStanding(DateTimeOffset? CheckInSentAt = null, DateTimeOffset? CheckInAnsweredAt = null)
{
    public static readonly MentorStanding None = new();

    /// <summary>The standing once <paramref name="mark"/> is noted at <paramref name="at"/>.</summary>
    public MentorStanding With(MentorMark mark, DateTimeOffset at) => mark switch
    {
        MentorMark.CheckInSent => this with { CheckInSentAt = Later(CheckInSentAt, at) },
        MentorMark.CheckInAnswered => this with { CheckInAnsweredAt = Later(CheckInAnsweredAt, at) },
        _ => throw new ArgumentOutOfRangeException(nameof(mark), mark, null),
    };

    private static DateTimeOffset Later(DateTimeOffset? kept, DateTimeOffset at) => kept is { } k && k > at ? k : at;
}
