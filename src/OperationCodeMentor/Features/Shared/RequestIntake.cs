using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Scheduling;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.Shared;

/// <summary>A request on its way in: a mentee's submitted form, or a re-pair after a session.</summary>
public sealed record IntakeRequest(
    string MenteeSlackId,
    string? MenteeName,
    string Service,
    IReadOnlyList<string> Skills,
    string Details,
    string Affiliation,
    DateTimeOffset CreatedAt)
{
    /// <summary>For a mentee who asked for another mentor after a session: the request this one follows.</summary>
    public string? FollowUpOf { get; init; }

    /// <summary>The mentor of that session, who is not mentioned this time.</summary>
    public string? EarlierMentor { get; init; }

    /// <summary>Where the mentee asked for another mentor, to answer them there.</summary>
    public string? AnswerChannel { get; init; }

    /// <summary>The enrolled mentor the mentee asked for by name: offered the request first, by DM, before the channel.</summary>
    public string? PreferredMentor { get; init; }
}

/// <summary>How far a request has come in: each stage is on disk before the next side effect.</summary>
public enum IntakeStage
{
    Received,

    /// <summary>It has its reference.</summary>
    Numbered,

    /// <summary>Its card is in the channel (or, for a named mentor, the offer is in their DM), or Slack could not take it (it is then stored without one).</summary>
    Posted,

    /// <summary>Its card went out and the mentee has been told; what is left is storing it, the intake's last write.</summary>
    Told,

    /// <summary>It is in the store, with its card when it has one.</summary>
    Stored,

    /// <summary>The mentee has been told.</summary>
    Confirmed,
}

/// <summary>What the intake does next.</summary>
public enum IntakeStep
{
    Reserve,
    PostCard,
    Store,
    PostCardLate,

    /// <summary>A request for a named mentor: DM them the offer instead of posting the card.</summary>
    Offer,
    Confirm,
    Done,
}

/// <summary>The typed progress of a request's intake.</summary>
/// <param name="PostRefused">Slack refused the channel for good (the bot is not in it): the follow-up sweep posts the request in full instead.</param>
/// <param name="OfferTo">The mentor the request is offered to first (set when it is numbered; cleared when Slack refuses to DM them, and it goes to the channel instead).</param>
/// <param name="StoreLast">
/// Storing the request is to be the intake's last write, which finishes its work too (set when it is numbered, where the
/// store writes the work's progress with its changes: <see cref="ProgressRide"/>).
/// </param>
public sealed record IntakeProgress(
    IntakeStage Stage = IntakeStage.Received,
    long? Number = null,
    RequestPost? Post = null,
    bool PostRefused = false,
    bool DelayNoticed = false,
    string? OfferTo = null,
    bool StoreLast = false)
{
    /// <summary>What went to Slack (<see cref="Outbox"/>): a replay reads back before posting the card or the confirmation again.</summary>
    public Dictionary<string, string?> Sent { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The next step, from the progress alone; the same progress always gives the same step. A request is stored before its
    /// mentee is told, except where the store is the work queue's own database (<see cref="StoreLast"/>): there, once its
    /// card is out, the mentee is told first and storing it is the intake's last write, which finishes the work in the
    /// same round trip (<see cref="ProgressRide.Finishes"/>); that database handed out the request's number a moment
    /// before. A request whose card Slack could not take is stored first anywhere, so coordinators see it while Slack is failing.
    /// </summary>
    public static IntakeStep Next(IntakeProgress p) => p.Stage switch
    {
        IntakeStage.Received => IntakeStep.Reserve,
        IntakeStage.Numbered when p.OfferTo is not null => IntakeStep.Offer,
        IntakeStage.Numbered => IntakeStep.PostCard,
        IntakeStage.Posted when p.StoreLast && !CardFailed(p) => IntakeStep.Confirm,
        IntakeStage.Posted => IntakeStep.Store,
        IntakeStage.Told => IntakeStep.Store,
        // Stored while Slack was failing: post its card now, once (an offered request reaches the channel only when the offer ends).
        IntakeStage.Stored when CardFailed(p) => IntakeStep.PostCardLate,
        IntakeStage.Stored => IntakeStep.Confirm,
        _ => IntakeStep.Done,
    };

    /// <summary>Slack was failing when the card was to go out (it neither took it nor refused it; no offer went instead).</summary>
    private static bool CardFailed(IntakeProgress p) => p.Post is null && !p.PostRefused && p.OfferTo is null;

    /// <summary>Progress recorded by the version that kept a bag of flags, so a request acknowledged before an upgrade still comes in.</summary>
    internal static IntakeProgress FromFlags(JsonObject old)
    {
        var p = new IntakeProgress(IntakeStage.Received, DelayNoticed: old["delayNoticed"] is not null);
        if (old["number"]?.GetValue<long>() is { } n) p = p with { Stage = IntakeStage.Numbered, Number = n };
        if (old["posting"] is not null) p.Sent["card"] = null;
        // It may be stored: storing again by its submission key finds it instead of adding a second one.
        if (old["creating"] is not null || old["requestId"] is not null) p = p with { Stage = IntakeStage.Posted };
        if (old["confirmed"] is not null) p = p with { Stage = IntakeStage.Confirmed };
        return p;
    }
}

/// <summary>
/// Takes an acknowledged request the rest of the way, as durable work in the intake's one lane, so requests are numbered,
/// posted and confirmed in the order they came: number it, post its card, tell the mentee, and store it together with
/// where the card is (one write, the last, which on PostgreSQL also finishes the work). Posting before storing makes the
/// request one write to the store, not two; if Slack is failing, the request is stored at once without a card, so
/// coordinators see it, and the card and the confirmation follow when Slack recovers. Only the intake hands out numbers,
/// one request at a time, which is what lets a store that numbers in memory (Airtable) never hand out one twice.
/// </summary>
public sealed partial class RequestIntake(
    IMentorshipStore store,
    RequestChanges changes,
    CardPoster poster,
    People people,
    ClaimWaits waits,
    Microsoft.Extensions.Options.IOptionsMonitor<Scheduling.ScheduleOptions> schedule,
    SlackApiClient slack,
    TimeProvider clock,
    ILogger<RequestIntake> log) : IJobHandler
{
    public const string KindName = "submit-request";

    /// <summary>Every request comes in through one lane.</summary>
    public const string Lane = "intake";

    /// <summary>How long a request may be held up before its mentee hears it is safe and only delayed.</summary>
    internal static readonly TimeSpan DelayNoticeAfter = TimeSpan.FromMinutes(1);

    public string Kind => KindName;

    /// <summary>One key per modal: Slack sends the same view again on a double submission or a redelivery.</summary>
    public static string KeyFor(string viewId) => "request-view:" + viewId;

    /// <summary>The work for a submitted form.</summary>
    public static DurableWork Submission(string viewId, IntakeRequest request, string origin) =>
        DurableWork.Of(KindName, KeyFor(viewId), Lane, request, request.MenteeSlackId, origin);

    /// <summary>The work for a re-pair: one per request it follows, however often the mentee answers.</summary>
    public static DurableWork RePair(IntakeRequest request, string origin) =>
        DurableWork.Of(KindName, "follow-up-of:" + request.FollowUpOf, Lane, request, request.MenteeSlackId, origin);

    public async Task RunAsync(JobContext job, CancellationToken ct)
    {
        var request = job.Payload<IntakeRequest>();
        var progress = job.Job.Progress.Count > 0 && job.Job.Progress["stage"] is null
            ? IntakeProgress.FromFlags(job.Job.Progress)
            : job.Progress(new IntakeProgress());
        var outbox = new Outbox(slack, job.Job, progress.Sent, c => job.SaveAsync(progress, c));
        async Task Save(IntakeProgress next)
        {
            progress = next;
            await job.SaveAsync(progress, ct).ConfigureAwait(false);
        }
        // A step whose repetition is harmless is noted, not written: it reaches disk with the next write, which comes
        // before anything anyone could see (each message's intent is written before it is sent). A crash in between
        // repeats only that step: a number handed out again leaves a gap, a card posted is found again by its intent, and
        // the store takes the same request once. Where the store can carry the progress (ProgressRide), the number with the
        // intents of the card and the confirmation is one statement, and the request with the work's finish another: a
        // submission's only writes after its acknowledgement. When the work's own write leased the intake here, or wrote it
        // behind a numbered one, that write took the number step too (FirstStepOf), and storing the request is the only
        // write left.
        void Keep(IntakeProgress next) => progress = next;
        void IntendConfirmation()
        {
            if (Confirmed(request)) outbox.Intend(ConfirmationIntent);
        }
        // Numbered with its own write (NumberWithTheWrite), and nobody has tried the work since: the intents in the progress
        // went to disk with the work, so nothing has been sent under them yet.
        if (job.Untried) outbox.IntendedWithTheWork();
        // The mentors' loads, when read with the number by this replica a moment ago: the card's mentions need no read of their own.
        IReadOnlyList<MentorLoad>? loads = null;
        if (job.TakeFirstStep<NumberingStep>() is { Number: { } first } numbering && progress.Number == first) loads = numbering.Loads;
        await NoticeDelayAsync(job, request, progress, p => Save(p), ct).ConfigureAwait(false);

        TrackedRequest? stored = null;
        for (var step = IntakeProgress.Next(progress); step != IntakeStep.Done; step = IntakeProgress.Next(progress))
        {
            using var scope = progress.Number is { } n ? log.BeginRequestScope(RequestReference.Format(n)) : null;
            switch (step)
            {
                case IntakeStep.Reserve:
                    var numbered = Numbered(progress, request, storeLast: job.WritesWithStore);
                    // The card (or the offer) is intended now, so that its intent reaches disk with the number: where the
                    // store can, the number is written into the progress in the statement that hands it out (ProgressRide),
                    // and the mentee's confirmation, which goes out before the request is stored, is intended with it.
                    // Elsewhere the intent is written just before the card goes, with the number.
                    foreach (var intent in IntentsWithTheNumber(request, numbered)) outbox.Intend(intent);
                    using (var ride = job.Ride(numbered, answerAt: nameof(IntakeProgress.Number)))
                    {
                        long number;
                        if (numbered.OfferTo is null) (number, loads) = await store.ReserveRequestNumberWithLoadsAsync(ct).ConfigureAwait(false);
                        else number = await store.ReserveRequestNumberAsync(ct).ConfigureAwait(false);
                        Keep(numbered with { Number = number });
                    }
                    break;

                case IntakeStep.Offer:
                    var offered = New(request, progress, job.Job.Key).AsOpen();
                    try
                    {
                        var (text, blocks) = NamedMentorOffer.Message(offered, progress.OfferTo!, schedule.CurrentValue.NamedMentorWait);
                        await outbox.DmAsync("offer", progress.OfferTo!, text, blocks, ct).ConfigureAwait(false);
                        Keep(progress with { Stage = IntakeStage.Posted });
                    }
                    catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
                    {
                        // The mentor cannot be messaged (deactivated, say): the request goes to the channel as usual.
                        LogOfferRefused(log, offered.Reference, e.Error);
                        Keep(progress with { OfferTo = null });
                    }
                    break;

                case IntakeStep.PostCard:
                    var draft = New(request, progress, job.Job.Key).AsOpen();
                    try
                    {
                        var mentioned = loads is null
                            ? await poster.MentionsAsync(draft, Exclude(request), ct).ConfigureAwait(false)
                            : poster.Mentions(draft, Exclude(request), loads);
                        var post = await poster.PostAsync(outbox, draft, mentioned, Note(request), ct).ConfigureAwait(false);
                        Keep(progress with { Stage = IntakeStage.Posted, Post = post });
                    }
                    catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
                    {
                        // Slack said no about this channel (not_in_channel, channel_not_found): retrying now would hold up
                        // every request behind this one. The request is stored, and the follow-up sweep posts it in full.
                        LogPostRefused(log, draft.Reference, e.Error, SlackErrors.Advice(e.Error));
                        Keep(progress with { Stage = IntakeStage.Posted, PostRefused = true });
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        // Slack is failing: store the request anyway, so coordinators see it; its card follows when Slack recovers.
                        LogPostFailed(log, draft.Reference, e.Message);
                        Keep(progress with { Stage = IntakeStage.Posted });
                    }
                    break;

                case IntakeStep.Store:
                    // The mentee's confirmation, when it follows, is intended now, so that its intent reaches disk with the
                    // request. Told already, storing it is the last write, and it finishes the work too.
                    IntendConfirmation();
                    var storedStage = progress.Stage == IntakeStage.Told ? IntakeStage.Confirmed : IntakeStage.Stored;
                    var last = IntakeProgress.Next(progress with { Stage = storedStage }) == IntakeStep.Done;
                    using (var ride = job.Ride(progress with { Stage = storedStage }, finishes: last))
                    {
                        stored = await store.CreateRequestAsync(New(request, progress, job.Job.Key), ct).ConfigureAwait(false);
                        // Written with the request, or (another store, or stored by an earlier attempt that got further, whose
                        // record of the card counts) written now.
                        if (ride.Taken) Keep(progress with { Stage = storedStage });
                        else await Save(progress with { Stage = storedStage, Post = progress.Post ?? PostOf(stored.Request) }).ConfigureAwait(false);
                    }
                    break;

                case IntakeStep.PostCardLate:
                    stored ??= await store.GetRequestAsync(RequestReference.Format(progress.Number!.Value), ct).ConfigureAwait(false)
                        ?? throw new PermanentJobFailure($"Request {RequestReference.Format(progress.Number!.Value)} of {job.Job.Key} is no longer in the store.");
                    try
                    {
                        var mentioned = await poster.MentionsAsync(stored.Request, Exclude(request), ct).ConfigureAwait(false);
                        var late = await poster.PostAsync(outbox, stored.Request, mentioned, Note(request), ct).ConfigureAwait(false);
                        await changes.ApplyAsync(stored.Reference, Actor.Bot, new RequestCommand.RecordPost(late), changeKey: null, ct).ConfigureAwait(false);
                        await Save(progress with { Post = late }).ConfigureAwait(false);
                    }
                    catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
                    {
                        LogPostRefused(log, stored.Reference, e.Error, SlackErrors.Advice(e.Error));
                        await Save(progress with { PostRefused = true }).ConfigureAwait(false);
                    }
                    break;

                case IntakeStep.Confirm:
                    await ConfirmAsync(outbox, request, RequestReference.Format(progress.Number!.Value), progress.OfferTo, ct).ConfigureAwait(false);
                    // Before it is stored, or (stored while Slack was failing) the last step, which the job's finish follows;
                    // either way a replay finds the messages through their intents.
                    Keep(progress with { Stage = progress.Stage == IntakeStage.Posted ? IntakeStage.Told : IntakeStage.Confirmed });
                    break;
            }
        }
    }

    private const string ConfirmationIntent = "confirm";

    /// <summary>Whether the mentee's confirmation can be read back: a re-pair answered where they asked is an ephemeral reply, which cannot.</summary>
    private static bool Confirmed(IntakeRequest r) => r.FollowUpOf is null || r.AnswerChannel is null;

    /// <summary>What the progress says once the request has its number (the number itself aside).</summary>
    private static IntakeProgress Numbered(IntakeProgress before, IntakeRequest r, bool storeLast) =>
        before with { Stage = IntakeStage.Numbered, OfferTo = r.PreferredMentor, StoreLast = storeLast };

    /// <summary>The messages intended as the request is numbered: its card or its offer, and, where storing it is last, the confirmation.</summary>
    private static IEnumerable<string> IntentsWithTheNumber(IntakeRequest r, IntakeProgress numbered)
    {
        yield return numbered.OfferTo is null ? "card" : "offer";
        if (numbered.StoreLast && Confirmed(r)) yield return ConfirmationIntent;
    }

    /// <summary>
    /// Where the queue shares the store's database, the request is numbered with the work's own write when that write leases
    /// the intake's lane here, or writes the work behind a numbered one (in a lane no matter whose): the progress the number
    /// step would write, intents and all, and the mentors' loads for the card. Storing the request is then its last write,
    /// as it is wherever the store carries progress.
    /// </summary>
    public FirstStep? FirstStepOf(DurableWork work)
    {
        var request = work.Payload.Deserialize<IntakeRequest>(JobJson.Options);
        if (request is null) return null;
        var numbered = Numbered(new IntakeProgress(), request, storeLast: true);
        foreach (var intent in IntentsWithTheNumber(request, numbered)) numbered.Sent[intent] = null;
        return store.NumberWithTheWrite((JsonObject)JsonSerializer.SerializeToNode(numbered, JobJson.Options)!,
            JobJson.Name(nameof(IntakeProgress.Number)), withLoads: request.PreferredMentor is null);
    }

    private static NewMentorRequest New(IntakeRequest r, IntakeProgress p, string submissionKey) =>
        new(p.Number!.Value, r.MenteeSlackId, r.MenteeName, r.Service, r.Skills, r.Details, r.Affiliation, r.CreatedAt, submissionKey)
        {
            Post = p.Post,
            FollowUpOf = r.FollowUpOf,
            PreferredMentor = p.OfferTo,
        };

    private static RequestPost? PostOf(MentorRequest r) => r.ChannelId is { } c && r.MessageTs is { } ts ? new RequestPost(c, ts, r.MentionedMentors) : null;

    private static HashSet<string>? Exclude(IntakeRequest r) => r.EarlierMentor is { } m ? new HashSet<string>(StringComparer.Ordinal) { m } : null;

    // The earlier mentor is not named here: a mention would ping the one person this post is not for.
    private static string? Note(IntakeRequest r) => r.FollowUpOf is { } earlier
        ? $":leftwards_arrow_with_hook: Follow-up of {earlier}: after that session the mentee would like another mentor."
        : null;

    /// <summary>The mentee hears it arrived and what happens next; for a re-pair, the coordinators hear of it too.</summary>
    private async Task ConfirmAsync(Outbox outbox, IntakeRequest r, string reference, string? offeredTo, CancellationToken ct)
    {
        try
        {
            // How long requests like this one have waited, from history read at most every few minutes.
            var wait = outbox.HasSent(ConfirmationIntent) ? null : await waits.SentenceAsync(r.Skills, ct).ConfigureAwait(false);
            if (r.FollowUpOf is not { } earlier)
            {
                var received = offeredTo is null ? Received(r, reference, wait) : ReceivedForNamed(r, reference, offeredTo);
                await outbox.DmAsync(ConfirmationIntent, r.MenteeSlackId, received,
                    BlockKit.Blocks([BlockKit.Section(received, "received-" + reference), BlockKit.Actions("request_actions", RequestButtons.CancelButton(reference))]),
                    ct).ConfigureAwait(false);
                return;
            }
            await outbox.TellAsync(ConfirmationIntent, r.AnswerChannel, r.MenteeSlackId,
                $"Thanks for telling us. I've opened *{reference}* with the same details and shared it with other mentors; I'll DM you when one of them takes it." +
                (wait is null ? "" : " " + wait),
                ct).ConfigureAwait(false);
            foreach (var coordinator in people.Coordinators)
            {
                await outbox.DmAsync("coordinator-" + coordinator, coordinator,
                    $":leftwards_arrow_with_hook: {Mrkdwn.User(r.MenteeSlackId)} would like another mentor after {earlier}" +
                    (r.EarlierMentor is null ? "" : $" (with {Mrkdwn.User(r.EarlierMentor)})") +
                    $". I've reopened it as {reference} in the mentors channel.", ct: ct).ConfigureAwait(false);
            }
        }
        catch (SlackApiException e) when (e.IsRefusal && !e.IsAuthProblem)
        {
            // This person cannot be messaged; the request itself is stored and posted.
            LogConfirmRefused(log, reference, e.Error);
        }
    }

    /// <summary>
    /// When the store or Slack keeps failing, tell the mentee once that their request is safe and only delayed:
    /// a best effort, since Slack may be the thing that is down.
    /// </summary>
    private async Task NoticeDelayAsync(JobContext job, IntakeRequest r, IntakeProgress progress, Func<IntakeProgress, Task> save, CancellationToken ct)
    {
        if (job.Job.Attempts == 0 || clock.GetUtcNow() - job.Job.CreatedAt < DelayNoticeAfter || progress.DelayNoticed || progress.Stage is IntakeStage.Told or IntakeStage.Confirmed) return;
        try
        {
            await slack.SendDmAsync(r.MenteeSlackId,
                ":hourglass_flowing_sand: We have your mentor request, but a technical problem on our side is holding it up. " +
                "There's nothing you need to do: it will reach our mentors as soon as the problem clears, and I'll confirm it here.", ct: ct).ConfigureAwait(false);
            await save(progress with { DelayNoticed = true }).ConfigureAwait(false);
        }
        catch (SlackApiException e)
        {
            LogDelayNoticeFailed(log, e.Error);
        }
    }

    private static string Received(IntakeRequest r, string reference, string? wait) =>
        $":white_check_mark: Thanks! We received your mentor request *{reference}* ({Mrkdwn.Escape(r.Service)}: {Mrkdwn.Escape(string.Join(", ", r.Skills))}).\n\n" +
        "*What happens next:* we've shared it with mentors who have those skills. When one of them claims it, I'll DM you their name, " +
        "and they'll reach out to set up a 30-minute session (a Slack chat, a call, or screen sharing). " +
        "A mentor coordinator keeps an eye on every request until it's paired." +
        (wait is null ? "" : "\n\n:stopwatch: " + wait);

    private string ReceivedForNamed(IntakeRequest r, string reference, string mentor) =>
        $":white_check_mark: Thanks! We received your mentor request *{reference}* ({Mrkdwn.Escape(r.Service)}: {Mrkdwn.Escape(string.Join(", ", r.Skills))}).\n\n" +
        $"*What happens next:* I've offered it first to {Mrkdwn.User(mentor)}, as you asked. If they claim it, I'll DM you and they'll reach out to set up " +
        $"a 30-minute session. If they can't take it, or haven't claimed it within {FollowUpLadder.Describe(schedule.CurrentValue.NamedMentorWait)}, " +
        "I'll share it with all our mentors who have those skills and let you know.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack refused to DM the mentor {Reference} was offered to ({Error}); posting it to the mentors channel instead")]
    private static partial void LogOfferRefused(ILogger log, string reference, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack refused to post {Reference} to the mentors channel ({Error}); it is stored and the follow-up sweep will post it. {Advice}")]
    private static partial void LogPostRefused(ILogger log, string reference, string error, string advice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not post {Reference} to the mentors channel yet ({Error}); storing it now, its card follows when Slack answers")]
    private static partial void LogPostFailed(ILogger log, string reference, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack refused the confirmation for {Reference} ({Error}); the request is stored and posted")]
    private static partial void LogConfirmRefused(ILogger log, string reference, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell a mentee their request is delayed: {Error}")]
    private static partial void LogDelayNoticeFailed(ILogger log, string error);
}
