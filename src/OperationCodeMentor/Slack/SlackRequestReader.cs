using Microsoft.Extensions.Options;

namespace OperationCodeMentor.Slack;

/// <summary>Reads a Slack request's raw body within the size limit and verifies its signature.</summary>
public sealed partial class SlackRequestReader(SlackSignatureVerifier verifier, IOptionsMonitor<SlackOptions> options, ILogger<SlackRequestReader> log)
{
    private int _warnedNoSecret;

    public readonly record struct Read(byte[] Body, IResult? Failure);

    public async Task<Read> ReadAsync(HttpContext http)
    {
        var max = options.CurrentValue.MaxBodyBytes;
        if (http.Request.ContentLength > max) return TooLarge(max);

        var body = http.Request.ContentLength is { } length
            ? await ReadKnownAsync(http, (int)length).ConfigureAwait(false)
            : await ReadChunkedAsync(http, max).ConfigureAwait(false);
        if (body is null) return TooLarge(max);

        var check = verifier.Verify(
            http.Request.Headers[SlackSignatureVerifier.TimestampHeader].ToString(),
            http.Request.Headers[SlackSignatureVerifier.SignatureHeader].ToString(),
            body);
        if (check == SignatureCheck.Valid) return new Read(body, null);

        if (check == SignatureCheck.NoSigningSecret)
        {
            if (Interlocked.Exchange(ref _warnedNoSecret, 1) == 0)
            {
                if (options.CurrentValue.UsesSocketMode) LogNoSecretInSocketMode(log);
                else LogNoSecret(log);
            }
        }
        else
        {
            LogRejected(log, check);
        }
        return new Read([], TypedResults.Text("invalid or missing Slack signature", statusCode: StatusCodes.Status401Unauthorized));
    }

    // Slack sends a Content-Length: the body is read straight into an array of that size, the only allocation a
    // request's body needs (a growing buffer and a copy cost several times the body on every request, and the
    // garbage they left was most of what the bot allocated at a steady rate).
    private static async Task<byte[]> ReadKnownAsync(HttpContext http, int length)
    {
        var body = new byte[length];
        var read = 0;
        int n;
        while (read < length && (n = await http.Request.Body.ReadAsync(body.AsMemory(read), http.RequestAborted).ConfigureAwait(false)) > 0)
            read += n;
        return read == length ? body : body[..read];
    }

    // Without a length (chunked, which Slack does not send), the body is gathered up to the limit; null past it.
    private static async Task<byte[]?> ReadChunkedAsync(HttpContext http, int max)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > max) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private Read TooLarge(int max)
    {
        LogTooLarge(log, max);
        return new Read([], TypedResults.Text("request body too large", statusCode: StatusCodes.Status413PayloadTooLarge));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Refusing every Slack request: Slack:SigningSecret (SLACK_SIGNING_SECRET) is not set. Copy the signing secret from the app's Basic Information page.")]
    private static partial void LogNoSecret(ILogger log);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing HTTP requests to the Slack endpoints: the bot runs in Socket Mode, where Slack sends everything over the WebSocket, and without Slack:SigningSecret (SLACK_SIGNING_SECRET) an HTTP request cannot be verified.")]
    private static partial void LogNoSecretInSocketMode(ILogger log);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a Slack request with a bad signature ({Check})")]
    private static partial void LogRejected(ILogger log, SignatureCheck check);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a Slack request over {Max} bytes")]
    private static partial void LogTooLarge(ILogger log, int max);
}
