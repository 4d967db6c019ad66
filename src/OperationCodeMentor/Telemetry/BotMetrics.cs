using System.Diagnostics.Metrics;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Storage;

namespace OperationCodeMentor.Telemetry;

/// <summary>
/// The bot's own instruments, all on one meter (<see cref="MeterName"/>), all created here. Labels name only things
/// the bot itself defines (a handler's id, a Slack method, a table, a step), never a person, a token or free text, so
/// their number stays small and nothing secret reaches a dashboard. Recording costs next to nothing when no exporter
/// listens (<c>Metrics:Prometheus</c> off and no OTLP endpoint).
/// </summary>
public sealed class BotMetrics : IDisposable
{
    public const string MeterName = "OperationCodeMentor";

    /// <summary>Bucket edges in seconds, dense around Slack's 3-second limit on an acknowledgement.</summary>
    internal static readonly double[] AckBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5, 10];

    private readonly Meter _meter;
    private readonly Histogram<double> _ack;
    private readonly Counter<long> _ackFailures;
    private readonly Counter<long> _slackCalls;
    private readonly Counter<long> _slackRetries;
    private readonly Counter<long> _airtableCalls;
    private readonly Counter<long> _airtableRetries;
    private readonly Counter<long> _followUps;

    /// <param name="services">
    /// Read only when a gauge is observed: the queue and the store need the Slack client, which records here, so they
    /// cannot be handed in when this is built.
    /// </param>
    public BotMetrics(IMeterFactory meters, IServiceProvider services, TimeProvider clock)
    {
        _meter = meters.Create(MeterName);
        _ack = _meter.CreateHistogram<double>("ocm.slack.ack.duration", "s",
            "Time from a command, click, submission or event reaching its handler to the acknowledgement being ready (durable work on disk). Slack gives up after 3 s.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AckBuckets });
        _ackFailures = _meter.CreateCounter<long>("ocm.slack.ack.failures", "{failure}",
            "Commands, presses, submissions and events the bot could not handle (its store or queue failed, or a bug): each was answered with an apology or an error instead of being acted on (Slack sends a failed event again), by kind and handler.");
        _slackCalls = _meter.CreateCounter<long>("ocm.slack.calls", "{call}", "Slack Web API calls, by method and outcome (ok, refused, ratelimited, http_error, unreachable, timeout, invalid_response).");
        _slackRetries = _meter.CreateCounter<long>("ocm.slack.retries", "{retry}", "Slack Web API calls tried again, by method and reason (ratelimited for a 429, else failed).");
        _airtableCalls = _meter.CreateCounter<long>("ocm.airtable.calls", "{call}", "Airtable API calls, by table, verb and outcome (ok, refused, ratelimited, http_error, unreachable).");
        _airtableRetries = _meter.CreateCounter<long>("ocm.airtable.retries", "{retry}", "Airtable API calls tried again, by table, verb and reason (ratelimited for a 429, else failed).");
        _followUps = _meter.CreateCounter<long>("ocm.followup.steps", "{step}", "Follow-up steps sent by the sweep, by step.");

        var queue = new Lazy<WorkQueue?>(() => services.GetService<WorkQueue>());
        _meter.CreateObservableGauge("ocm.queue.depth", () => queue.Value?.Depth ?? 0, "{job}",
            "Durable jobs acknowledged to Slack and not yet finished.");
        _meter.CreateObservableGauge("ocm.queue.oldest_age", () => queue.Value is { Depth: > 0 } q ? q.OldestAge.TotalSeconds : 0, "s",
            "How long the oldest unfinished durable job has waited; 0 when none waits.");
        var counts = new RequestCounts(() => services.GetRequiredService<IMentorshipStore>(), clock);
        _meter.CreateObservableGauge("ocm.requests", counts.Observe, "{request}",
            "Requests by status: open (waiting for a mentor) and claimed (held by one). Read from the store at most once per RequestCounts.FreshFor.");
    }

    /// <param name="kind">command, action, view or event.</param>
    /// <param name="handler">The command, action id, callback id or event type the bot handles (never free text).</param>
    public void Acknowledged(string kind, string handler, TimeSpan elapsed) =>
        _ack.Record(elapsed.TotalSeconds, new("kind", kind), new("handler", handler));

    /// <param name="kind">command, action, view or event.</param>
    /// <param name="handler">The command, action id, callback id or event type (never free text).</param>
    public void AcknowledgementFailed(string kind, string handler) => _ackFailures.Add(1, new("kind", kind), new("handler", handler));

    public void SlackCall(string method, string outcome) => _slackCalls.Add(1, new("method", method), new("outcome", outcome));

    public void SlackRetry(string method, bool rateLimited) =>
        _slackRetries.Add(1, new("method", method), new("reason", rateLimited ? "ratelimited" : "failed"));

    public void AirtableCall(string table, string verb, string outcome) =>
        _airtableCalls.Add(1, new("table", table), new("verb", verb), new("outcome", outcome));

    public void AirtableRetry(string table, string verb, bool rateLimited) =>
        _airtableRetries.Add(1, new("table", table), new("verb", verb), new("reason", rateLimited ? "ratelimited" : "failed"));

    public void FollowUpSent(FollowUpStep step) => _followUps.Add(1, new KeyValuePair<string, object?>("step", StepName(step)));

    /// <summary><c>NudgeMentor</c> → <c>nudge_mentor</c>: Prometheus-style label values from the step's name.</summary>
    private static string StepName(FollowUpStep step) =>
        string.Concat(step.ToString().Select((ch, i) => char.IsUpper(ch) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(ch) : ch.ToString()));

    /// <summary>The outcome label for a failed Slack call, from its error; "refused" for any <c>ok:false</c> answer.</summary>
    public static string SlackOutcome(string error) => error switch
    {
        "ratelimited" or "unreachable" or "timeout" or "invalid_response" => error,
        _ when error.StartsWith("http_", StringComparison.Ordinal) => "http_error",
        _ => "refused",
    };

    public void Dispose() => _meter.Dispose();

    /// <summary>
    /// Requests by status for the gauge, read from the store at most once per <see cref="FreshFor"/> whatever the
    /// scrape rate, so a busy Prometheus never turns into Airtable calls. A read that fails or takes longer than
    /// <see cref="Patience"/> leaves the last counts in place (the read finishes in the background).
    /// </summary>
    internal sealed class RequestCounts(Func<IMentorshipStore> store, TimeProvider clock)
    {
        public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

        private readonly object _gate = new();
        private (int Open, int Claimed)? _counts;
        private DateTimeOffset _readAt = DateTimeOffset.MinValue;
        private Task? _reading;

        public IEnumerable<Measurement<int>> Observe()
        {
            Task? reading = null;
            lock (_gate)
            {
                if (_reading is null && clock.GetUtcNow() - _readAt >= FreshFor)
                {
                    _readAt = clock.GetUtcNow();
                    _reading = Task.Run(ReadAsync);
                }
                reading = _reading;
            }
            try { reading?.Wait(Patience); } catch (AggregateException) { /* the last counts stand */ }
            var counts = _counts;
            if (counts is not { } c) return [];
            return [new(c.Open, new KeyValuePair<string, object?>("status", "open")), new(c.Claimed, new KeyValuePair<string, object?>("status", "claimed"))];
        }

        private async Task ReadAsync()
        {
            try
            {
                var s = store();
                var open = (await s.GetOpenRequestsAsync().ConfigureAwait(false)).Count;
                var claimed = (await s.GetMentorLoadsAsync().ConfigureAwait(false)).Sum(l => l.OpenClaims);
                _counts = (open, claimed);
            }
            finally
            {
                lock (_gate) _reading = null;
            }
        }
    }
}
