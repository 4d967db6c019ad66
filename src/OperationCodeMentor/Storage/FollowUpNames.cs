using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage;

/// <summary>How follow-up steps and feedback answers are written down, the same in every store.</summary>
internal static class FollowUpNames
{
    public static string Step(FollowUpStep step) => step switch
    {
        FollowUpStep.Bump => "bump",
        FollowUpStep.NotifyCoordinators => "notify_coordinators",
        FollowUpStep.Escalate => "escalate",
        FollowUpStep.NudgeMentor => "nudge_mentor",
        FollowUpStep.ReportStuck => "report_stuck",
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    /// <summary>Null for a value that names no step.</summary>
    public static FollowUpStep? ParseStep(string? text)
    {
        foreach (var step in Enum.GetValues<FollowUpStep>())
            if (Step(step) == text) return step;
        return null;
    }

    public static string Feedback(SessionFeedback f) => f == SessionFeedback.Helped ? "helped" : "another_mentor";

    /// <summary>Null for a value that names no answer.</summary>
    public static SessionFeedback? ParseFeedback(string? text) => text switch
    {
        "helped" => SessionFeedback.Helped,
        "another_mentor" => SessionFeedback.AnotherMentor,
        _ => null,
    };
}
