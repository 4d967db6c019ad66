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
        Lookups = NewLookups();
        Store = new AirtableMentorshipStore(Client, Lookups, Monitor(storeOptions), Monitor(new MentorshipOptions()), logs.CreateLogger<AirtableMentorshipStore>());
    }

    /// <summary>Another store on the same base with nothing in memory, as after a restart of the bot.</summary>
    public AirtableMentorshipStore NewStore() =>
        new(Client, NewLookups(), Monitor(StoreOptions), Monitor(new MentorshipOptions()), Logs.CreateLogger<AirtableMentorshipStore>());

    /// <summary>Caches that read the base's schema on first use, as the bot does at start-up.</summary>
    private AirtableLookups NewLookups() =>
        new(Client, new AirtableLayoutSource(Client, Monitor(StoreOptions)), Monitor(StoreOptions), Clock, Logs.CreateLogger<AirtableLookups>());

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
    /// <param name="likeOperationCode">
    /// Start from the base Operation Code runs (<see cref="FakeAirtablePybotBase"/>), with its option lists, mentors and
    /// history, and let <c>airtable init</c> add the bot's own fields, as a coordinator setting the bot up would.
    /// </param>
    /// <param name="clock">The client's and store's clock; the fake keeps the real one unless <paramref name="fakeClock"/> is given.</param>
    public static async Task<FakeAirtableHarness> StartAsync(
        Action<AirtableOptions>? configure = null,
        AirtableStoreOptions? storeOptions = null,
        TimeProvider? clock = null,
        TimeProvider? fakeClock = null,
        ILoggerFactory? logs = null,
        bool realRateLimit = false,
        bool layOut = true,
        bool likeOperationCode = false)
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
        if (likeOperationCode) h.Base.LayOutLikeOperationCode();
        await new AirtableSchemaSetup(h.Client, Monitor(h.StoreOptions)).InitAsync();
        if (likeOperationCode)
        {
            fake.ClearCalls();
            return h;
        }
        h.Seed(h.StoreOptions.Tables.Services, h.StoreOptions.Fields.Services.Name, DefaultOptionLists.Services);
        h.Seed(h.StoreOptions.Tables.Skillsets, h.StoreOptions.Fields.Skillsets.Name, DefaultOptionLists.Skillsets);
        h.Seed(h.StoreOptions.Tables.Affiliations, h.StoreOptions.Fields.Affiliations.Name, DefaultOptionLists.Affiliations);
        fake.ClearCalls();
        return h;
    }

    /// <summary>The settings that point the bot at this base, at 1,000 requests a second so that tests need not wait.</summary>
    public Dictionary<string, string?> BotSettings() => new()
    {
        ["Airtable:ApiKey"] = FakeAirtable.Token,
        ["Airtable:BaseId"] = BaseId,
        ["Airtable:ApiBaseUrl"] = Fake.ApiBaseUrl,
        ["Airtable:RequestsPerSecond"] = "1000",
    };

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
