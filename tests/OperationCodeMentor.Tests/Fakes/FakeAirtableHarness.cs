using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Airtable;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// A <see cref="FakeAirtable"/> with one base laid out by the bot's own <c>airtable init</c> and seeded with the
/// default option lists, plus the client and store pointed at it. By default both sides allow 1,000 requests
/// per second, so tests that are not about the rate limit do not wait for it.
/// </summary>
public sealed class FakeAirtableHarness : IAsyncDisposable
{
    public const string BaseId = "appFAKEmentorship1";

    private FakeAirtableHarness(FakeAirtable fake, AirtableOptions options, AirtableStoreOptions storeOptions, TimeProvider clock, ILoggerFactory logs)
    {
        Fake = fake;
        Options = options;
        StoreOptions = storeOptions;
        Clock = clock;
        Logs = logs;
        Limiter = new AirtableRateLimiter(clock);
        Client = NewClient();
        Lookups = new AirtableLookups(Client, Monitor(storeOptions), clock, logs.CreateLogger<AirtableLookups>());
        Store = new AirtableMentorshipStore(Client, Lookups, Monitor(storeOptions), Monitor(new MentorshipOptions()), [Reserved],
            logs.CreateLogger<AirtableMentorshipStore>());
    }

    /// <summary>Another store on the same base with nothing in memory, as after a restart of the bot.</summary>
    public AirtableMentorshipStore NewStore() =>
        new(Client, new AirtableLookups(Client, Monitor(StoreOptions), Clock, Logs.CreateLogger<AirtableLookups>()), Monitor(StoreOptions),
            Monitor(new MentorshipOptions()), [Reserved], Logs.CreateLogger<AirtableMentorshipStore>());

    /// <summary>Numbers a submission still in the queue reserved (as the durable queue reports them after a restart).</summary>
    public ReservedNumbers Reserved { get; } = new();

    public sealed class ReservedNumbers : IReservedRequestNumbers
    {
        public long? Value { get; set; }

        public long? Highest() => Value;
    }

    public FakeAirtable Fake { get; }
    public FakeAirtableBase Base => Fake.Base(BaseId);
    public AirtableOptions Options { get; }
    public AirtableStoreOptions StoreOptions { get; }
    public TimeProvider Clock { get; }
    public ILoggerFactory Logs { get; }
    public AirtableRateLimiter Limiter { get; }
    public AirtableClient Client { get; }
    public AirtableLookups Lookups { get; }
    public AirtableMentorshipStore Store { get; }

    /// <param name="layOut">False leaves the base empty, for tests of <c>airtable check</c> and <c>init</c>.</param>
    /// <param name="clock">The client's and store's clock; the fake keeps the real one unless <paramref name="fakeClock"/> is given.</param>
    public static async Task<FakeAirtableHarness> StartAsync(
        Action<AirtableOptions>? configure = null,
        AirtableStoreOptions? storeOptions = null,
        TimeProvider? clock = null,
        TimeProvider? fakeClock = null,
        ILoggerFactory? logs = null,
        bool realRateLimit = false,
        bool layOut = true)
    {
        var fake = await FakeAirtable.StartAsync(fakeClock);
        fake.AddBase(BaseId);
        if (!realRateLimit) fake.RequestsPerSecond = 1000;
        var options = new AirtableOptions
        {
            ApiKey = FakeAirtable.Token,
            BaseId = BaseId,
            ApiBaseUrl = fake.ApiBaseUrl,
            RequestsPerSecond = realRateLimit ? 5 : 1000,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        };
        configure?.Invoke(options);
        var h = new FakeAirtableHarness(fake, options, storeOptions ?? new AirtableStoreOptions(), clock ?? TimeProvider.System, logs ?? NullLoggerFactory.Instance);
        if (!layOut) return h;
        await new AirtableSchemaSetup(h.Client, Monitor(h.StoreOptions)).InitAsync();
        h.Seed(h.StoreOptions.Tables.Services, h.StoreOptions.Fields.Services.Name, DefaultOptionLists.Services);
        h.Seed(h.StoreOptions.Tables.Skillsets, h.StoreOptions.Fields.Skillsets.Name, DefaultOptionLists.Skillsets);
        h.Seed(h.StoreOptions.Tables.Affiliations, h.StoreOptions.Fields.Affiliations.Name, DefaultOptionLists.Affiliations);
        fake.ClearCalls();
        return h;
    }

    /// <summary>Another client on the same base, as a second part of the process would have (same limiter).</summary>
    public AirtableClient NewClient() =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, Monitor(Options), Limiter, Clock, Logs.CreateLogger<AirtableClient>());

    public FakeTable Table(string name) => Base.Table(name) ?? throw new InvalidOperationException($"No table {name} in the fake base.");

    public FakeTable Requests => Table(StoreOptions.Tables.Requests);

    public FakeTable Mentors => Table(StoreOptions.Tables.Mentors);

    private void Seed(string table, string field, IEnumerable<string> names)
    {
        foreach (var name in names) Table(table).Insert(new JsonObject { [field] = name });
    }

    public ValueTask DisposeAsync() => Fake.DisposeAsync();

    public static IOptionsMonitor<T> Monitor<T>(T value) => new FixedOptions<T>(value);

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
