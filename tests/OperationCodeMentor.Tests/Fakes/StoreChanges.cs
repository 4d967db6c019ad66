using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// Changes to a request made straight through a store, decided by the real lifecycle, for setting up a history (the
/// features make the same changes through Slack).
/// </summary>
public static class StoreChanges
{
    /// <summary>A mentor as a claim sees them when the test has not enrolled them: room for plenty of mentees.</summary>
    public static MentorLoad Available(string mentor) =>
        new(new Mentor(mentor, mentor, null, [], null, 100, null, true, false, null, DateTimeOffset.UnixEpoch), 0);

    public static Actor Coordinator(string user) => new(user, IsCoordinator: true);

    /// <summary>The change as the bot makes it (<see cref="RequestChanges"/>), at <paramref name="at"/>.</summary>
    public static Task<Decision?> ApplyAsync(this IMentorshipStore store, string reference, Actor actor, RequestCommand command, DateTimeOffset at, string? key = null) =>
        new RequestChanges(store, new ManualTimeProvider(at))
            .ApplyAsync(reference, actor, command, key, CancellationToken.None);

    public static Task<Decision?> TryClaimAsync(this IMentorshipStore store, string reference, string mentor, DateTimeOffset at) =>
        store.ApplyAsync(reference, new Actor(mentor), new RequestCommand.Claim(Available(mentor)), at);

    /// <summary>A release by the claimer, or (when <paramref name="by"/> is someone else) by a coordinator.</summary>
    public static Task<Decision?> TryReleaseAsync(this IMentorshipStore store, string reference, string claimer, string by, DateTimeOffset at) =>
        store.ApplyAsync(reference, new Actor(by, IsCoordinator: by != claimer), new RequestCommand.Release(), at);

    public static Task<Decision?> TryAssignAsync(this IMentorshipStore store, string reference, string mentor, string by, string? expectedClaimer, DateTimeOffset at) =>
        store.ApplyAsync(reference, Coordinator(by), new RequestCommand.Assign(mentor, Available(mentor), expectedClaimer), at);

    public static Task<Decision?> TryCloseAsync(this IMentorshipStore store, string reference, string by, string? reason, DateTimeOffset at) =>
        store.ApplyAsync(reference, Coordinator(by), new RequestCommand.Close(reason), at);

    /// <summary>The mentee withdraws their own request.</summary>
    public static Task<Decision?> TryCancelAsync(this IMentorshipStore store, string reference, string mentee, DateTimeOffset at) =>
        store.ApplyAsync(reference, new Actor(mentee), new RequestCommand.Cancel(), at);

    public static Task<Decision?> TryReopenAsync(this IMentorshipStore store, string reference, string by, DateTimeOffset at) =>
        store.ApplyAsync(reference, Coordinator(by), new RequestCommand.Reopen(), at);

    /// <summary>Session done, by the claimer or (when <paramref name="by"/> is someone else) a coordinator.</summary>
    public static Task<Decision?> TryCompleteSessionAsync(this IMentorshipStore store, string reference, string claimer, string by, DateTimeOffset at) =>
        store.ApplyAsync(reference, new Actor(by, IsCoordinator: by != claimer), new RequestCommand.CompleteSession(), at);

    /// <summary>The mentee's answer; "another mentor" also brings in the request that follows, as the intake would.</summary>
    public static async Task<(Decision? Decision, MentorRequest? FollowUpRequest)> TryRecordFeedbackAsync(this IMentorshipStore store, string reference,
        SessionFeedback answer, string by, DateTimeOffset at)
    {
        var decision = await store.ApplyAsync(reference, new Actor(by), new RequestCommand.Answer(answer), at);
        if (decision?.After is not { } after || answer != SessionFeedback.AnotherMentor) return (decision, null);
        var r = after.Request;
        var number = await store.ReserveRequestNumberAsync();
        var followUp = await store.CreateRequestAsync(new NewMentorRequest(number, r.MenteeSlackId, r.MenteeName, r.Service, r.Skills, r.Details, r.Affiliation, at,
            "follow-up-of:" + r.Reference) { FollowUpOf = r.Reference });
        return (decision, followUp.Request);
    }

    public static async Task<bool> TryBeginStepAsync(this IMentorshipStore store, string reference, long version, FollowUpStep step, string token, DateTimeOffset at) =>
        (await store.ApplyAsync(reference, Actor.Bot, new RequestCommand.BeginStep(version, step, token), at))?.Applied == true;

    public static async Task<bool> TryCompleteStepAsync(this IMentorshipStore store, string reference, string token, FollowUpState after, DateTimeOffset at) =>
        (await store.ApplyAsync(reference, Actor.Bot, new RequestCommand.CompleteStep(token, after), at))?.Applied == true;

    public static async Task<bool> TryAbandonStepAsync(this IMentorshipStore store, string reference, string token, DateTimeOffset retryAt) =>
        (await store.ApplyAsync(reference, Actor.Bot, new RequestCommand.AbandonStep(token, retryAt), retryAt))?.Applied == true;
}
