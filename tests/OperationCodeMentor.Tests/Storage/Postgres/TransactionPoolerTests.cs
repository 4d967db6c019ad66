using Microsoft.Extensions.Logging;
using Npgsql;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Storage.Postgres;
using OperationCodeMentor.Tests.Fakes;
using OperationCodeMentor.Tests.Scheduling;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>
/// The bot behind PgBouncer in transaction mode, the pooled address hosted PostgreSQL services hand out: consecutive
/// transactions may run on different server sessions, so nothing may rest on a session (its advisory locks included).
/// </summary>
public class TransactionPoolerTests
{
    [Fact]
    public async Task ThreeReplicasStartingTogetherOnAnEmptyDatabase_AllStart_LeaveNoLockHeld_AndPairAMentee()
    {
        var database = await TransactionPooler.NewDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Storage:Postgres:ConnectionString"] = database };
        await using var slack = await FakeSlack.StartAsync();
        var clock = new ManualTimeProvider();

        // All three migrate the empty database at once (a bot's host starts on the caller's thread, hence a thread each):
        // they queue on the migrations' lock.
        var starting = Enumerable.Range(0, 3).Select(_ => Task.Run(() => MentorBot.StartAsync(settings, slack, clock))).ToList();
        try
        {
            var bots = await Task.WhenAll(starting);
            // Read on the server itself, past the pooler: the lock went with the migrations' transactions.
            var direct = new NpgsqlConnectionStringBuilder(await PostgresServer.AdminAsync()) { Database = new NpgsqlConnectionStringBuilder(database).Database }.ConnectionString;
            Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(direct, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
            Assert.Equal(PostgresSchema.Migrations.Count, await PostgresServer.ScalarAsync<int>(direct, "SELECT MAX(version) FROM schema_migrations"));
            Assert.Equal(PostgresSchema.Migrations.Count, (int)await PostgresServer.ScalarAsync<long>(direct, "SELECT COUNT(*) FROM schema_migrations"));

            // A prepared statement would stay in a session the pooler lends to others: each replica found the pooler, said
            // so, and prepares nothing.
            foreach (var bot in bots)
            {
                Assert.Contains(bot.Logs.Entries, e => e.Message.StartsWith("PostgreSQL statements: not prepared: a pooler", StringComparison.Ordinal));
                Assert.False(bot.Store.ReadsWithTheWrite);
            }

            await bots[0].VolunteerAsync("UMENTOR1", ["Python"]);
            var request = await bots[1].RequestAsync("UMENTEE1", ["Python"]);
            await bots[2].ClickAsync(RequestButtons.Claim, request, "UMENTOR1");

            Assert.Equal("UMENTOR1", (await bots[2].Store.RequestAsync(request.Reference))!.ClaimedBy);
            Assert.Single(slack.CallsTo("chat.postMessage"), c => c["channel"] == FakeSlack.GroupDmId("UMENTOR1", "UMENTEE1"));
            // Enough of each statement, on every replica, for Npgsql to have prepared it were preparing on (it prepares a
            // statement on its fifth use): all of it goes through.
            for (var i = 2; i <= 8; i++)
            {
                await bots[i % 3].VolunteerAsync($"UMENTOR{i}", ["Python"]);
                var more = await bots[(i + 1) % 3].RequestAsync($"UMENTEE{i}", ["Python"]);
                await bots[(i + 2) % 3].ClickAsync(RequestButtons.Claim, more, $"UMENTOR{i}");
                Assert.Equal($"UMENTOR{i}", (await bots[i % 3].Store.RequestAsync(more.Reference))!.ClaimedBy);
            }
            Assert.DoesNotContain(bots.SelectMany(b => b.Logs.Entries), e => e.Level >= LogLevel.Error);
        }
        finally
        {
            // Those that started, also when another could not.
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully)) await (await start).DisposeAsync();
        }
    }
}
