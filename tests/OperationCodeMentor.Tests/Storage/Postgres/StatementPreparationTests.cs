using Npgsql;
using OperationCodeMentor.Storage.Postgres;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// Whether the pools prepare their statements: by default where the connection has a server session of its own, never behind a
/// pooler that lends a session per transaction, and as the connection string says when it says.
/// </summary>
public sealed class StatementPreparationTests
{
    private const int Probes = 12;

    [Fact]
    public async Task ADirectConnection_IsNeverTakenForAPooler_SoItsStatementsArePrepared()
    {
        var database = await PostgresServer.NewSchemaAsync();

        for (var i = 0; i < Probes; i++)
        {
            var decided = new PostgresConnection(database).Statements;
            Assert.True(decided.Prepares, decided.Why);
            Assert.StartsWith("prepared", decided.Why);
        }
        Assert.Equal(StatementPreparation.Kept, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool(database, prepares: true)).MaxAutoPrepare);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThroughAPoolerInTransactionMode_ThePoolerIsFoundEveryTime_AndNothingIsPrepared(bool oldestFreeFirst)
    {
        // Whichever free session the pooler hands out: the one just freed (PgBouncer's default) or the one free longest.
        var database = await TransactionPooler.NewDatabaseAsync(oldestFreeFirst, ownPooler: true);
        // Other clients at work through the same pooler, as other replicas would be.
        using var busy = new CancellationTokenSource();
        var others = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!busy.IsCancellationRequested) await PostgresServer.ScalarAsync<int>(database, "SELECT 1");
        })).ToList();
        try
        {
            for (var i = 0; i < Probes; i++)
            {
                var decided = new PostgresConnection(database).Statements;
                Assert.False(decided.Prepares, decided.Why);
                Assert.Contains("pooler", decided.Why, StringComparison.Ordinal);
                Assert.Contains($"Max Auto Prepare={StatementPreparation.Kept}", decided.Why, StringComparison.Ordinal);
            }
        }
        finally
        {
            busy.Cancel();
            await Task.WhenAll(others);
        }
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool(database, prepares: false)).MaxAutoPrepare);
    }

    [Fact]
    public async Task APoolerWithEverySessionInUse_FailsTheProbeInTime_RatherThanHangingStartUp()
    {
        // The pooler's four server sessions (default_pool_size) each held by a transaction of another client. (The pooler is
        // this class's own, and its tests run one at a time.)
        var database = await TransactionPooler.NewDatabaseAsync(oldestFreeFirst: true, ownPooler: true);
        var holders = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var c = new NpgsqlConnection(database + ";Pooling=false");
                await c.OpenAsync();
                var t = await c.BeginTransactionAsync();
                await new NpgsqlCommand("SELECT 1", c, t).ExecuteScalarAsync();
                holders.Add((c, t));
            }
            var connection = new PostgresConnection(database);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var failure = await Assert.ThrowsAnyAsync<NpgsqlException>(() => Task.Run(() => connection.Statements));

            Assert.IsType<TimeoutException>(failure.InnerException);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(PostgresConnection.ConnectTimeoutSeconds + StatementPreparation.ProbeTimeoutSeconds + 2));
        }
        finally
        {
            foreach (var (c, t) in holders)
            {
                await t.DisposeAsync();
                await c.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("Max Auto Prepare=0", false, 0)]
    [InlineData("MaxAutoPrepare=0", false, 0)]
    [InlineData("Max Auto Prepare=50", true, 50)]
    public void TheConnectionStringsWord_Decides_WithoutAskingTheServer(string word, bool prepares, int kept)
    {
        // A host that does not exist: asking it would fail.
        var connection = new PostgresConnection($"Host=db.invalid;Database=mentors;{word}");

        Assert.Equal(prepares, connection.Statements.Prepares);
        Assert.Contains("Max Auto Prepare", connection.Statements.Why, StringComparison.Ordinal);
        Assert.Equal(kept, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool(connection.ConnectionString, prepares: !prepares)).MaxAutoPrepare);
    }

    [Fact]
    public void AServerOutOfReach_IsTheCallersFailure_NotADecision()
    {
        var connection = new PostgresConnection("Host=127.0.0.1;Port=1;Database=mentors;Username=bot;Timeout=1");

        Assert.ThrowsAny<NpgsqlException>(() => connection.Statements);
    }
}
