using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Slack;

public enum SignatureCheck
{
    Valid,
    NoSigningSecret,
    MissingHeaders,
    BadTimestamp,
    Stale,
    Mismatch,
}

/// <summary>
/// Checks Slack's request signature: HMAC-SHA256 over <c>v0:{timestamp}:{raw body}</c>, compared in constant time,
/// with timestamps outside the replay window refused. The clock is injected so the check can be tested.
/// </summary>
public sealed class SlackSignatureVerifier(IOptionsMonitor<SlackOptions> options, TimeProvider clock)
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";

    public SignatureCheck Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        var o = options.CurrentValue;
        if (string.IsNullOrEmpty(o.SigningSecret))
            return SignatureCheck.NoSigningSecret;
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
            return SignatureCheck.MissingHeaders;
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return SignatureCheck.BadTimestamp;

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > (long)o.MaxClockSkew.TotalSeconds)
            return SignatureCheck.Stale;

        var expected = Compute(o.SigningSecret, timestamp, body);
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    /// <summary>The <c>v0=…</c> signature Slack would send for this body, as ASCII bytes.</summary>
    public static byte[] Compute(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"v0:{timestamp}:");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data);
        return Encoding.ASCII.GetBytes("v0=" + Convert.ToHexStringLower(mac));
    }
}
