using Npgsql;

namespace OperationCodeMentor.Storage.Postgres;

/// <summary>
/// Where the PostgreSQL store lives: <c>Storage:Postgres:ConnectionString</c> (an Npgsql connection string or a URL), or
/// else <c>DATABASE_URL</c> (<c>postgres://user:pass@host:5432/db?sslmode=require</c>, as hosting platforms give it).
/// Neither set means the bot does not use PostgreSQL.
/// </summary>
public sealed class PostgresConnection
{
    public const string ConnectionStringKey = "Storage:Postgres:ConnectionString";
    public const string DatabaseUrlKey = "DATABASE_URL";

    public string ConnectionString { get; }

    public PostgresConnection(string connectionString) => ConnectionString = connectionString;

    private readonly Lock _deciding = new();
    private StatementPreparation? _statements;

    /// <summary>
    /// Whether the pools prepare their statements: as <c>Max Auto Prepare</c> in the connection string says, or else
    /// unless the server is reached through a pooler that lends a session per transaction (<see cref="StatementPreparation.Probe"/>).
    /// Decided once, when the first pool is made (the queue's or the store's, at start-up); a failure to reach the
    /// server is thrown to that caller and the next one asks again.
    /// </summary>
    public StatementPreparation Statements
    {
        get
        {
            if (Volatile.Read(ref _statements) is { } decided) return decided;
            lock (_deciding)
                return _statements ??= StatementPreparation.Given(ConnectionString) ?? StatementPreparation.Probe(ForPool(ConnectionString, prepares: false));
        }
    }

    /// <summary>A pool on this database, preparing its statements as <see cref="Statements"/> says.</summary>
    public NpgsqlDataSource CreatePool() => NpgsqlDataSource.Create(ForPool(ConnectionString, Statements.Prepares));

    /// <summary>The connection configured, or null when neither key is set. Throws with one clear sentence when a value is malformed.</summary>
    public static PostgresConnection? FromConfiguration(IConfiguration config)
    {
        if (config[ConnectionStringKey] is { Length: > 0 } own && !string.IsNullOrWhiteSpace(own))
            return new PostgresConnection(Parse(own, ConnectionStringKey));
        if (config[DatabaseUrlKey] is { Length: > 0 } url && !string.IsNullOrWhiteSpace(url))
            return new PostgresConnection(Parse(url, DatabaseUrlKey));
        return null;
    }

    /// <summary>How long the bot's pools wait to connect, unless the setting says otherwise: both the store and the queue
    /// are used while Slack waits for its answer (3 seconds), so a database that cannot be reached must fail in time for
    /// the person to be told, not after Npgsql's default 15 seconds.</summary>
    public const int ConnectTimeoutSeconds = 2;

    /// <summary>
    /// The connection string the bot's pools use: as given, except where the setting is silent: connecting gives up after
    /// <see cref="ConnectTimeoutSeconds"/>, a connection going back to the pool is not reset, and with
    /// <paramref name="prepares"/> the <see cref="StatementPreparation.Kept"/> statements used most are prepared. The bot
    /// leaves no session state behind (its one advisory lock, taken while migrating, is its transaction's), so the reset
    /// Npgsql sends by default is only work for the server, once for every command the bot sends.
    /// </summary>
    public static string ForPool(string connectionString, bool prepares = false)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets(connectionString, "Timeout")) b.Timeout = ConnectTimeoutSeconds;
        if (!Sets(connectionString, "No Reset On Close", "NoResetOnClose")) b.NoResetOnClose = true;
        if (!Sets(connectionString, "Max Auto Prepare", "MaxAutoPrepare")) b.MaxAutoPrepare = prepares ? StatementPreparation.Kept : 0;
        return b.ConnectionString;
    }

    /// <summary>
    /// Which database a connection string leads to (hosts, port, database, user and schema search path; never the password): what the store
    /// and the job ledger compare to know that they share one, so a job's progress can be written with a store change.
    /// </summary>
    public static string Identity(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}/{b.Username}/{b.SearchPath}";
    }

    /// <summary>
    /// Whether the connection string itself sets one of these keywords (Npgsql's builder answers for every keyword it
    /// knows, set or not).
    /// </summary>
    internal static bool Sets(string connectionString, params string[] keywords)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return keywords.Any(given.ContainsKey);
    }

    /// <summary>An Npgsql connection string from either form; the message of a failure names the key and never the password.</summary>
    public static string Parse(string value, string key)
    {
        value = value.Trim();
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return FromUrl(value, key);
        try
        {
            var b = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(b.Host)) throw new ArgumentException("no host");
            return b.ConnectionString;
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException(
                $"{key} must be a PostgreSQL connection string (Host=...;Database=...;Username=...) or a URL like postgres://user:pass@host:5432/db; the value given could not be read.");
        }
    }

    private static string FromUrl(string value, string key)
    {
        InvalidOperationException Bad(string why) => new(
            $"{key} must look like postgres://user:pass@host:5432/db (optionally ?sslmode=require); {why}.");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw Bad("the value given is not a URL with a host");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/')) throw Bad("it names no database after the host");
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = database,
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            b.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) b.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var v = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            try
            {
                switch (name)
                {
                    case "sslmode":
                        b.SslMode = OneOf(name, v, Bad, ("disable", SslMode.Disable), ("allow", SslMode.Allow), ("prefer", SslMode.Prefer),
                            ("require", SslMode.Require), ("verify-ca", SslMode.VerifyCA), ("verify-full", SslMode.VerifyFull));
                        break;
                    // Some hosted PostgreSQL services put this in the URL they hand out.
                    case "channel_binding":
                        b.ChannelBinding = OneOf(name, v, Bad, ("disable", ChannelBinding.Disable), ("prefer", ChannelBinding.Prefer),
                            ("require", ChannelBinding.Require));
                        break;
                    case "connect_timeout":
                        b.Timeout = int.TryParse(v, out var seconds) && seconds >= 0
                            ? seconds
                            : throw Bad($"connect_timeout '{v}' is not a whole number of seconds");
                        break;
                    case "application_name":
                        b.ApplicationName = v;
                        break;
                    case "sslrootcert":
                        b.RootCertificate = v;
                        break;
                    case "target_session_attrs":
                        b.TargetSessionAttributes = v;
                        break;
                    // Some hosted databases' pooled addresses come with it, for clients that would otherwise prepare
                    // statements the pooler cannot carry: true prepares nothing (the bot finds such a pooler itself too).
                    case "pgbouncer":
                        if (OneOf(name, v, Bad, ("true", true), ("false", false))) b.MaxAutoPrepare = 0;
                        break;
                    default:
                        throw Bad($"'{name}' is not an option it understands (sslmode, channel_binding, connect_timeout, application_name, sslrootcert, target_session_attrs and pgbouncer are)");
                }
            }
            // Npgsql checks some values itself (a timeout above its limit, an unknown session attribute).
            catch (ArgumentException e)
            {
                throw Bad($"{name} '{v}' is not a value it accepts ({e.Message})");
            }
        }
        return b.ConnectionString;
    }

    /// <summary>The value of a URL option that takes one of a few words, or the failure naming them.</summary>
    private static T OneOf<T>(string option, string value, Func<string, InvalidOperationException> bad, params (string Word, T Value)[] words)
    {
        foreach (var (word, v) in words)
            if (word.Equals(value, StringComparison.OrdinalIgnoreCase)) return v;
        throw bad($"{option} '{value}' is not one of {string.Join(", ", words.Select(w => w.Word))}");
    }
}
