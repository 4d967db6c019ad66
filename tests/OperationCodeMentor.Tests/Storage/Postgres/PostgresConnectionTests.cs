using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Hosting;
using OperationCodeMentor.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;
using OperationCodeMentor.Storage.Postgres;

namespace OperationCodeMentor.Tests.Storage.Postgres;

/// <summary>How the PostgreSQL store is chosen and where it connects, from either setting.</summary>
public sealed class PostgresConnectionTests
{
    private static PostgresConnection? From(params (string Key, string Value)[] values) =>
        PostgresConnection.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void Neither_Key_MeansNoPostgres() => Assert.Null(From());

    [Theory]
    [InlineData("postgres://bot:s%40cret@db.example.org:6543/mentors?sslmode=require", 6543, SslMode.Require)]
    [InlineData("postgresql://bot:s%40cret@db.example.org/mentors", 5432, SslMode.Prefer)]
    public void DatabaseUrl_BecomesAnNpgsqlConnectionString(string url, int port, SslMode ssl)
    {
        var b = new NpgsqlConnectionStringBuilder(From(("DATABASE_URL", url))!.ConnectionString);

        Assert.Equal(("db.example.org", port, "mentors", "bot", "s@cret", ssl), (b.Host, b.Port, b.Database, b.Username, b.Password, b.SslMode));
    }

    [Fact]
    public void DatabaseUrl_TakesTheOptionsHostedServicesPutInIt()
    {
        var b = new NpgsqlConnectionStringBuilder(From(("DATABASE_URL",
            "postgres://bot:pw@ep-quiet-field.eu-central-1.aws.example.tech/mentors?sslmode=require&channel_binding=require&connect_timeout=5&application_name=mentor-bot&target_session_attrs=read-write"))!.ConnectionString);

        Assert.Equal((SslMode.Require, ChannelBinding.Require, 5, "mentor-bot", "read-write"),
            (b.SslMode, b.ChannelBinding, b.Timeout, b.ApplicationName, b.TargetSessionAttributes));
        // A timeout the URL sets is the operator's, kept by the pools.
        Assert.Equal(5, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool(From(("DATABASE_URL", "postgres://bot:pw@db/mentors?connect_timeout=5"))!.ConnectionString)).Timeout);
    }

    [Fact]
    public void ConnectionStringSetting_WinsOverDatabaseUrl()
    {
        var b = new NpgsqlConnectionStringBuilder(From(("Storage:Postgres:ConnectionString", "Host=own;Database=d;Username=u"),
            ("DATABASE_URL", "postgres://x:y@other/db"))!.ConnectionString);

        Assert.Equal("own", b.Host);
    }

    [Theory]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org:5432/mentors?sslmode=sometimes", "sslmode 'sometimes'")]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org:5432/", "names no database")]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org/mentors?pooler=true", "'pooler' is not an option")]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org/mentors?pgbouncer=yes", "pgbouncer 'yes' is not one of true, false")]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org/mentors?connect_timeout=soon", "connect_timeout 'soon'")]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org/mentors?connect_timeout=5000", "connect_timeout '5000'")]
    [InlineData("DATABASE_URL", "postgres://bot:hunter22@db.example.org/mentors?target_session_attrs=whichever", "target_session_attrs 'whichever'")]
    [InlineData("Storage:Postgres:ConnectionString", "Host=db;Password=hunter22;Nonsense=1", "could not be read")]
    public void MalformedValue_IsOneSentenceNamingTheKeyButNotThePassword(string key, string value, string why)
    {
        var e = Assert.Throws<InvalidOperationException>(() => From((key, value)));

        Assert.StartsWith(key + " must", e.Message);
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain("hunter22", e.Message);
    }
    [Fact]
    public void AUrlMarkedForPgBouncer_PreparesNothing_WithoutAskingTheServer()
    {
        // As some hosted databases hand out their pooled address (db.invalid: asking it would fail).
        var marked = From(("DATABASE_URL", "postgres://bot:pw@db.invalid:6543/postgres?pgbouncer=true"))!;
        var unmarked = From(("DATABASE_URL", "postgres://bot:pw@db.invalid:6543/postgres?pgbouncer=false"))!;

        Assert.False(marked.Statements.Prepares);
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool(marked.ConnectionString, prepares: true)).MaxAutoPrepare);
        Assert.False(PostgresConnection.Sets(unmarked.ConnectionString, "Max Auto Prepare", "MaxAutoPrepare"));
    }

    [Fact]
    public void ThePools_SkipTheResetOnReturn_UnlessTheSettingSaysOtherwise()
    {
        Assert.True(new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool("Host=db;Database=mentors")).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool("Host=db;Database=mentors;No Reset On Close=false")).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool("Host=db;Database=mentors;NoResetOnClose=false")).NoResetOnClose);
    }

    [Fact]
    public void ThePools_GiveUpConnectingInTimeForSlack_UnlessTheSettingSaysOtherwise()
    {
        // The store is read while Slack waits too (a form's option lists, a mentee's open requests), not only the queue.
        Assert.Equal(PostgresConnection.ConnectTimeoutSeconds, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool("Host=db;Database=mentors")).Timeout);
        Assert.Equal(20, new NpgsqlConnectionStringBuilder(PostgresConnection.ForPool("Host=db;Database=mentors;Timeout=20")).Timeout);
    }

    [Fact]
    public async Task TheQueuesPool_GivesUpConnectingInTimeForSlack_UnlessTheSettingSaysOtherwise()
    {
        async Task<int> TimeoutOf(string cs)
        {
            await using var ledger = new OperationCodeMentor.Reliability.PostgresJobLedger(cs, "replica");
            return new NpgsqlConnectionStringBuilder(ledger.Source.ConnectionString).Timeout;
        }
        // Saying whether to prepare, so that making the pool asks no server (there is none at db).
        Assert.Equal(2, await TimeoutOf("Host=db;Database=mentors;Max Auto Prepare=0"));
        Assert.Equal(20, await TimeoutOf("Host=db;Database=mentors;Timeout=20;Max Auto Prepare=0"));
    }
}

/// <summary>A malformed PostgreSQL setting stops start-up with the store's other settings, not at the first request.</summary>
public sealed class PostgresStartupValidationTests
{
    [Fact]
    public void MalformedDatabaseUrl_IsRefusedAtStartup_NamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgres://bot:hunter22@db.example.org:5432/",
        }).Build();
        using var provider = new ServiceCollection().AddMentorshipOptions(configuration).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StorageOptions>>().Value);

        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("DATABASE_URL must look like postgres://", failure);
        Assert.DoesNotContain("hunter22", failure);
    }
}
