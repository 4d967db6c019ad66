using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.FollowUp;

/// <summary>
/// The mentee's answer to "How did it go?". "It helped" is stored for the statistics; "I'd like another mentor"
/// reopens the request as a new one linked to the first, posted without the earlier mentor, and the coordinators
/// are told (seed step 11). Registered once per answer.
/// </summary>
public sealed class FeedbackAction(
    SessionFeedback answer,
    IMentorshipStore store,
    RequestIntake intake,
    SlackApiClient slack,
    FollowUpAccess access,
    BackgroundWork work,
    TimeProvider clock) : RequestButton(store, slack, work)
{
    public const string HelpedActionId = "feedback_helped";
    public const string AnotherMentorActionId = "feedback_another_mentor";

    public override string ActionId => answer == SessionFeedback.Helped ? HelpedActionId : AnotherMentorActionId;

    protected override async Task PressedAsync(MentorRequest request, string user, string? channel, CancellationToken ct)
    {
        if (request.MenteeSlackId != user && !access.IsCoordinator(user))
        {
            await access.RefuseAsync(channel, user, $"Only {Mrkdwn.User(request.MenteeSlackId)}, who had the session, or a mentor coordinator can answer for {request.Reference}. Nothing was changed.", ct).ConfigureAwait(false);
            return;
        }

        var outcome = await Store.TryRecordFeedbackAsync(request.Id, answer, user, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (outcome.Result != TransitionResult.Done)
        {
            var already = outcome.Request?.Outcome.Feedback;
            await Slack.TellAsync(channel, user, already is null
                ? $"{request.Reference}'s session hasn't been marked done, so there's nothing to answer yet."
                : $"Thanks, we already have your answer for {request.Reference} ({(already == SessionFeedback.Helped ? "it helped" : "you asked for another mentor")}). " +
                  "If something has changed, message a mentor coordinator.", ct).ConfigureAwait(false);
            return;
        }

        if (answer == SessionFeedback.Helped)
        {
            await Slack.TellAsync(channel, user, ":raised_hands: Wonderful, thank you for telling us! Good luck with what's next, and type `/mentor` whenever you'd like another session.", ct).ConfigureAwait(false);
            return;
        }

        var earlier = outcome.Request!.Request;
        var followUp = outcome.FollowUpRequest!;
        var earlierMentor = earlier.ClaimedBy;
        var exclude = earlierMentor is null ? null : new HashSet<string>(StringComparer.Ordinal) { earlierMentor };
        await intake.PostAsync(followUp, exclude, ct,
            // The earlier mentor is not named here: a mention would ping the one person this post is not for.
            note: $":leftwards_arrow_with_hook: Follow-up of {earlier.Reference}: after that session the mentee would like another mentor.").ConfigureAwait(false);
        await Slack.TellAsync(channel, user, $"Thanks for telling us. I've opened *{followUp.Reference}* with the same details and shared it with other mentors; " +
            "I'll DM you when one of them takes it.", ct).ConfigureAwait(false);
        foreach (var coordinator in access.Coordinators)
        {
            await Slack.SendDmAsync(coordinator,
                $":leftwards_arrow_with_hook: {Mrkdwn.User(earlier.MenteeSlackId)} would like another mentor after {earlier.Reference}" +
                (earlierMentor is null ? "" : $" (with {Mrkdwn.User(earlierMentor)})") +
                $". I've reopened it as {followUp.Reference} in the mentors channel.", ct: ct).ConfigureAwait(false);
        }
    }
}
