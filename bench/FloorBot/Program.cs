using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

// The floor under the bot's acknowledgement on PostgreSQL: a server that does only what no durable bot can skip. It
// checks each request's Slack signature, answers a slash command at once, and answers an interaction (a Claim click, a
// submitted form) only once its body is committed, with one prepared INSERT on a pooled connection, as the bot's
// acknowledgement writes the press's job before "ok". No parsing, no decisions, no follow-up work, no background work.
// bench/postgres.sh runs it on the bots' CPU, in the same rounds and under the same load, so that the two p99s can be
// read against each other: what the floor takes, this machine takes from any implementation.
//
//   FloorBot --port 5086 --pg "Host=...;Database=..." --secret S

var opts = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal) && p.i + 1 < args.Length)
    .ToDictionary(p => p.a[2..], p => args[p.i + 1], StringComparer.Ordinal);
if (!opts.TryGetValue("pg", out var connection) || !opts.TryGetValue("secret", out var secretText)
    || !int.TryParse(opts.GetValueOrDefault("port", "5086"), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
{
    Console.Error.WriteLine("FloorBot --port 5086 --pg \"Host=...;Database=...\" --secret S");
    return 2;
}
var secret = Encoding.UTF8.GetBytes(secretText);

// The bot's default on a direct connection: its statements prepared (the 20 most used per connection).
var csb = new NpgsqlConnectionStringBuilder(connection) { MaxAutoPrepare = 20 };
await using var db = NpgsqlDataSource.Create(csb.ConnectionString);
await using (var create = db.CreateCommand(
    "CREATE TABLE IF NOT EXISTS floor_presses (id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, body bytea NOT NULL, at timestamptz NOT NULL DEFAULT now())"))
    await create.ExecuteNonQueryAsync();

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Logging.ClearProviders();
var app = builder.Build();

app.MapPost("/slack/{kind}", async (string kind, HttpRequest request) =>
{
    var length = (int)(request.ContentLength ?? 0);
    if (length <= 0 || length > 1 << 20) return Results.BadRequest();
    var body = new byte[length];
    await request.Body.ReadExactlyAsync(body);
    if (!Signed(request, body)) return Results.Unauthorized();
    if (kind == "commands") return Results.Ok();
    // A press is answered once it is durable; a repeat (the same body) is taken once.
    await using var insert = db.CreateCommand("INSERT INTO floor_presses (key, body) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING");
    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Convert.ToHexString(SHA256.HashData(body)) });
    insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = body });
    await insert.ExecuteNonQueryAsync();
    return Results.Ok();
});
app.MapGet("/healthz", () => Results.Text("{\"depth\":0,\"pendingWork\":0}", "application/json"));
await app.RunAsync();
return 0;

bool Signed(HttpRequest request, byte[] body)
{
    var ts = request.Headers["X-Slack-Request-Timestamp"].ToString();
    var given = request.Headers["X-Slack-Signature"].ToString();
    if (!long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300 || !given.StartsWith("v0=", StringComparison.Ordinal))
        return false;
    var prefix = Encoding.ASCII.GetBytes($"v0:{ts}:");
    var signed = ArrayPool<byte>.Shared.Rent(prefix.Length + body.Length);
    try
    {
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, signed.AsSpan(0, prefix.Length + body.Length), mac);
        Span<byte> expected = stackalloc byte[32];
        return Convert.FromHexString(given.AsSpan(3), expected, out _, out var written) == OperationStatus.Done && written == 32
            && CryptographicOperations.FixedTimeEquals(mac, expected);
    }
    finally
    {
        ArrayPool<byte>.Shared.Return(signed);
    }
}
