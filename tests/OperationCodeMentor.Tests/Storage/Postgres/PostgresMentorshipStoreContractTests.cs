using OperationCodeMentor.Mentorship;
using OperationCodeMentor.Storage;
using OperationCodeMentor.Storage.Postgres;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>The store contract against PostgreSQL, each test on a fresh schema of a real server.</summary>
public sealed class PostgresMentorshipStoreContractTests : MentorshipStoreContract
{
    protected override bool ReadsLastReportWithPairing => true;

    private readonly List<PostgresMentorshipStore> _stores = [];
    private string _connection = "";

    protected override async Task<IMentorshipStore> CreateStoreAsync()
    {
        _connection = await PostgresServer.NewSchemaAsync();
        return NewStore();
    }

    /// <summary>Another store on the same database, with its own connection pool, as a second replica has.</summary>
    private PostgresMentorshipStore NewStore()
    {
        var store = new PostgresMentorshipStore(new PostgresConnection(_connection + ";Application Name=replica" + _stores.Count));
        _stores.Add(store);
        return store;
    }

    protected override async Task DisposeStoreAsync()
    {
        foreach (var s in _stores) await s.DisposeAsync();
    }

    [Fact]
    public async Task Claim_RacedByManyThroughTwoReplicas_HasExactlyOneWinner()
    {
        var id = (await CreateAsync(NewRequest())).Reference;
        var replicas = new[] { (PostgresMentorshipStore)Store, NewStore() };

        var claims = Enumerable.Range(0, 24).Select(i => Task.Run(() =>
        {
            var mentor = $"UMENTOR{i:00}";
            return replicas[i % 2].ChangeRequestAsync(id, t => RequestLifecycle.Decide(t, new Actor(mentor),
                new RequestCommand.Claim(OperationCodeMentor.Tests.Fakes.StoreChanges.Available(mentor)), T0.AddMinutes(1)));
        }));
        var decisions = await Task.WhenAll(claims);

        var winners = decisions.Where(d => d!.Refused is null).ToList();
        Assert.Single(winners);
        Assert.All(decisions.Where(d => d!.Refused is not null), d => Assert.Equal(Refusal.AlreadyClaimed, d!.Refused));
        var stored = (await replicas[1].GetRequestAsync(id))!;
        Assert.Equal(winners[0]!.After!.Request.ClaimedBy, stored.Request.ClaimedBy);
        Assert.Equal(winners[0]!.After!.Version, stored.Version);
    }

    [Fact]
    public async Task OptionLists_AreReadAtMostOnceAMinute_AndAnEditShowsAfterThat()
    {
        var clock = new OperationCodeMentor.Tests.Fakes.ManualTimeProvider(T0);
        await using var store = new PostgresMentorshipStore(new PostgresConnection(_connection), clock);
        var first = await store.GetOptionListsAsync();
        Assert.DoesNotContain("Rust", first.Skillsets);

        // Someone adds a skill in the table by hand.
        await using (var c = new Npgsql.NpgsqlConnection(_connection))
        {
            await c.OpenAsync();
            await using var add = new Npgsql.NpgsqlCommand("INSERT INTO option_items(list, name, position) VALUES ('skillsets', 'Rust', 999)", c);
            await add.ExecuteNonQueryAsync();
        }
        clock.Advance(PostgresMentorshipStore.OptionListsFor - TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("Rust", (await store.GetOptionListsAsync()).Skillsets);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("Rust", (await store.GetOptionListsAsync()).Skillsets);
    }

    [Fact]
    public async Task Migrations_WhenTwoReplicasStartAtOnce_RunOnceAndBothWork()
    {
        var fresh = await PostgresServer.NewSchemaAsync();
        await using var a = new PostgresMentorshipStore(new PostgresConnection(fresh));
        await using var b = new PostgresMentorshipStore(new PostgresConnection(fresh));

        await Task.WhenAll(a.CheckAsync(), b.CheckAsync());

        Assert.Equal(DefaultOptionLists.Services, (await a.GetOptionListsAsync()).Services);
        Assert.Equal(DefaultOptionLists.Services, (await b.GetOptionListsAsync()).Services);
        Assert.NotEqual(await a.ReserveRequestNumberAsync(), await b.ReserveRequestNumberAsync());
    }

    [Fact]
    public async Task CreateRequest_WithANumberAlreadyStoredAndNoSubmissionKey_SaysSo()
    {
        var first = await CreateAsync(NewRequest());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => CreateAsync(NewRequest("UMENTEE02") with { Number = 1001 }));

        Assert.Equal("R-1001", first.Reference);
        Assert.Contains("R-1001 is already stored", e.Message);
    }

    [Fact]
    public async Task ReserveRequestNumber_AfterARequestStoredUnderAHigherNumber_StartsAfterIt()
    {
        await CreateAsync(NewRequest() with { Number = 5000 });

        Assert.Equal(5001, await Store.ReserveRequestNumberAsync());
        Assert.Equal(5002, await Store.ReserveRequestNumberAsync());
    }
}
