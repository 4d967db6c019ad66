namespace OperationCodeMentor.Mentorship;

/// <summary>Who acts on a request, as far as the lifecycle cares.</summary>
/// <param name="IsEscalationContact">One of the chain of command, who get escalations and may act on what they bring.</param>
public sealed record Actor(string UserId, bool IsCoordinator = false, bool IsEscalationContact = false)
{
    /// <summary>The coordinators and the escalation contacts: the people the notices go to, who may assign and close.</summary>
    public bool IsStaff => IsCoordinator || IsEscalationContact;

    /// <summary>The bot itself: the intake recording where a card is, the sweep taking its steps.</summary>
    public static readonly Actor Bot = new("bot");
}

/// <summary>Something someone (or the bot) wants to do to a request.</summary>
public abstract record RequestCommand
{
    /// <summary>A mentor takes an open request. <paramref name="Mentor"/> is the clicker's load; null when not enrolled.</summary>
    public sealed record Claim(MentorLoad? Mentor) : RequestCommand;

    /// <summary>
    /// Staff pair a request with <paramref name="MentorId"/> (<paramref name="Mentor"/>: their load, null when not enrolled).
    /// An open request, like any claim; or, with <paramref name="ExpectedClaimer"/>, one still held by that mentor, which moves.
    /// </summary>
    public sealed record Assign(string MentorId, MentorLoad? Mentor, string? ExpectedClaimer) : RequestCommand;

    /// <summary>The claimer (or a coordinator) gives a request back to the queue.</summary>
    public sealed record Release : RequestCommand;

    /// <summary>Staff close an open or claimed request that no longer needs a mentor.</summary>
    public sealed record Close(string? Reason) : RequestCommand;

    /// <summary>The mentee withdraws their open request; a coordinator pressing it closes the request as staff do.</summary>
    public sealed record Cancel : RequestCommand;

    /// <summary>A coordinator puts a closed request back in the queue.</summary>
    public sealed record Reopen : RequestCommand;

    /// <summary>
    /// The claimer (or a coordinator) says the session took place, with their report when they wrote one. A report may also
    /// follow a session already marked done, once.
    /// </summary>
    public sealed record CompleteSession(SessionReport? Report = null) : RequestCommand;

    /// <summary>
    /// The bot records the conversation it opened for the pair (null: it fell back to two DMs). With
    /// <paramref name="Mentor"/>, only while that mentor still holds the request: a late replay must not give one pair's
    /// conversation to the next.
    /// </summary>
    public sealed record RecordConversation(string? ConversationId, string? Mentor = null) : RequestCommand;

    /// <summary>The mentor, the mentee or a coordinator records the time the pair agreed on.</summary>
    public sealed record SetTime(DateTimeOffset At) : RequestCommand;

    /// <summary>The mentor (or a coordinator) could not reach the mentee this time ("Can't reach them").</summary>
    public sealed record RecordContactAttempt : RequestCommand;

    /// <summary>After enough attempts over long enough, the mentor ends the request as "contact lost" (No response).</summary>
    public sealed record GiveUpContact(ContactRules Rules) : RequestCommand;

    /// <summary>A coordinator takes an open or claimed request out of every ladder until <paramref name="Until"/>.</summary>
    public sealed record Hold(DateTimeOffset Until) : RequestCommand;

    /// <summary>A coordinator ends a hold early (the sweep ends one that has run out as a follow-up step).</summary>
    public sealed record Resume : RequestCommand;

    /// <summary>
    /// The offer of a request to the mentor the mentee named ends, and the request goes to the mentors channel: that mentor
    /// passes on it ("Not this time"), the wait for them runs out (the bot), or a coordinator sends it on.
    /// </summary>
    public sealed record EndOffer : RequestCommand;

    /// <summary>
    /// The mentor holding the request answers the weekly check-in about it: activity, so the stuck-claim report counts
    /// again from now.
    /// </summary>
    public sealed record CheckIn(CheckInAnswer Given) : RequestCommand;

    /// <summary>The mentee (or a coordinator) rates the completed session, 1 to 5, once.</summary>
    public sealed record Rate(int Stars, string? Comment) : RequestCommand;

    /// <summary>The mentee (or a coordinator) answers "How did it go?", once.</summary>
    public sealed record Answer(SessionFeedback Feedback) : RequestCommand;

    /// <summary>The bot records where the request's card is and whom it mentioned.</summary>
    public sealed record RecordPost(RequestPost Post) : RequestCommand;

    /// <summary>The sweep records its intent to take a step, only if the request is as it read it.</summary>
    public sealed record BeginStep(long Version, FollowUpStep Step, string Token) : RequestCommand;

    /// <summary>The sweep records the step begun with <paramref name="Token"/> as done, with the ladder it leads to.</summary>
    public sealed record CompleteStep(string Token, FollowUpState After) : RequestCommand;

    /// <summary>The sweep gives up the step begun with <paramref name="Token"/> (nothing went out) until <paramref name="RetryAt"/>.</summary>
    public sealed record AbandonStep(string Token, DateTimeOffset RetryAt) : RequestCommand;

    /// <summary>The sweep sets when to look at the request next, only if it is as it read it.</summary>
    public sealed record Plan(long Version, DateTimeOffset? NextActionAt) : RequestCommand;
}

/// <summary>Why a command changed nothing.</summary>
public enum Refusal
{
    /// <summary>The mentor to claim or be assigned is not enrolled.</summary>
    NotEnrolled,

    /// <summary>The clicking mentor already holds as many requests as they take at once.</summary>
    AtCapacity,

    /// <summary>The mentor is the mentee who asked.</summary>
    OwnRequest,

    /// <summary>Someone else holds the request.</summary>
    AlreadyClaimed,

    /// <summary>The mentor chosen already holds it.</summary>
    AlreadyTheirs,

    /// <summary>The request is completed or closed, so nobody can take it.</summary>
    NotOpen,

    /// <summary>Nobody holds the request, so there is nothing to release or mark done.</summary>
    NotClaimed,

    /// <summary>This person may not do this to this request.</summary>
    NotAllowed,

    /// <summary>The request is already completed or closed (for a mentee's cancel, also: already claimed).</summary>
    Ended,

    /// <summary>Only a closed request can be reopened.</summary>
    NotClosed,

    /// <summary>No session has been marked done yet.</summary>
    NotCompleted,

    /// <summary>"How did it go?" was already answered.</summary>
    AlreadyAnswered,

    /// <summary>The request moved on since the sweep read it (another sweep, a claim, a release).</summary>
    Stale,

    /// <summary>The time given has already passed.</summary>
    TimeInPast,

    /// <summary>Not yet enough contact attempts, or not yet over long enough, to give up on reaching the mentee.</summary>
    TooFewAttempts,

    /// <summary>The request is not on hold.</summary>
    NotOnHold,

    /// <summary>The session's report was already filed.</summary>
    AlreadyReported,

    /// <summary>The session was already rated.</summary>
    AlreadyRated,

    /// <summary>The request is offered first to the mentor the mentee named; nobody else can claim it until that offer ends.</summary>
    OfferedToAnother,

    /// <summary>The request is not (or no longer) offered to a named mentor.</summary>
    NotOffered,
}

/// <summary>What the lifecycle decided about a command, given the request as it stood.</summary>
/// <param name="Current">The request as it was when the decision was made.</param>
/// <param name="After">What it becomes; null when nothing is written.</param>
/// <param name="Refused">Why nothing changed, when the command was refused.</param>
/// <param name="Replayed">The change was already made by an earlier attempt at the same piece of work.</param>
public sealed record Decision(TrackedRequest Current, TrackedRequest? After, Refusal? Refused, bool Replayed = false)
{
    /// <summary>The command's change is in the store (now, or by an earlier attempt).</summary>
    public bool Applied => After is not null || Replayed;

    /// <summary>The request as it stands once the decision is carried out.</summary>
    public TrackedRequest Result => After ?? Current;

    public static Decision Refuse(TrackedRequest current, Refusal why) => new(current, null, why);

    public static Decision AlreadyApplied(TrackedRequest current) => new(current, null, null, Replayed: true);

    /// <summary>
    /// The mentor this change gives the request (a claim, an assignment), who is then noted as having just taken one;
    /// null for any other change.
    /// </summary>
    public string? NewClaimer => After is { Request: { ClaimedBy: { } mentor, ClaimedAt: { } at } } && at != Current.Request.ClaimedAt ? mentor : null;
}

/// <summary>
/// The request lifecycle, as pure code: given a request, who acts, what they want and when, it says whether that is
/// allowed and what the request becomes: its status, its claim, how it ended, and the follow-up ladder of the phase it
/// enters. Every store only persists what this decides, with a write conditional on the request's version.
/// <code>
///            claim / assign                 session done            answer
///   open ─────────────────────→ claimed ──────────────→ completed ─────────→ (answered)
///    ↑  ←───────────────────────   │
///    │     release                 │ close (staff)
///    │ reopen                      ↓
///    └──────────────────────── cancelled ←── close (staff) / cancel (mentee) ── open
/// </code>
/// </summary>
public static class RequestLifecycle
{
    /// <summary>The reason written when a coordinator presses the mentee's own Cancel.</summary>
    public const string CoordinatorCancelReason = "Cancelled by a mentor coordinator.";

    /// <summary>The reason written when the mentee cancels.</summary>
    public const string MenteeCancelReason = "Cancelled by the mentee.";

    /// <summary>The reason written when the mentor gives up reaching the mentee.</summary>
    public const string ContactLostReason = "Contact lost: the mentee did not respond to the mentor's attempts.";

    /// <param name="changeKey">
    /// Names the piece of work making the change; recorded on the request, so a replay of that work after a crash finds
    /// its change already made (<see cref="Decision.Replayed"/>) instead of deciding again on the state it produced.
    /// </param>
    public static Decision Decide(TrackedRequest t, Actor actor, RequestCommand command, DateTimeOffset now, string? changeKey = null)
    {
        if (changeKey is not null && t.LastChange == changeKey) return Decision.AlreadyApplied(t);
        var r = t.Request;
        var result = command switch
        {
            RequestCommand.Claim c => Claim(t, actor, c, now),
            RequestCommand.Assign a => Assign(t, actor, a, now),
            RequestCommand.Release => r.Status != RequestStatus.Claimed ? Refusal.NotClaimed
                : r.ClaimedBy != actor.UserId && !actor.IsCoordinator ? Refusal.NotAllowed
                : Move(t, r with { Status = RequestStatus.Open, ClaimedBy = null, ClaimedAt = null, ReleasedBy = actor.UserId, ReleasedAt = now, ResetCount = r.ResetCount + 1 },
                    o => o with { AssignedBy = null }),
            RequestCommand.Close c => !actor.IsStaff ? Refusal.NotAllowed : Close(t, actor, c.Reason, now),
            RequestCommand.Cancel => actor.UserId == r.MenteeSlackId
                ? r.Status != RequestStatus.Open ? Refusal.Ended : Close(t, actor, MenteeCancelReason, now)
                : actor.IsCoordinator ? Close(t, actor, CoordinatorCancelReason, now) : Refusal.NotAllowed,
            RequestCommand.Reopen => !actor.IsCoordinator ? Refusal.NotAllowed
                : r.Status != RequestStatus.Cancelled ? Refusal.NotClosed
                : WithSession(Move(t, r with { Status = RequestStatus.Open, ClaimedBy = null, ClaimedAt = null },
                    o => o with { ClosedAt = null, ClosedBy = null, CloseReason = null, AssignedBy = null }), s => Reopened(s, now)),
            RequestCommand.CompleteSession c => CompleteSession(t, actor, c, now),
            RequestCommand.RecordConversation c => actor != Actor.Bot && !actor.IsStaff ? Refusal.NotAllowed
                : r.Status != RequestStatus.Claimed ? Refusal.NotClaimed
                : c.Mentor is not null && c.Mentor != r.ClaimedBy ? Refusal.Stale
                : t with { Session = t.Session with { ConversationId = c.ConversationId, ConversationOpenedAt = now } },
            RequestCommand.SetTime c => r.Status != RequestStatus.Claimed ? Refusal.NotClaimed
                : !IsPair(r, actor) && !actor.IsCoordinator ? Refusal.NotAllowed
                : c.At <= now ? Refusal.TimeInPast
                : Replan(t with
                {
                    Session = t.Session with { SessionAt = c.At, TimeFirstSetAt = t.Session.TimeFirstSetAt ?? now, ReminderSentAt = null },
                }),
            RequestCommand.RecordContactAttempt => r.Status != RequestStatus.Claimed ? Refusal.NotClaimed
                : r.ClaimedBy != actor.UserId && !actor.IsCoordinator ? Refusal.NotAllowed
                : t with
                {
                    Session = t.Session with
                    {
                        ContactAttempts = t.Session.ContactAttempts + 1,
                        FirstAttemptAt = t.Session.FirstAttemptAt ?? now,
                        LastAttemptAt = now,
                    },
                },
            RequestCommand.GiveUpContact g => r.Status != RequestStatus.Claimed ? Refusal.NotClaimed
                : r.ClaimedBy != actor.UserId && !actor.IsCoordinator ? Refusal.NotAllowed
                : !MayGiveUp(t.Session, g.Rules, now) ? Refusal.TooFewAttempts
                : WithSession(Move(t, r with { Status = RequestStatus.Cancelled },
                    o => o with { ClosedAt = now, ClosedBy = actor.UserId, CloseReason = ContactLostReason }), s => s with { ContactLostAt = now }),
            RequestCommand.Hold h => !actor.IsStaff ? Refusal.NotAllowed
                : r.Status is not (RequestStatus.Open or RequestStatus.Claimed) ? Refusal.Ended
                : h.Until <= now ? Refusal.TimeInPast
                : t with
                {
                    Session = t.Session with { OnHoldUntil = h.Until, OnHoldBy = actor.UserId },
                    FollowUp = t.FollowUp with { PendingStep = null, PendingToken = null, PendingAt = null, NextActionAt = h.Until },
                },
            RequestCommand.Resume => !actor.IsStaff ? Refusal.NotAllowed
                : t.Session.OnHoldUntil is null ? Refusal.NotOnHold
                : Resume(t, now),
            RequestCommand.EndOffer => actor.UserId != t.Session.PreferredMentor && actor != Actor.Bot && !actor.IsStaff ? Refusal.NotAllowed
                : r.Status == RequestStatus.Claimed ? Refusal.AlreadyClaimed
                : r.Status != RequestStatus.Open ? Refusal.NotOpen
                : !IsOffered(r, t.Session) ? Refusal.NotOffered
                : ToChannel(t, now),
            RequestCommand.CheckIn c => r.Status != RequestStatus.Claimed ? Refusal.NotClaimed
                : r.ClaimedBy != actor.UserId ? Refusal.NotAllowed
                : Replan(t with { Session = t.Session with { CheckedInAt = now, CheckIn = c.Given } }),
            RequestCommand.Rate rate => actor.UserId != r.MenteeSlackId && !actor.IsCoordinator ? Refusal.NotAllowed
                : r.Status != RequestStatus.Completed ? Refusal.NotCompleted
                : t.Session.Rating is not null ? Refusal.AlreadyRated
                : rate.Stars is < 1 or > 5 ? throw new ArgumentOutOfRangeException(nameof(command), rate.Stars, "A rating is 1 to 5 stars.")
                : t with
                {
                    Session = t.Session with
                    {
                        Rating = rate.Stars,
                        RatingComment = string.IsNullOrWhiteSpace(rate.Comment) ? null : rate.Comment.Trim(),
                        RatedAt = now,
                    },
                },
            RequestCommand.Answer a => actor.UserId != r.MenteeSlackId && !actor.IsCoordinator ? Refusal.NotAllowed
                : r.Status != RequestStatus.Completed ? Refusal.NotCompleted
                : t.Outcome.Feedback is not null ? Refusal.AlreadyAnswered
                : (Result)(t with { Outcome = t.Outcome with { Feedback = a.Feedback, FeedbackBy = actor.UserId, FeedbackAt = now } }),
            RequestCommand.RecordPost p => t with
            {
                Request = r with { ChannelId = p.Post.ChannelId, MessageTs = p.Post.MessageTs, MentionedMentors = p.Post.Mentioned },
            },
            RequestCommand.BeginStep b => b.Version != t.Version || r.Status is not (RequestStatus.Open or RequestStatus.Claimed) ? Refusal.Stale
                : t with { FollowUp = t.FollowUp with { PendingStep = b.Step, PendingToken = b.Token, PendingAt = now } },
            RequestCommand.CompleteStep c => t.FollowUp.PendingToken != c.Token ? Refusal.Stale
                : StepTaken(t with
                {
                    FollowUp = c.After with { PendingStep = null, PendingToken = null, PendingAt = null },
                    // A release clears the escalation so the new phase can escalate afresh; the stats count the first one.
                    Outcome = c.After.EscalatedAt is { } escalated && t.Outcome.FirstEscalatedAt is null ? t.Outcome with { FirstEscalatedAt = escalated } : t.Outcome,
                }, t.FollowUp.PendingStep, now),
            RequestCommand.AbandonStep a => t.FollowUp.PendingToken != a.Token ? Refusal.Stale
                : t with { FollowUp = t.FollowUp with { PendingStep = null, PendingToken = null, PendingAt = null, NextActionAt = a.RetryAt } },
            RequestCommand.Plan p => p.Version != t.Version ? Refusal.Stale : t with { FollowUp = t.FollowUp with { NextActionAt = p.NextActionAt } },
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "A command the lifecycle does not know."),
        };
        return result.Why is { } why
            ? Decision.Refuse(t, why)
            : new Decision(t, result.After! with { Version = t.Version + 1, LastChange = changeKey ?? t.LastChange }, null);
    }

    /// <summary>
    /// A further command decided on what <paramref name="first"/> leaves and carried out in the same write: the bot
    /// recording the pair's conversation with the claim itself, say. The request moves one version, and a replay of the
    /// first command's work finds both made. <paramref name="first"/> as it was when it changes nothing, or when the
    /// further command is refused.
    /// </summary>
    public static Decision Then(Decision first, Actor actor, RequestCommand next, DateTimeOffset now)
    {
        if (first.After is not { } after) return first;
        var second = Decide(after, actor, next, now);
        return second.After is { } both ? first with { After = both with { Version = after.Version, LastChange = after.LastChange } } : first;
    }

    private static Result Claim(TrackedRequest t, Actor actor, RequestCommand.Claim c, DateTimeOffset now)
    {
        var r = t.Request;
        if (c.Mentor is null) return Refusal.NotEnrolled;
        if (!c.Mentor.HasCapacity) return Refusal.AtCapacity;
        if (r.MenteeSlackId == actor.UserId) return Refusal.OwnRequest;
        if (r.Status == RequestStatus.Claimed) return Refusal.AlreadyClaimed;
        if (r.Status != RequestStatus.Open) return Refusal.NotOpen;
        if (IsOffered(r, t.Session) && t.Session.PreferredMentor != actor.UserId) return Refusal.OfferedToAnother;
        return Pair(t, actor.UserId, assignedBy: null, now);
    }

    private static Result Assign(TrackedRequest t, Actor actor, RequestCommand.Assign a, DateTimeOffset now)
    {
        var r = t.Request;
        if (!actor.IsStaff) return Refusal.NotAllowed;
        if (a.Mentor is null) return Refusal.NotEnrolled;
        if (r.MenteeSlackId == a.MentorId) return Refusal.OwnRequest;
        return r.Status switch
        {
            RequestStatus.Open => Pair(t, a.MentorId, actor.UserId, now),
            RequestStatus.Claimed when r.ClaimedBy == a.MentorId => Refusal.AlreadyTheirs,
            // A claim is moved only from the mentor the coordinator saw holding it, never from one who claimed it since.
            RequestStatus.Claimed when a.ExpectedClaimer is not null && r.ClaimedBy == a.ExpectedClaimer => Pair(t, a.MentorId, actor.UserId, now),
            RequestStatus.Claimed => Refusal.AlreadyClaimed,
            _ => Refusal.NotOpen,
        };
    }

    /// <summary>
    /// Marks the session done (with the report, when there is one), or files the report of a session already marked done:
    /// once, by the mentor who held it or a coordinator.
    /// </summary>
    private static Result CompleteSession(TrackedRequest t, Actor actor, RequestCommand.CompleteSession c, DateTimeOffset now)
    {
        var r = t.Request;
        RequestSession Reported(RequestSession s) => c.Report is null ? s : s with { Report = c.Report, ReportedBy = actor.UserId, ReportedAt = now };
        if (r.Status == RequestStatus.Completed && c.Report is not null)
        {
            if (r.ClaimedBy != actor.UserId && t.Outcome.CompletedBy != actor.UserId && !actor.IsCoordinator) return Refusal.NotAllowed;
            if (t.Session.Report is not null) return Refusal.AlreadyReported;
            return t with { Session = Reported(t.Session) };
        }
        if (r.Status != RequestStatus.Claimed) return Refusal.NotClaimed;
        if (r.ClaimedBy != actor.UserId && !actor.IsCoordinator) return Refusal.NotAllowed;
        return WithSession(Move(t, r with { Status = RequestStatus.Completed }, o => o with { CompletedAt = now, CompletedBy = actor.UserId }), Reported);
    }

    /// <summary>
    /// Whether the request is still offered only to the mentor the mentee named: open, never claimed since (a release ends
    /// the offer), and not yet passed on to the channel.
    /// </summary>
    public static bool IsOffered(MentorRequest r, RequestSession s) =>
        r.Status == RequestStatus.Open && s.PreferredMentor is not null && s.OfferEndedAt is null && r.ReleasedAt is null;

    /// <summary>The offer ends: the request's open ladder (bumps, notices, escalation) starts now, as it reaches the channel.</summary>
    private static TrackedRequest ToChannel(TrackedRequest t, DateTimeOffset now) => t with
    {
        Session = t.Session with { OfferEndedAt = now },
        FollowUp = t.FollowUp with
        {
            BumpCount = 0,
            LastBumpAt = null,
            CoordinatorsNotifiedAt = null,
            EscalatedAt = null,
            PendingStep = null,
            PendingToken = null,
            PendingAt = null,
            NextActionAt = DateTimeOffset.UnixEpoch,
        },
    };

    /// <summary>The mentor holding the request, or the mentee who asked.</summary>
    private static bool IsPair(MentorRequest r, Actor actor) => actor.UserId == r.ClaimedBy || actor.UserId == r.MenteeSlackId;

    /// <summary>Enough attempts, the first long enough ago: the guidebook's three attempts over seven days, by default.</summary>
    public static bool MayGiveUp(RequestSession s, ContactRules rules, DateTimeOffset now) =>
        s.ContactAttempts >= rules.Attempts && s.FirstAttemptAt is { } first && now - first >= rules.Over;

    /// <summary>A hold ends: the current phase's ladder starts again from now, as if the request had just come back.</summary>
    private static Result Resume(TrackedRequest t, DateTimeOffset now)
    {
        var s = t.FollowUp;
        s = t.Request.Status switch
        {
            RequestStatus.Open => s with { BumpCount = 0, LastBumpAt = null, CoordinatorsNotifiedAt = null, EscalatedAt = null },
            RequestStatus.Claimed => s with { MentorNudgedAt = null, StuckReportedAt = null },
            _ => s,
        };
        return t with
        {
            Session = t.Session with { OnHoldUntil = null, OnHoldBy = null, ResumedAt = now },
            FollowUp = s with
            {
                PendingStep = null,
                PendingToken = null,
                PendingAt = null,
                NextActionAt = t.Request.Status is RequestStatus.Open or RequestStatus.Claimed ? DateTimeOffset.UnixEpoch : null,
            },
        };
    }

    /// <summary>
    /// A reopened request waits afresh: its open ladder counts from the reopen, not from when it was first asked, so an old
    /// request is not bumped, reported and escalated the moment it is back. A hold from before the close ends with it.
    /// </summary>
    private static RequestSession Reopened(RequestSession s, DateTimeOffset now) => s with { OnHoldUntil = null, OnHoldBy = null, ResumedAt = now };

    /// <summary>What a follow-up step changes beyond the ladder: a reminder is sent once; a hold that ran out ends.</summary>
    private static TrackedRequest StepTaken(TrackedRequest t, FollowUpStep? step, DateTimeOffset now) => step switch
    {
        FollowUpStep.RemindSession => t with { Session = t.Session with { ReminderSentAt = now } },
        FollowUpStep.Resume when t.Session.OnHoldUntil is not null => Resume(t, now).After!,
        _ => t,
    };

    /// <summary>Something the ladder reads changed: the sweep plans the request afresh at its next look.</summary>
    private static TrackedRequest Replan(TrackedRequest t) =>
        t.Request.Status is RequestStatus.Open or RequestStatus.Claimed && t.FollowUp.PendingToken is null
            ? t with { FollowUp = t.FollowUp with { NextActionAt = DateTimeOffset.UnixEpoch } }
            : t;

    private static Result WithSession(Result result, Func<RequestSession, RequestSession> change) =>
        result.After is { } after ? after with { Session = change(after.Session) } : result;

    private static Result Pair(TrackedRequest t, string mentor, string? assignedBy, DateTimeOffset now) =>
        Move(t, t.Request with { Status = RequestStatus.Claimed, ClaimedBy = mentor, ClaimedAt = now },
            o => o with { FirstClaimedAt = o.FirstClaimedAt ?? now, AssignedBy = assignedBy });

    private static Result Close(TrackedRequest t, Actor actor, string? reason, DateTimeOffset now) =>
        t.Request.Status is not (RequestStatus.Open or RequestStatus.Claimed) ? Refusal.Ended
            : Move(t, t.Request with { Status = RequestStatus.Cancelled },
                o => o with { ClosedAt = now, ClosedBy = actor.UserId, CloseReason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim() });

    /// <summary>
    /// A change of phase (the request opens, is claimed or moves to another mentor, or ends) starts the new phase's
    /// follow-up ladder: no step pending, due for planning at once while open or claimed (never once ended), and the new
    /// phase's own steps forgotten, so a released request is bumped again and a reassigned one nudged again.
    /// </summary>
    private static Result Move(TrackedRequest t, MentorRequest after, Func<RequestOutcome, RequestOutcome> outcome)
    {
        var s = t.FollowUp;
        var phaseChanged = after.Status != t.Request.Status || after.ClaimedBy != t.Request.ClaimedBy || after.ReleasedAt != t.Request.ReleasedAt;
        if (phaseChanged)
        {
            s = after.Status switch
            {
                RequestStatus.Open => s with { BumpCount = 0, LastBumpAt = null, CoordinatorsNotifiedAt = null, EscalatedAt = null },
                RequestStatus.Claimed => s with { MentorNudgedAt = null, StuckReportedAt = null },
                _ => s,
            };
            s = s with
            {
                PendingStep = null,
                PendingToken = null,
                PendingAt = null,
                NextActionAt = after.Status is RequestStatus.Open or RequestStatus.Claimed ? DateTimeOffset.UnixEpoch : null,
            };
        }
        var session = after.ClaimedBy != t.Request.ClaimedBy ? t.Session.ForNewPairing() : t.Session;
        return t with { Request = after, FollowUp = s, Outcome = outcome(t.Outcome), Session = session };
    }

    /// <summary>Either the request as it becomes, or why it does not change.</summary>
    private readonly record struct Result(TrackedRequest? After, Refusal? Why)
    {
        public static implicit operator Result(TrackedRequest after) => new(after, null);

        public static implicit operator Result(Refusal why) => new(null, why);
    }
}
