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
    public static Due? Next(TrackedRequest t, ScheduleOptions o) => Next(t.Request, t.FollowUp, o, t.Session);

    /// <summary>The earliest step not yet taken in the request's current phase; null when nothing is left.</summary>
    /// <param name="session">
    /// A hold keeps every other step away until it runs out; a step's clock starts again when a hold ends; a time set
    /// brings a reminder shortly before it; a check-in answer puts the stuck-claim report back.
    /// </param>
    public static Due? Next(MentorRequest r, FollowUpState s, ScheduleOptions o, RequestSession? session = null)
    {
        session ??= RequestSession.None;
        if (r.Status is RequestStatus.Open or RequestStatus.Claimed && session.OnHoldUntil is { } until)
            return new Due(FollowUpStep.Resume, until);
        Due? best = null;
        void Consider(FollowUpStep step, DateTimeOffset at)
        {
            // Ties go to the step earlier in the ladder, so a bump due with the notice goes out first.
            if (best is not { } b || at < b.At || (at == b.At && step < b.Step)) best = new Due(step, at);
        }

        switch (r.Status)
        {
            case RequestStatus.Open when RequestLifecycle.IsOffered(r, session):
                // Offered to the mentor the mentee named: nothing else happens until that offer ends.
                Consider(FollowUpStep.EndOffer, Later(r.CreatedAt, session.ResumedAt) + o.NamedMentorWait);
                break;
            case RequestStatus.Open:
                // A released request starts its ladder again from the release; a reopened one (or one whose hold ended) from
                // then; one offered to a named mentor, from when it reached the channel.
                var since = Later(Later(r.ReleasedAt ?? r.CreatedAt, session.ResumedAt), session.OfferEndedAt);
                if (s.BumpCount < o.MaxBumps)
                    Consider(FollowUpStep.Bump, s.LastBumpAt is { } last && s.BumpCount > 0 ? last + o.BumpEvery : since + o.FirstBumpAfter);
                if (s.CoordinatorsNotifiedAt is null) Consider(FollowUpStep.NotifyCoordinators, since + o.NotifyCoordinatorsAfter);
                if (s.EscalatedAt is null) Consider(FollowUpStep.Escalate, since + o.EscalateAfter);
                break;
            case RequestStatus.Claimed when r.ClaimedAt is { } claimed:
                var claimedAt = Later(claimed, session.ResumedAt);
                if (s.MentorNudgedAt is null) Consider(FollowUpStep.NudgeMentor, claimedAt + o.NudgeMentorAfter);
                // A check-in answer is news of the pairing: the stuck-claim report counts again from it.
                if (s.StuckReportedAt is null) Consider(FollowUpStep.ReportStuck, Later(claimedAt, session.CheckedInAt) + o.StuckClaimAfter);
                if (session.SessionAt is { } at && session.ReminderSentAt is null) Consider(FollowUpStep.RemindSession, at - o.RemindBefore);
                break;
        }
        return best;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;

    /// <summary>The state once <paramref name="step"/> has been taken at <paramref name="at"/>, with the next action planned.</summary>
    public static FollowUpState After(TrackedRequest t, FollowUpStep step, DateTimeOffset at, ScheduleOptions o)
    {
        // What the step itself changes outside the ladder (a reminder sent, a hold ended), so the next action is planned from it.
        var session = step switch
        {
            FollowUpStep.RemindSession => t.Session with { ReminderSentAt = at },
            FollowUpStep.Resume => t.Session with { OnHoldUntil = null, OnHoldBy = null, ResumedAt = at },
            _ => t.Session,
        };
        if (step == FollowUpStep.Resume)
        {
            // The lifecycle starts the phase's ladder again when a hold ends; plan from that ladder.
            return t.FollowUp with { PendingStep = null, PendingToken = null, PendingAt = null, NextActionAt = DateTimeOffset.UnixEpoch };
        }
        return After(t.Request, t.FollowUp, step, at, o, session);
    }

    /// <summary>The state once <paramref name="step"/> has been taken at <paramref name="at"/>, with the next action planned.</summary>
    public static FollowUpState After(MentorRequest r, FollowUpState s, FollowUpStep step, DateTimeOffset at, ScheduleOptions o, RequestSession? session = null)
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
        // The hand-over to the channel is durable work of its own, which ends the offer and starts the open ladder.
        if (step == FollowUpStep.EndOffer) return taken with { NextActionAt = null };
        return taken with { NextActionAt = Next(r, taken, o, session)?.At };
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
