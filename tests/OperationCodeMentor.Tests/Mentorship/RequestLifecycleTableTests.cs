using System.Runtime.CompilerServices;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Scheduling;
using static OperationCodeMentor.Tests.Mentorship.RequestLifecycleTableTests.ActorKind;

namespace OperationCodeMentor.Tests.Mentorship;

/// <summary>
/// The request lifecycle as a table: every request state (each status, and the sub-states the rules look at), every
/// command and every kind of actor. Each row is one rule: for these commands, in these states, by these actors, the
/// request becomes this, or is refused for this reason. The first row that matches a combination is the rule for it,
/// as the lifecycle checks its conditions in order; every combination must have a row, and every row must be the rule
/// for at least one combination. Pure domain code on a fixed clock: no store, no host.
/// </summary>
public class RequestLifecycleTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // ── Who acts ────────────────────────────────────────────────────────────────────────────────────────────────
    /// <summary>The kinds of actor. The mentee, the claimer and the other mentor are enrolled mentors with room; staff and the bot are not.</summary>
    public enum ActorKind { Mentee, Claimer, OtherMentor, Coordinator, EscalationContact, Bot }

    private const string MenteeId = "UMENTEE", ClaimerId = "UCLAIMER", OtherId = "UOTHER", CoordinatorId = "UCOORD", EscalationId = "UESCAL";

    private static Actor ActorOf(ActorKind kind) => kind switch
    {
        Mentee => new Actor(MenteeId),
        Claimer => new Actor(ClaimerId),
        OtherMentor => new Actor(OtherId),
        Coordinator => new Actor(CoordinatorId, IsCoordinator: true),
        EscalationContact => new Actor(EscalationId, IsEscalationContact: true),
        Bot => Actor.Bot,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static readonly string[] Enrolled = [MenteeId, ClaimerId, OtherId];

    private static MentorLoad? LoadOf(string user, bool full = false) => Enrolled.Contains(user)
        ? new MentorLoad(new Mentor(user, user, null, ["Python"], null, 2, null, true, false, null, Now - 100 * Day), full ? 2 : 0)
        : null;

    private static readonly ActorKind[] Anyone = Enum.GetValues<ActorKind>();
    private static readonly ActorKind[] Staff = [Coordinator, EscalationContact];
    private static readonly ActorKind[] NotEnrolled = [Coordinator, EscalationContact, Bot];

    // ── The request's states ────────────────────────────────────────────────────────────────────────────────────
    /// <summary>Every step of both phases taken once, so a row shows which of them a change forgets.</summary>
    private static readonly FollowUpState Ladder = new(BumpCount: 2, LastBumpAt: Now - 2 * Day, CoordinatorsNotifiedAt: Now - 2 * Day,
        EscalatedAt: Now - Day, MentorNudgedAt: Now - Day, StuckReportedAt: Now - 12 * Hour, NextActionAt: Now + Day, null, null, null);

    private static readonly FollowUpState Pending = Ladder with { PendingStep = FollowUpStep.Bump, PendingToken = "tok-pending", PendingAt = Now - TimeSpan.FromMinutes(1) };

    private static readonly MentorRequest Asked = new("R-1042", MenteeId, "Mentee", "Code Review", ["Python"], "Help with my first project.", "Veteran",
        RequestStatus.Open, Now - 5 * Day, null, null, null, null, 0, "G0MENTORS", "1700000000.000100", []);

    private static readonly RequestSession Hold = new(OnHoldUntil: Now + Day, OnHoldBy: CoordinatorId);
    private static readonly RequestSession Paired = new(ConversationId: "GPAIR0", ConversationOpenedAt: Now - 3 * Day);
    private static readonly SessionReport Report = new("Reviewed the project", ["Write tests"], FollowUpWish.None, null);

    public sealed record State(string Name, TrackedRequest Request)
    {
        public override string ToString() => Name;
    }

    private static State S(string name, RequestStatus status, FollowUpState? ladder = null, RequestSession? session = null, RequestOutcome? outcome = null, bool claimed = false) =>
        new(name, new TrackedRequest(
            Asked with { Status = status, ClaimedBy = claimed ? ClaimerId : null, ClaimedAt = claimed ? Now - 3 * Day : null },
            (ladder ?? Ladder) with { NextActionAt = status is RequestStatus.Open or RequestStatus.Claimed ? (ladder ?? Ladder).NextActionAt : null },
            outcome ?? RequestOutcome.None with { FirstClaimedAt = claimed ? Now - 3 * Day : null }, Version: 7, LastChange: "earlier-work")
        { Session = session ?? (claimed ? Paired : RequestSession.None) });

    private static readonly RequestOutcome Done = RequestOutcome.None with { FirstClaimedAt = Now - 3 * Day, CompletedAt = Now - Day, CompletedBy = ClaimerId };
    private static readonly RequestOutcome ClosedByStaff = RequestOutcome.None with { ClosedAt = Now - Day, ClosedBy = CoordinatorId, CloseReason = "duplicate" };

    private static readonly State Open = S("open", RequestStatus.Open);
    private static readonly State OpenOnHold = S("open, on hold", RequestStatus.Open, session: Hold);
    private static readonly State OpenStepPending = S("open, a step pending", RequestStatus.Open, Pending);
    private static readonly State OpenOffered = S("open, offered to the claimer by name", RequestStatus.Open,
        session: RequestSession.None with { PreferredMentor = ClaimerId });
    private static readonly State Claimed = S("claimed", RequestStatus.Claimed, claimed: true);
    private static readonly State ClaimedOnHold = S("claimed, on hold", RequestStatus.Claimed, session: Paired with { OnHoldUntil = Now + Day, OnHoldBy = CoordinatorId }, claimed: true);
    private static readonly State ClaimedStepPending = S("claimed, a step pending", RequestStatus.Claimed, Pending with { PendingStep = FollowUpStep.NudgeMentor }, claimed: true);
    private static readonly State ClaimedAttemptsBelow = S("claimed, 2 of 3 contact attempts", RequestStatus.Claimed,
        session: Paired with { ContactAttempts = 2, FirstAttemptAt = Now - 8 * Day, LastAttemptAt = Now - Day }, claimed: true);
    private static readonly State ClaimedAttemptsTooRecent = S("claimed, 3 attempts within 7 days", RequestStatus.Claimed,
        session: Paired with { ContactAttempts = 3, FirstAttemptAt = Now - 3 * Day, LastAttemptAt = Now - Day }, claimed: true);
    private static readonly State ClaimedAttemptsAtLimit = S("claimed, 3 attempts over 8 days", RequestStatus.Claimed,
        session: Paired with { ContactAttempts = 3, FirstAttemptAt = Now - 8 * Day, LastAttemptAt = Now - Day }, claimed: true);
    private static readonly State Completed = S("completed", RequestStatus.Completed, outcome: Done, claimed: true);
    private static readonly State CompletedReported = S("completed, report given", RequestStatus.Completed, outcome: Done,
        session: Paired with { Report = Report, ReportedBy = ClaimerId, ReportedAt = Now - Day }, claimed: true);
    private static readonly State CompletedRated = S("completed, rated", RequestStatus.Completed, outcome: Done,
        session: Paired with { Rating = 5, RatedAt = Now - Hour }, claimed: true);
    private static readonly State CompletedAnswered = S("completed, feedback given", RequestStatus.Completed,
        outcome: Done with { Feedback = SessionFeedback.Helped, FeedbackBy = MenteeId, FeedbackAt = Now - Hour }, claimed: true);
    private static readonly State Cancelled = S("closed", RequestStatus.Cancelled, outcome: ClosedByStaff);
    private static readonly State CancelledWhileClaimed = S("closed while claimed", RequestStatus.Cancelled, outcome: ClosedByStaff with { FirstClaimedAt = Now - 3 * Day }, claimed: true);
    private static readonly State CancelledOnHold = S("closed, held before", RequestStatus.Cancelled, outcome: ClosedByStaff, session: Hold);

    private static readonly State[] OpenStates = [Open, OpenOnHold, OpenStepPending, OpenOffered];
    private static readonly State[] ClaimedStates = [Claimed, ClaimedOnHold, ClaimedStepPending, ClaimedAttemptsBelow, ClaimedAttemptsTooRecent, ClaimedAttemptsAtLimit];
    private static readonly State[] CompletedStates = [Completed, CompletedReported, CompletedRated, CompletedAnswered];
    private static readonly State[] CancelledStates = [Cancelled, CancelledWhileClaimed, CancelledOnHold];
    private static readonly State[] Active = [.. OpenStates, .. ClaimedStates];
    private static readonly State[] Ended = [.. CompletedStates, .. CancelledStates];
    private static readonly State[] AnyState = [.. Active, .. Ended];
    private static readonly State[] StepPending = [OpenStepPending, ClaimedStepPending];
    private static readonly State[] OnHold = [OpenOnHold, ClaimedOnHold, CancelledOnHold];

    // ── The commands (each RequestCommand, in the variants the rules tell apart) ────────────────────────────────
    public sealed record Cmd(string Name, Func<TrackedRequest, Actor, RequestCommand> Make)
    {
        public override string ToString() => Name;
    }

    private static readonly ContactRules ThreeOverAWeek = new(3, 7 * Day);
    private static readonly RequestPost Post = new("G0MENTORS", "1700000000.000200", ["UOTHER"]);
    private static readonly FollowUpState StepDone = Ladder with { BumpCount = 3, LastBumpAt = Now, NextActionAt = Now + 2 * Day };

    private static readonly Cmd Claim = new("Claim", (_, a) => new RequestCommand.Claim(LoadOf(a.UserId)));
    private static readonly Cmd ClaimAtCapacity = new("Claim, at capacity", (_, a) => new RequestCommand.Claim(LoadOf(a.UserId, full: true)));
    private static readonly Cmd Assign = new("Assign another mentor", (_, _) => new RequestCommand.Assign(OtherId, LoadOf(OtherId), null));
    private static readonly Cmd Move = new("Assign another mentor, moving it from the claimer", (_, _) => new RequestCommand.Assign(OtherId, LoadOf(OtherId), ClaimerId));
    private static readonly Cmd AssignClaimer = new("Assign the claimer", (_, _) => new RequestCommand.Assign(ClaimerId, LoadOf(ClaimerId), null));
    private static readonly Cmd AssignMentee = new("Assign the mentee", (_, _) => new RequestCommand.Assign(MenteeId, LoadOf(MenteeId), null));
    private static readonly Cmd AssignUnenrolled = new("Assign someone not enrolled", (_, _) => new RequestCommand.Assign("UNEW", null, null));
    private static readonly Cmd Release = new("Release", (_, _) => new RequestCommand.Release());
    private static readonly Cmd Close = new("Close", (_, _) => new RequestCommand.Close("  duplicate of R-1001 "));
    private static readonly Cmd Cancel = new("Cancel", (_, _) => new RequestCommand.Cancel());
    private static readonly Cmd Reopen = new("Reopen", (_, _) => new RequestCommand.Reopen());
    private static readonly Cmd SessionDone = new("Session done", (_, _) => new RequestCommand.CompleteSession());
    private static readonly Cmd SessionDoneWithReport = new("Session done, with the report", (_, _) => new RequestCommand.CompleteSession(Report));
    private static readonly Cmd RecordConversation = new("Record conversation", (_, _) => new RequestCommand.RecordConversation("GPAIR1"));
    private static readonly Cmd SetTime = new("Set time", (_, _) => new RequestCommand.SetTime(Now + 2 * Day));
    private static readonly Cmd SetTimeInPast = new("Set time, in the past", (_, _) => new RequestCommand.SetTime(Now - Hour));
    private static readonly Cmd ContactAttempt = new("Record contact attempt", (_, _) => new RequestCommand.RecordContactAttempt());
    private static readonly Cmd GiveUp = new("Give up contact", (_, _) => new RequestCommand.GiveUpContact(ThreeOverAWeek));
    private static readonly Cmd HoldCmd = new("Hold", (_, _) => new RequestCommand.Hold(Now + 3 * Day));
    private static readonly Cmd HoldInPast = new("Hold, until a time passed", (_, _) => new RequestCommand.Hold(Now));
    private static readonly Cmd Resume = new("Resume", (_, _) => new RequestCommand.Resume());
    private static readonly Cmd Rate = new("Rate", (_, _) => new RequestCommand.Rate(4, "  very helpful "));
    private static readonly Cmd RateSixStars = new("Rate, 6 stars", (_, _) => new RequestCommand.Rate(6, null));
    private static readonly Cmd CheckIn = new("Check in, on track", (_, _) => new RequestCommand.CheckIn(CheckInAnswer.OnTrack));
    private static readonly Cmd EndOffer = new("End the offer", (_, _) => new RequestCommand.EndOffer());
    private static readonly Cmd Answer = new("Answer", (_, _) => new RequestCommand.Answer(SessionFeedback.AnotherMentor));
    private static readonly Cmd RecordPost = new("Record post", (_, _) => new RequestCommand.RecordPost(Post));
    private static readonly Cmd BeginStep = new("Begin step", (t, _) => new RequestCommand.BeginStep(t.Version, FollowUpStep.Bump, "tok-new"));
    private static readonly Cmd BeginStepStale = new("Begin step, stale", (t, _) => new RequestCommand.BeginStep(t.Version - 1, FollowUpStep.Bump, "tok-new"));
    private static readonly Cmd CompleteStep = new("Complete step", (_, _) => new RequestCommand.CompleteStep("tok-pending", StepDone));
    private static readonly Cmd CompleteOtherStep = new("Complete step, another token", (_, _) => new RequestCommand.CompleteStep("tok-other", StepDone));
    private static readonly Cmd AbandonStep = new("Abandon step", (_, _) => new RequestCommand.AbandonStep("tok-pending", Now + 5 * TimeSpan.FromMinutes(1)));
    private static readonly Cmd AbandonOtherStep = new("Abandon step, another token", (_, _) => new RequestCommand.AbandonStep("tok-other", Now + Hour));
    private static readonly Cmd Plan = new("Plan", (t, _) => new RequestCommand.Plan(t.Version, Now + 6 * Hour));
    private static readonly Cmd PlanStale = new("Plan, stale", (t, _) => new RequestCommand.Plan(t.Version - 1, Now + 6 * Hour));

    private static readonly Cmd[] Commands =
    [
        Claim, ClaimAtCapacity, Assign, Move, AssignClaimer, AssignMentee, AssignUnenrolled, Release, Close, Cancel, Reopen, SessionDone,
        SessionDoneWithReport, RecordConversation, SetTime, SetTimeInPast, ContactAttempt, GiveUp, HoldCmd, HoldInPast, Resume, CheckIn, EndOffer, Rate, RateSixStars,
        Answer, RecordPost, BeginStep, BeginStepStale, CompleteStep, CompleteOtherStep, AbandonStep, AbandonOtherStep, Plan, PlanStale,
    ];

    // ── What a command does ─────────────────────────────────────────────────────────────────────────────────────
    /// <summary>What the request becomes: status, claim, ladder (with its next action time), plus anything else the row checks.</summary>
    public sealed record Expected(RequestStatus Status, string? ClaimedBy, DateTimeOffset? ClaimedAt, FollowUpState FollowUp);

    public abstract record Outcome;

    public sealed record Refused(Refusal Why) : Outcome
    {
        public override string ToString() => $"refused: {Why}";
    }

    public sealed record Throws : Outcome
    {
        public override string ToString() => "throws";
    }

    public sealed record Becomes(string What, Func<TrackedRequest, Actor, Expected> Expect, Action<TrackedRequest, TrackedRequest, Actor>? Also = null) : Outcome
    {
        public override string ToString() => What;
    }

    private static Refused No(Refusal why) => new(why);

    /// <summary>A new phase: no step pending, due for planning at once, and the entered phase's own steps forgotten.</summary>
    private static FollowUpState NewPhase(FollowUpState s, RequestStatus entered) => (entered switch
    {
        RequestStatus.Open => s with { BumpCount = 0, LastBumpAt = null, CoordinatorsNotifiedAt = null, EscalatedAt = null },
        RequestStatus.Claimed => s with { MentorNudgedAt = null, StuckReportedAt = null },
        _ => s,
    }) with { PendingStep = null, PendingToken = null, PendingAt = null, NextActionAt = entered is RequestStatus.Open or RequestStatus.Claimed ? DateTimeOffset.UnixEpoch : null };

    private static Becomes ClaimedBy(string what, Func<Actor, string> mentor, Action<TrackedRequest, TrackedRequest, Actor>? also = null) =>
        new(what, (t, a) => new(RequestStatus.Claimed, mentor(a), Now, NewPhase(t.FollowUp, RequestStatus.Claimed)), also);

    private static Becomes Opens(string what, Action<TrackedRequest, TrackedRequest, Actor>? also = null) =>
        new(what, (t, _) => new(RequestStatus.Open, null, null, NewPhase(t.FollowUp, RequestStatus.Open)), also);

    /// <summary>The request ends: the claim stays as it was (for the record), the ladder stops.</summary>
    private static Becomes EndsAs(RequestStatus status, Action<TrackedRequest, TrackedRequest, Actor>? also = null) =>
        new($"becomes {status}, ladder stops", (t, _) => new(status, t.Request.ClaimedBy, t.Request.ClaimedAt, NewPhase(t.FollowUp, status)), also);

    /// <summary>Status and claim stay; the ladder becomes <paramref name="ladder"/> (by default, stays as it was).</summary>
    private static Becomes Stays(string what, Action<TrackedRequest, TrackedRequest, Actor>? also = null, Func<TrackedRequest, FollowUpState>? ladder = null) =>
        new(what, (t, _) => new(t.Request.Status, t.Request.ClaimedBy, t.Request.ClaimedAt, ladder?.Invoke(t) ?? t.FollowUp), also);

    private static readonly Becomes Pairs = ClaimedBy("claimed by the clicker, new pairing", a => a.UserId, (t, after, a) =>
    {
        Assert.Equal(Now, after.Outcome.FirstClaimedAt);
        Assert.Null(after.Outcome.AssignedBy);
        Assert.Equal(t.Session.ForNewPairing(), after.Session);
    });

    private static Becomes AssignedTo(string mentor) => ClaimedBy($"claimed by {mentor}, assigned by staff", _ => mentor, (t, after, a) =>
    {
        Assert.Equal(a.UserId, after.Outcome.AssignedBy);
        Assert.Equal(t.Outcome.FirstClaimedAt ?? Now, after.Outcome.FirstClaimedAt);
        Assert.Equal(t.Request.ClaimedBy == mentor ? t.Session : t.Session.ForNewPairing(), after.Session);
    });

    private static void Closed(TrackedRequest after, string by, string reason)
    {
        Assert.Equal((Now, by, reason), (after.Outcome.ClosedAt, after.Outcome.ClosedBy, after.Outcome.CloseReason));
    }

    // ── The rules: the first row that matches a (state, command, actor) decides it ──────────────────────────────
    public sealed record Row(Cmd[] Commands, State[] States, ActorKind[] Actors, Outcome Outcome, int Line)
    {
        public bool Matches(State s, Cmd c, ActorKind a) => Commands.Contains(c) && States.Contains(s) && Actors.Contains(a);

        public override string ToString() =>
            $"line {Line}: {string.Join(" | ", Commands.Select(c => c.Name))} × {Describe(States)} × [{string.Join(", ", Actors)}] → {Outcome}";

        private static string Describe(State[] states) => states.Length == AnyState.Length ? "any state" : $"[{string.Join("; ", states.Select(s => s.Name))}]";
    }

    private static Row R(Cmd command, State[] states, ActorKind[] actors, Outcome outcome, [CallerLineNumber] int line = 0) => new([command], states, actors, outcome, line);

    private static Row R(Cmd[] commands, State[] states, ActorKind[] actors, Outcome outcome, [CallerLineNumber] int line = 0) => new(commands, states, actors, outcome, line);

    private static readonly Row[] Rules =
    [
        // Claiming: the clicker must be enrolled, have room, not be the mentee; only an open request can be claimed.
        R([Claim, ClaimAtCapacity], AnyState, NotEnrolled, No(Refusal.NotEnrolled)),
        R(ClaimAtCapacity, AnyState, Anyone, No(Refusal.AtCapacity)),
        R(Claim, AnyState, [Mentee], No(Refusal.OwnRequest)),
        R(Claim, ClaimedStates, Anyone, No(Refusal.AlreadyClaimed)),
        R(Claim, Ended, Anyone, No(Refusal.NotOpen)),
        R(Claim, [OpenOffered], [OtherMentor], No(Refusal.OfferedToAnother)),
        R(Claim, OpenStates, [Claimer, OtherMentor], Pairs),

        // Assigning: staff only; the chosen mentor enrolled and not the mentee; a claim moves only from the claimer the coordinator saw.
        R([Assign, Move, AssignClaimer, AssignMentee, AssignUnenrolled], AnyState, [Mentee, Claimer, OtherMentor, Bot], No(Refusal.NotAllowed)),
        R(AssignUnenrolled, AnyState, Staff, No(Refusal.NotEnrolled)),
        R(AssignMentee, AnyState, Staff, No(Refusal.OwnRequest)),
        R([Assign, Move, AssignClaimer], Ended, Staff, No(Refusal.NotOpen)),
        R([Assign, Move], OpenStates, Staff, AssignedTo(OtherId)),
        R(AssignClaimer, OpenStates, Staff, AssignedTo(ClaimerId)),
        R(AssignClaimer, ClaimedStates, Staff, No(Refusal.AlreadyTheirs)),
        R(Move, ClaimedStates, Staff, AssignedTo(OtherId)),
        R(Assign, ClaimedStates, Staff, No(Refusal.AlreadyClaimed)),

        // Releasing: a claimed request, by its claimer or a coordinator; it opens again with a fresh open ladder.
        R(Release, [.. OpenStates, .. Ended], Anyone, No(Refusal.NotClaimed)),
        R(Release, ClaimedStates, [Claimer, Coordinator], Opens("open again, released", (t, after, a) =>
        {
            Assert.Equal((a.UserId, (DateTimeOffset?)Now, t.Request.ResetCount + 1), (after.Request.ReleasedBy, after.Request.ReleasedAt, after.Request.ResetCount));
            Assert.Equal(t.Session.ForNewPairing(), after.Session);
        })),
        R(Release, ClaimedStates, Anyone, No(Refusal.NotAllowed)),

        // Closing (staff) and cancelling (the mentee, while open; a coordinator's cancel is a close).
        R(Close, AnyState, [Mentee, Claimer, OtherMentor, Bot], No(Refusal.NotAllowed)),
        R(Close, Active, Staff, EndsAs(RequestStatus.Cancelled, (_, after, a) => Closed(after, a.UserId, "duplicate of R-1001"))),
        R(Close, Ended, Staff, No(Refusal.Ended)),
        R(Cancel, OpenStates, [Mentee], EndsAs(RequestStatus.Cancelled, (_, after, _) => Closed(after, MenteeId, RequestLifecycle.MenteeCancelReason))),
        R(Cancel, [.. ClaimedStates, .. Ended], [Mentee], No(Refusal.Ended)),
        R(Cancel, Active, [Coordinator], EndsAs(RequestStatus.Cancelled, (_, after, _) => Closed(after, CoordinatorId, RequestLifecycle.CoordinatorCancelReason))),
        R(Cancel, Ended, [Coordinator], No(Refusal.Ended)),
        R(Cancel, AnyState, [Claimer, OtherMentor, EscalationContact, Bot], No(Refusal.NotAllowed)),

        // Reopening: a coordinator, a closed request; it waits afresh from now, any earlier hold ended.
        R(Reopen, AnyState, [Mentee, Claimer, OtherMentor, EscalationContact, Bot], No(Refusal.NotAllowed)),
        R(Reopen, CancelledStates, [Coordinator], Opens("open again, ladder from now", (t, after, _) =>
        {
            Assert.True(after.Outcome is { ClosedAt: null, ClosedBy: null, CloseReason: null, AssignedBy: null }, "the close is forgotten");
            Assert.True(after.Session is { OnHoldUntil: null, OnHoldBy: null }, "an earlier hold ends");
            Assert.Equal(Now, after.Session.ResumedAt);
            Assert.Equal(t.Outcome.FirstClaimedAt, after.Outcome.FirstClaimedAt);
        })),
        R(Reopen, [.. Active, .. CompletedStates], [Coordinator], No(Refusal.NotClosed)),

        // Session done: a claimed request, by its claimer or a coordinator. A report may follow a session already done, once.
        R(SessionDone, ClaimedStates, [Claimer, Coordinator], EndsAs(RequestStatus.Completed, (t, after, a) =>
        {
            Assert.Equal(((DateTimeOffset?)Now, a.UserId), (after.Outcome.CompletedAt, after.Outcome.CompletedBy));
            Assert.Equal(t.Session, after.Session);
        })),
        R(SessionDoneWithReport, ClaimedStates, [Claimer, Coordinator], EndsAs(RequestStatus.Completed, (_, after, a) =>
            Assert.Equal((Report, a.UserId, (DateTimeOffset?)Now), (after.Session.Report, after.Session.ReportedBy, after.Session.ReportedAt)))),
        R([SessionDone, SessionDoneWithReport], ClaimedStates, Anyone, No(Refusal.NotAllowed)),
        R(SessionDoneWithReport, CompletedStates, [Mentee, OtherMentor, EscalationContact, Bot], No(Refusal.NotAllowed)),
        R(SessionDoneWithReport, [CompletedReported], [Claimer, Coordinator], No(Refusal.AlreadyReported)),
        R(SessionDoneWithReport, CompletedStates, [Claimer, Coordinator], Stays("report filed", (_, after, a) =>
            Assert.Equal((Report, a.UserId), (after.Session.Report, after.Session.ReportedBy)))),
        R([SessionDone, SessionDoneWithReport], AnyState, Anyone, No(Refusal.NotClaimed)),

        // The pair's conversation (the bot or staff), their time (the pair or a coordinator), contact attempts and giving up (claimer or coordinator).
        R(RecordConversation, AnyState, [Mentee, Claimer, OtherMentor], No(Refusal.NotAllowed)),
        R(RecordConversation, ClaimedStates, [Bot, Coordinator, EscalationContact], Stays("conversation recorded", (_, after, _) =>
            Assert.Equal(("GPAIR1", (DateTimeOffset?)Now), (after.Session.ConversationId, after.Session.ConversationOpenedAt)))),
        R([RecordConversation, SetTime, SetTimeInPast, ContactAttempt, GiveUp], [.. OpenStates, .. Ended], Anyone, No(Refusal.NotClaimed)),
        R([SetTime, SetTimeInPast], ClaimedStates, [OtherMentor, EscalationContact, Bot], No(Refusal.NotAllowed)),
        R(SetTimeInPast, ClaimedStates, Anyone, No(Refusal.TimeInPast)),
        R(SetTime, ClaimedStates, Anyone, Stays("time set, replanned unless a step is pending", (_, after, _) =>
            Assert.Equal(((DateTimeOffset?)(Now + 2 * Day), (DateTimeOffset?)null), (after.Session.SessionAt, after.Session.ReminderSentAt)),
            t => t.FollowUp.PendingToken is null ? t.FollowUp with { NextActionAt = DateTimeOffset.UnixEpoch } : t.FollowUp)),
        R([ContactAttempt, GiveUp], ClaimedStates, [Mentee, OtherMentor, EscalationContact, Bot], No(Refusal.NotAllowed)),
        R(ContactAttempt, ClaimedStates, Anyone, Stays("attempt counted", (t, after, _) =>
            Assert.Equal((t.Session.ContactAttempts + 1, t.Session.FirstAttemptAt ?? Now, (DateTimeOffset?)Now),
                (after.Session.ContactAttempts, after.Session.FirstAttemptAt ?? Now, after.Session.LastAttemptAt)))),
        R(GiveUp, [ClaimedAttemptsAtLimit], Anyone, EndsAs(RequestStatus.Cancelled, (_, after, a) =>
        {
            Closed(after, a.UserId, RequestLifecycle.ContactLostReason);
            Assert.Equal(Now, after.Session.ContactLostAt);
        })),
        R(GiveUp, ClaimedStates, Anyone, No(Refusal.TooFewAttempts)),

        // Holds: staff, on an open or claimed request, until a time to come; the ladder waits for it. Resume restarts the phase's ladder.
        R([HoldCmd, HoldInPast, Resume], AnyState, [Mentee, Claimer, OtherMentor, Bot], No(Refusal.NotAllowed)),
        R([HoldCmd, HoldInPast], Ended, Staff, No(Refusal.Ended)),
        R(HoldInPast, Active, Staff, No(Refusal.TimeInPast)),
        R(HoldCmd, Active, Staff, Stays("on hold, ladder waits for it", (_, after, a) =>
            Assert.Equal(((DateTimeOffset?)(Now + 3 * Day), a.UserId), (after.Session.OnHoldUntil, after.Session.OnHoldBy)),
            t => t.FollowUp with { PendingStep = null, PendingToken = null, PendingAt = null, NextActionAt = Now + 3 * Day })),
        R(Resume, OnHold, Staff, Stays("hold ended, the phase's ladder from now", (_, after, _) =>
            Assert.True(after.Session is { OnHoldUntil: null, OnHoldBy: null } && after.Session.ResumedAt == Now, "the hold ends now"),
            t => NewPhase(t.FollowUp, t.Request.Status))),
        R(Resume, AnyState, Staff, No(Refusal.NotOnHold)),

        // The weekly check-in: only the mentor holding the request answers it; an answer is activity, so the ladder is planned again.
        R(CheckIn, [.. OpenStates, .. Ended], Anyone, No(Refusal.NotClaimed)),
        R(CheckIn, ClaimedStates, [Claimer], Stays("checked in, replanned unless a step is pending", (_, after, _) =>
            Assert.Equal(((DateTimeOffset?)Now, (CheckInAnswer?)CheckInAnswer.OnTrack), (after.Session.CheckedInAt, after.Session.CheckIn)),
            t => t.FollowUp.PendingToken is null ? t.FollowUp with { NextActionAt = DateTimeOffset.UnixEpoch } : t.FollowUp)),
        R(CheckIn, ClaimedStates, Anyone, No(Refusal.NotAllowed)),

        // A request for a mentor the mentee named is theirs alone until they pass, the wait runs out (the bot), or staff send it on;
        // then it reaches the channel and its open ladder starts from that moment.
        R(EndOffer, [OpenOffered], [Claimer, Coordinator, EscalationContact, Bot], Stays("to the channel, open ladder from now", (_, after, _) =>
            Assert.Equal(Now, after.Session.OfferEndedAt), t => NewPhase(t.FollowUp, RequestStatus.Open))),
        R(EndOffer, AnyState, [Mentee, Claimer, OtherMentor], No(Refusal.NotAllowed)),
        R(EndOffer, ClaimedStates, Anyone, No(Refusal.AlreadyClaimed)),
        R(EndOffer, Ended, Anyone, No(Refusal.NotOpen)),
        R(EndOffer, OpenStates, Anyone, No(Refusal.NotOffered)),

        // After the session: the mentee (or a coordinator) rates it and answers "How did it go?", each once.
        R([Rate, RateSixStars, Answer], AnyState, [Claimer, OtherMentor, EscalationContact, Bot], No(Refusal.NotAllowed)),
        R([Rate, RateSixStars, Answer], [.. Active, .. CancelledStates], Anyone, No(Refusal.NotCompleted)),
        R([Rate, RateSixStars], [CompletedRated], Anyone, No(Refusal.AlreadyRated)),
        R(RateSixStars, CompletedStates, Anyone, new Throws()),
        R(Rate, CompletedStates, Anyone, Stays("rated", (_, after, _) =>
            Assert.Equal((4, "very helpful", (DateTimeOffset?)Now), (after.Session.Rating, after.Session.RatingComment, after.Session.RatedAt)))),
        R(Answer, [CompletedAnswered], Anyone, No(Refusal.AlreadyAnswered)),
        R(Answer, CompletedStates, Anyone, Stays("answered", (_, after, a) =>
            Assert.Equal((SessionFeedback.AnotherMentor, a.UserId, (DateTimeOffset?)Now), (after.Outcome.Feedback, after.Outcome.FeedbackBy, after.Outcome.FeedbackAt)))),

        // The bot's own records (the lifecycle does not ask who; only the bot sends these): where the card is, and the sweep's steps,
        // each only on the request as the sweep read it.
        R(RecordPost, AnyState, Anyone, Stays("card recorded", (_, after, _) =>
            Assert.Equal((Post.ChannelId, Post.MessageTs, Post.Mentioned), (after.Request.ChannelId, after.Request.MessageTs, after.Request.MentionedMentors)))),
        R(BeginStep, Active, Anyone, Stays("step pending", ladder: t => t.FollowUp with { PendingStep = FollowUpStep.Bump, PendingToken = "tok-new", PendingAt = Now })),
        R(CompleteStep, StepPending, Anyone, Stays("step recorded, next action as planned", ladder: _ => StepDone)),
        R(AbandonStep, StepPending, Anyone, Stays("step given up until the retry", ladder: t => t.FollowUp with
        {
            PendingStep = null, PendingToken = null, PendingAt = null, NextActionAt = Now + TimeSpan.FromMinutes(5),
        })),
        R(Plan, AnyState, Anyone, Stays("next action planned", ladder: t => t.FollowUp with { NextActionAt = Now + 6 * Hour })),
        R([BeginStep, BeginStepStale, CompleteStep, CompleteOtherStep, AbandonStep, AbandonOtherStep, PlanStale], AnyState, Anyone, No(Refusal.Stale)),
    ];

    public sealed record Case(State State, Cmd Command, ActorKind Kind)
    {
        public override string ToString() => $"{Command} on a request {State}, by {Kind}";
    }

    private static IEnumerable<Case> AllCases() =>
        from s in AnyState from c in Commands from a in Anyone select new Case(s, c, a);

    private static Row? RuleFor(Case c) => Rules.FirstOrDefault(r => r.Matches(c.State, c.Command, c.Kind));

    /// <summary>Every combination with the row that decides it (null: none does), worked out once for all the rows.</summary>
    private static readonly Lazy<List<(Case Case, Row? Row)>> Decided = new(() => AllCases().Select(c => (c, RuleFor(c))).ToList());

    public static TheoryData<int, string> RuleRows()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Rules.Length; i++) data.Add(i, Rules[i].ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(RuleRows))]
    public void Rule(int index, string rule)
    {
        var row = Rules[index];
        Assert.Equal(rule, row.ToString());
        var decided = Decided.Value.Where(d => d.Row == row).Select(d => d.Case).ToList();
        Assert.True(decided.Count > 0, $"No combination is decided by this row (rows above it take them all): {row}");
        var failures = new List<string>();
        foreach (var c in decided)
        {
            try
            {
                Check(c, row.Outcome);
            }
            catch (Exception e)
            {
                failures.Add($"{c}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {decided.Count} combinations break {row}:\n{string.Join("\n", failures)}");
    }

    private static void Check(Case c, Outcome outcome)
    {
        var t = c.State.Request;
        var actor = ActorOf(c.Kind);
        var command = c.Command.Make(t, actor);
        switch (outcome)
        {
            case Throws:
                Assert.ThrowsAny<ArgumentException>(() => RequestLifecycle.Decide(t, actor, command, Now));
                return;
            case Refused refused:
                var refusal = RequestLifecycle.Decide(t, actor, command, Now, "work-1");
                Assert.True(refusal.Refused == refused.Why && refusal.After is null && !refusal.Applied,
                    $"expected {refused}, got {(refusal.Refused is { } why ? $"refused: {why}" : $"allowed, {refusal.After?.Request.Status}")}");
                Assert.Same(t, refusal.Result);
                return;
            case Becomes becomes:
                var decision = RequestLifecycle.Decide(t, actor, command, Now, "work-1");
                Assert.Null(decision.Refused);
                var after = Assert.IsType<TrackedRequest>(decision.After);
                var expected = becomes.Expect(t, actor);
                Assert.Equal(expected, new Expected(after.Request.Status, after.Request.ClaimedBy, after.Request.ClaimedAt, after.FollowUp));
                Assert.Equal((t.Version + 1, "work-1"), (after.Version, after.LastChange));
                Assert.Equal((t.Reference, t.Request.MenteeSlackId, t.Request.CreatedAt), (after.Reference, after.Request.MenteeSlackId, after.Request.CreatedAt));
                becomes.Also?.Invoke(t, after, actor);

                // The same piece of work, replayed on what it wrote, changes nothing more.
                var replay = RequestLifecycle.Decide(after, actor, c.Command.Make(t, actor), Now + Hour, "work-1");
                Assert.Equal((true, true, (TrackedRequest?)null, (Refusal?)null), (replay.Replayed, replay.Applied, replay.After, replay.Refused));
                Assert.Same(after, replay.Result);
                return;
        }
    }

    // ── Completeness ────────────────────────────────────────────────────────────────────────────────────────────
    [Fact]
    public void EveryCommand_EveryStatus_AndEveryActorKind_HasStates_AndEveryCombinationARule()
    {
        var commandTypes = typeof(RequestCommand).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(RequestCommand)) && !t.IsAbstract).ToHashSet();
        var sample = Open.Request;
        var covered = Commands.Select(c => c.Make(sample, ActorOf(Coordinator)).GetType()).ToHashSet();
        Assert.True(commandTypes.SetEquals(covered),
            "Commands without variants in the table: " + string.Join(", ", commandTypes.Except(covered).Select(t => t.Name)));
        Assert.Equal(22, commandTypes.Count);

        var statuses = AnyState.Select(s => s.Request.Request.Status).ToHashSet();
        Assert.True(Enum.GetValues<RequestStatus>().All(statuses.Contains),
            "Statuses without states in the table: " + string.Join(", ", Enum.GetValues<RequestStatus>().Where(s => !statuses.Contains(s))));
        Assert.Equal(Enum.GetValues<ActorKind>().Length, Anyone.Distinct().Count());
        Assert.Equal(AnyState.Length, AnyState.Select(s => s.Name).Distinct().Count());
        Assert.Equal(Commands.Length, Commands.Select(c => c.Name).Distinct().Count());

        var all = Decided.Value;
        var missing = all.Where(d => d.Row is null).Select(d => d.Case.ToString()).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} combinations have no row:\n" + string.Join("\n", missing.Take(50)));
        Assert.Equal(AnyState.Length * Commands.Length * Anyone.Length, all.Count);
        var unused = Rules.Where(r => !all.Any(d => d.Row == r)).ToList();
        Assert.True(unused.Count == 0, "Rows that decide nothing: " + string.Join("\n", unused));
    }

    // ── Replays ─────────────────────────────────────────────────────────────────────────────────────────────────
    [Fact]
    public void TheSameWork_AppliedTwice_IsReplayed_WhileOtherWork_IsDecidedOnTheNewState()
    {
        var t = Open.Request;
        var first = RequestLifecycle.Decide(t, ActorOf(Claimer), Claim.Make(t, ActorOf(Claimer)), Now, "press-1");
        Assert.Equal(RequestStatus.Claimed, first.After!.Request.Status);

        var again = RequestLifecycle.Decide(first.After, ActorOf(Claimer), Claim.Make(t, ActorOf(Claimer)), Now + Hour, "press-1");
        Assert.Equal((true, true, (TrackedRequest?)null), (again.Replayed, again.Applied, again.After));
        Assert.Equal(first.After, again.Result);

        // Another click (another key, or none) is decided on the state the first one left: already claimed.
        Assert.Equal(Refusal.AlreadyClaimed, RequestLifecycle.Decide(first.After, ActorOf(OtherMentor), Claim.Make(t, ActorOf(OtherMentor)), Now, "press-2").Refused);
        Assert.Equal(Refusal.AlreadyClaimed, RequestLifecycle.Decide(first.After, ActorOf(Claimer), Claim.Make(t, ActorOf(Claimer)), Now).Refused);

        // A change without a key keeps the key of the work that wrote last, so that work's replay is still recognised.
        var planned = RequestLifecycle.Decide(first.After, Actor.Bot, new RequestCommand.Plan(first.After.Version, Now + Day), Now);
        Assert.Equal("press-1", planned.After!.LastChange);
        Assert.True(RequestLifecycle.Decide(planned.After, ActorOf(Claimer), Claim.Make(t, ActorOf(Claimer)), Now, "press-1").Replayed);
    }

    // ── The follow-up ladders, walked through the lifecycle as the sweep walks them ─────────────────────────────
    private static readonly ScheduleOptions Schedule = new();

    /// <summary>Asserts the next due step, then takes it as the sweep does: begin (intent), complete (with the ladder after it).</summary>
    private static TrackedRequest Take(TrackedRequest t, FollowUpStep step, DateTimeOffset at)
    {
        Assert.Equal(new FollowUpLadder.Due(step, at), FollowUpLadder.Next(t, Schedule));
        var after = FollowUpLadder.After(t, step, at, Schedule);
        var begun = RequestLifecycle.Decide(t, Actor.Bot, new RequestCommand.BeginStep(t.Version, step, "tok-" + step), at).After!;
        return RequestLifecycle.Decide(begun, Actor.Bot, new RequestCommand.CompleteStep("tok-" + step, after), at).After!;
    }

    private static TrackedRequest Act(TrackedRequest t, ActorKind who, RequestCommand command, DateTimeOffset at) =>
        RequestLifecycle.Decide(t, ActorOf(who), command, at).After ?? throw new InvalidOperationException($"{command} was refused");

    private static TrackedRequest NewRequest(DateTimeOffset at) =>
        new(Asked with { CreatedAt = at }, FollowUpState.Fresh, RequestOutcome.None);

    [Fact]
    public void OpenLadder_BumpsWidening_ThenCoordinators_ThenEscalation_ThenNothing()
    {
        var t0 = Now;
        var t = NewRequest(t0);
        t = Take(t, FollowUpStep.Bump, t0 + Day);
        t = Take(t, FollowUpStep.Bump, t0 + 3 * Day);
        t = Take(t, FollowUpStep.NotifyCoordinators, t0 + 3 * Day);
        t = Take(t, FollowUpStep.Bump, t0 + 5 * Day);
        t = Take(t, FollowUpStep.Escalate, t0 + 10 * Day);
        Assert.Null(FollowUpLadder.Next(t, Schedule));
        Assert.Null(t.FollowUp.NextActionAt);
        Assert.Equal((3, t0 + 3 * Day, t0 + 10 * Day), (t.FollowUp.BumpCount, t.FollowUp.CoordinatorsNotifiedAt, t.FollowUp.EscalatedAt));
        Assert.Equal(t0 + 10 * Day, t.Outcome.FirstEscalatedAt);
    }

    [Fact]
    public void ClaimedLadder_NudgesTheMentor_RemindsBeforeTheTimeSet_ThenReportsTheClaimStuck()
    {
        var t0 = Now;
        var t = Act(NewRequest(t0 - Day), Claimer, new RequestCommand.Claim(LoadOf(ClaimerId)), t0);
        Assert.Equal(DateTimeOffset.UnixEpoch, t.FollowUp.NextActionAt);
        t = Take(t, FollowUpStep.NudgeMentor, t0 + 7 * Day);
        t = Act(t, Mentee, new RequestCommand.SetTime(t0 + 9 * Day), t0 + 8 * Day);
        t = Take(t, FollowUpStep.RemindSession, t0 + 9 * Day - Hour);
        Assert.Equal(t0 + 9 * Day - Hour, t.Session.ReminderSentAt);
        t = Take(t, FollowUpStep.ReportStuck, t0 + 14 * Day);
        Assert.Null(FollowUpLadder.Next(t, Schedule));

        // Marked done: the ladder stops for good.
        t = Act(t, Claimer, new RequestCommand.CompleteSession(), t0 + 15 * Day);
        Assert.Null(t.FollowUp.NextActionAt);
        Assert.Null(FollowUpLadder.Next(t, Schedule));
    }

    [Fact]
    public void ReleasedLadder_StartsAgainFromTheRelease_AndAReassignment_NudgesTheNewMentorAfresh()
    {
        var t0 = Now;
        var t = Take(NewRequest(t0), FollowUpStep.Bump, t0 + Day);
        t = Act(t, Claimer, new RequestCommand.Claim(LoadOf(ClaimerId)), t0 + 2 * Day);
        t = Take(t, FollowUpStep.NudgeMentor, t0 + 9 * Day);
        t = Act(t, Coordinator, new RequestCommand.Assign(OtherId, LoadOf(OtherId), ClaimerId), t0 + 10 * Day);
        t = Take(t, FollowUpStep.NudgeMentor, t0 + 17 * Day);
        t = Act(t, OtherMentor, new RequestCommand.Release(), t0 + 18 * Day);
        t = Take(t, FollowUpStep.Bump, t0 + 19 * Day);
        t = Take(t, FollowUpStep.Bump, t0 + 21 * Day);
        t = Take(t, FollowUpStep.NotifyCoordinators, t0 + 21 * Day);
    }

    [Fact]
    public void HeldLadder_WaitsForTheHold_ThenStartsAgainFromItsEnd()
    {
        var t0 = Now;
        var t = Take(NewRequest(t0), FollowUpStep.Bump, t0 + Day);
        t = Act(t, Coordinator, new RequestCommand.Hold(t0 + 6 * Day), t0 + 2 * Day);
        Assert.Equal(t0 + 6 * Day, t.FollowUp.NextActionAt);
        t = Take(t, FollowUpStep.Resume, t0 + 6 * Day);
        Assert.Null(t.Session.OnHoldUntil);
        Assert.Equal(t0 + 6 * Day, t.Session.ResumedAt);
        t = Take(t, FollowUpStep.Bump, t0 + 7 * Day);
        t = Take(t, FollowUpStep.Bump, t0 + 9 * Day);
        t = Take(t, FollowUpStep.NotifyCoordinators, t0 + 9 * Day);
    }

    [Fact]
    public void ReopenedLadder_CountsFromTheReopen_NotFromTheRequest()
    {
        var asked = Now - 20 * Day;
        var t = Act(NewRequest(asked), Coordinator, new RequestCommand.Close("asked twice"), asked + Hour);
        Assert.Null(FollowUpLadder.Next(t, Schedule));

        t = Act(t, Coordinator, new RequestCommand.Reopen(), Now);

        Assert.Equal(DateTimeOffset.UnixEpoch, t.FollowUp.NextActionAt);
        t = Take(t, FollowUpStep.Bump, Now + Day);
        t = Take(t, FollowUpStep.Bump, Now + 3 * Day);
        t = Take(t, FollowUpStep.NotifyCoordinators, Now + 3 * Day);
        t = Take(t, FollowUpStep.Bump, Now + 5 * Day);
        Take(t, FollowUpStep.Escalate, Now + 10 * Day);
    }
}
