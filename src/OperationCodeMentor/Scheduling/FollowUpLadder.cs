using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Scheduling;

/// <summary>
/// Which follow-up step a request needs next, and when. Pure: the same request, state and options always give the
/// same answer, which is what lets several sweeps (or a restarted one) agree on what is due.
/// </summary>
public static class FollowUpLadder
{
    public readonly record struct Due(FollowUpStep Step, DateTimeOffset At);

    /// <summary>The earliest step not yet taken in the request's current phase; null when nothing is left.</summary>
    public static Due? Next(MentorRequest r, FollowUpState s, ScheduleOptions o)
    {
        Due? best = null;
        void Consider(FollowUpStep step, DateTimeOffset at)
        {
            // Ties go to the step earlier in the ladder, so a bump due with the notice goes out first.
            if (best is not { } b || at < b.At || (at == b.At && step < b.Step)) best = new Due(step, at);
        }

        switch (r.Status)
        {
            case RequestStatus.Open:
                // A released request starts its ladder again from the release.
                var since = r.ReleasedAt ?? r.CreatedAt;
                if (s.BumpCount < o.MaxBumps)
                    Consider(FollowUpStep.Bump, s.LastBumpAt is { } last && s.BumpCount > 0 ? last + o.BumpEvery : since + o.FirstBumpAfter);
                if (s.CoordinatorsNotifiedAt is null) Consider(FollowUpStep.NotifyCoordinators, since + o.NotifyCoordinatorsAfter);
                if (s.EscalatedAt is null) Consider(FollowUpStep.Escalate, since + o.EscalateAfter);
                break;
            case RequestStatus.Claimed when r.ClaimedAt is { } claimedAt:
                if (s.MentorNudgedAt is null) Consider(FollowUpStep.NudgeMentor, claimedAt + o.NudgeMentorAfter);
                if (s.StuckReportedAt is null) Consider(FollowUpStep.ReportStuck, claimedAt + o.StuckClaimAfter);
                break;
        }
        return best;
    }

    /// <summary>The state once <paramref name="step"/> has been taken at <paramref name="at"/>, with the next action planned.</summary>
    public static FollowUpState After(MentorRequest r, FollowUpState s, FollowUpStep step, DateTimeOffset at, ScheduleOptions o)
    {
        var taken = step switch
        {
            FollowUpStep.Bump => s with { BumpCount = s.BumpCount + 1, LastBumpAt = at },
            FollowUpStep.NotifyCoordinators => s with { CoordinatorsNotifiedAt = at },
            FollowUpStep.Escalate => s with { EscalatedAt = at },
            FollowUpStep.NudgeMentor => s with { MentorNudgedAt = at },
            FollowUpStep.ReportStuck => s with { StuckReportedAt = at },
            _ => s,
        };
        taken = taken with { PendingStep = null, PendingToken = null, PendingAt = null };
        return taken with { NextActionAt = Next(r, taken, o)?.At };
    }

    /// <summary>"3 days", "1 day", "5 hours", "40 seconds": how long someone has waited, in the largest whole unit.</summary>
    public static string Describe(TimeSpan waited)
    {
        static string Unit(int n, string unit) => $"{n} {unit}{(n == 1 ? "" : "s")}";
        if (waited.TotalDays >= 1) return Unit((int)waited.TotalDays, "day");
        if (waited.TotalHours >= 1) return Unit((int)waited.TotalHours, "hour");
        if (waited.TotalMinutes >= 1) return Unit((int)waited.TotalMinutes, "minute");
        return Unit(Math.Max(0, (int)waited.TotalSeconds), "second");
    }
}
