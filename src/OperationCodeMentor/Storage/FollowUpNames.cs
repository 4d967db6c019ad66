using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>How follow-up steps, feedback and check-in answers are written down, the same in every store.</summary>
internal static class FollowUpNames
{
    public static string Step(FollowUpStep step) => step switch
    {
        FollowUpStep.Bump => "bump",
        FollowUpStep.NotifyCoordinators => "notify_coordinators",
        FollowUpStep.Escalate => "escalate",
        FollowUpStep.NudgeMentor => "nudge_mentor",
        FollowUpStep.ReportStuck => "report_stuck",
        FollowUpStep.RemindSession => "remind_session",
        FollowUpStep.Resume => "resume",
        FollowUpStep.EndOffer => "end_offer",
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    /// <summary>Null for a value that names no step.</summary>
    public static FollowUpStep? ParseStep(string? text)
    {
        foreach (var step in Enum.GetValues<FollowUpStep>())
            if (Step(step) == text) return step;
        return null;
    }

    public static string Wish(FollowUpWish w) => w switch
    {
        FollowUpWish.None => "none",
        FollowUpWish.SameMentor => "same_mentor",
        FollowUpWish.AnotherMentor => "another_mentor",
        _ => throw new ArgumentOutOfRangeException(nameof(w)),
    };

    /// <summary>Null for a value that names no wish.</summary>
    public static FollowUpWish? ParseWish(string? text) => text switch
    {
        "none" => FollowUpWish.None,
        "same_mentor" => FollowUpWish.SameMentor,
        "another_mentor" => FollowUpWish.AnotherMentor,
        _ => null,
    };

    public static string Feedback(SessionFeedback f) => f == SessionFeedback.Helped ? "helped" : "another_mentor";

    /// <summary>Null for a value that names no answer.</summary>
    public static SessionFeedback? ParseFeedback(string? text) => text switch
    {
        "helped" => SessionFeedback.Helped,
        "another_mentor" => SessionFeedback.AnotherMentor,
        _ => null,
    };

    public static string CheckIn(CheckInAnswer a) => a switch
    {
        CheckInAnswer.OnTrack => "on_track",
        CheckInAnswer.NeedHelp => "need_help",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>Null for a value that names no answer.</summary>
    public static CheckInAnswer? ParseCheckIn(string? text) => text switch
    {
        "on_track" => CheckInAnswer.OnTrack,
        "need_help" => CheckInAnswer.NeedHelp,
        _ => null,
    };
}
