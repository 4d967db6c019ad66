using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Scheduling;

/// <summary>
/// What each follow-up step says, and to whom. The sweep decides when a step is due and sends it once; the words and
/// buttons belong to the features, which implement this.
/// </summary>
public interface IFollowUpMessages
{
    Task<IReadOnlyList<StepMessage>> BuildAsync(TrackedRequest tracked, FollowUpStep step, DateTimeOffset now, CancellationToken ct);
}
