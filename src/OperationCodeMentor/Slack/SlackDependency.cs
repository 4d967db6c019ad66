using OperationCodeMentor.Reliability;

namespace OperationCodeMentor.Slack;

/// <summary>Slack, as queued work depends on it: down when it cannot be reached, answers 5xx or 429, or refuses the token.</summary>
public sealed class SlackDependency(SlackReachability reachability) : IDependency
{
    public string Name => Dependencies.Slack;

    public bool Explains(Exception failure) =>
        failure is SlackApiException e && (!e.IsRefusal || e.IsAuthProblem);

    public async Task ProbeAsync(CancellationToken ct)
    {
        var state = await reachability.CheckAsync(ct, fresh: true).ConfigureAwait(false);
        if (!state.Reachable) throw new SlackApiException("auth.test", state.Error ?? "unreachable");
    }
}

/// <summary>A job's log entries say whose action it was and which request it concerns, even after a restart.</summary>
public sealed class SlackJobScopes : IJobScopes
{
    public IDisposable? Begin(ILogger log, Job job)
    {
        var user = job.Actor is null ? null : job.Origin?.Split(' ', 2) is [var kind, var id]
            ? log.BeginSlackUserScope(job.Actor, kind, id)
            : log.BeginSlackUserScope(job.Actor, "job", job.Kind);
        var request = Mentorship.RequestReference.TryParse(job.Lane, out _) ? log.BeginRequestScope(job.Lane) : null;
        return new Both(user, request);
    }

    private sealed class Both(IDisposable? outer, IDisposable? inner) : IDisposable
    {
        public void Dispose()
        {
            inner?.Dispose();
            outer?.Dispose();
        }
    }
}
