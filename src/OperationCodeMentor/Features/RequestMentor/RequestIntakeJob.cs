using System.Text.Json;
using System.Text.Json.Nodes;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Features.RequestMentor;

/// <summary>
/// A mentee's submitted request, kept in the durable queue from the moment the modal closes until it is stored,
/// posted and confirmed.
/// </summary>
public sealed class RequestIntakeJob(RequestIntake intake) : IPendingJobHandler
{
    public const string KindName = "submit-request";

    public string Kind => KindName;

    /// <summary>One key per modal: Slack sends the same view again on a double submission or a redelivery.</summary>
    public static string KeyFor(string viewId) => "request-view:" + viewId;

    public static JsonObject Payload(NewMentorRequest r) => (JsonObject)JsonSerializer.SerializeToNode(r with { SubmissionKey = null })!;

    public static NewMentorRequest Read(PendingJob job) =>
        (job.Payload.Deserialize<NewMentorRequest>() ?? throw new PermanentJobFailure($"Job {job.Key} holds no request."))
        with { SubmissionKey = job.Key };

    public Task RunAsync(PendingJob job, Func<CancellationToken, Task> saveProgress, CancellationToken ct) =>
        intake.CompleteAsync(job, saveProgress, ct);

    /// <summary>Where a job keeps the reference number it reserved before posting the request's card.</summary>
    public const string NumberProgress = "number";

    /// <summary>
    /// The numbers submissions still in the queue reserved. Resolved when asked rather than at construction: the
    /// queue's handlers need the store, which asks this.
    /// </summary>
    public sealed class Reservations(IServiceProvider services) : IReservedRequestNumbers
    {
        public long? Highest() => services.GetRequiredService<PendingWorkQueue>().HighestPendingProgress(KindName, NumberProgress);
    }
}
