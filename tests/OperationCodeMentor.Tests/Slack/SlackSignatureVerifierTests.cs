using System.Text;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Slack;

public class SlackSignatureVerifierTests
{
    // Slack's published example: secret, timestamp, body and the signature Slack computed for them.
    private const string ExampleSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string ExampleTimestamp = "1531420618";
    private const string ExampleBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string ExampleSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private static SlackSignatureVerifier Verifier(DateTimeOffset now, string? secret = ExampleSecret) =>
        new(new StaticOptions(new SlackOptions { SigningSecret = secret }), new ManualTimeProvider(now));

    private static readonly DateTimeOffset ExampleTime = DateTimeOffset.FromUnixTimeSeconds(1531420618);

    [Fact]
    public void Verify_SlacksPublishedExample_IsValid() =>
        Assert.Equal(SignatureCheck.Valid, Verifier(ExampleTime).Verify(ExampleTimestamp, ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody)));

    [Fact]
    public void Compute_SlacksPublishedExample_MatchesSlacksSignature() =>
        Assert.Equal(ExampleSignature, Encoding.ASCII.GetString(SlackSignatureVerifier.Compute(ExampleSecret, ExampleTimestamp, Encoding.UTF8.GetBytes(ExampleBody))));

    [Fact]
    public void Verify_WhenOneByteOfTheBodyChanges_IsMismatch() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(ExampleTime).Verify(ExampleTimestamp, ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody.Replace("roadrunner", "roadrunnex"))));

    [Fact]
    public void Verify_WithAnotherSecret_IsMismatch() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(ExampleTime, "another-secret").Verify(ExampleTimestamp, ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody)));

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    [InlineData(3600)]
    public void Verify_WhenTheTimestampIsMoreThanFiveMinutesOff_IsStale(int offsetSeconds) =>
        Assert.Equal(SignatureCheck.Stale, Verifier(ExampleTime.AddSeconds(offsetSeconds)).Verify(ExampleTimestamp, ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody)));

    [Theory]
    [InlineData(300)]
    [InlineData(-300)]
    public void Verify_AtTheEdgeOfTheWindow_IsStillValid(int offsetSeconds) =>
        Assert.Equal(SignatureCheck.Valid, Verifier(ExampleTime.AddSeconds(offsetSeconds)).Verify(ExampleTimestamp, ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody)));

    [Theory]
    [InlineData(null, ExampleSignature)]
    [InlineData(ExampleTimestamp, null)]
    [InlineData("", "")]
    public void Verify_WithoutHeaders_IsRefused(string? ts, string? sig) =>
        Assert.Equal(SignatureCheck.MissingHeaders, Verifier(ExampleTime).Verify(ts, sig, Encoding.UTF8.GetBytes(ExampleBody)));

    [Fact]
    public void Verify_WithANonNumericTimestamp_IsRefused() =>
        Assert.Equal(SignatureCheck.BadTimestamp, Verifier(ExampleTime).Verify("12ab", ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody)));

    [Fact]
    public void Verify_WithoutASigningSecret_RefusesEverything() =>
        Assert.Equal(SignatureCheck.NoSigningSecret, Verifier(ExampleTime, secret: null).Verify(ExampleTimestamp, ExampleSignature, Encoding.UTF8.GetBytes(ExampleBody)));

    private sealed class StaticOptions(SlackOptions value) : IOptionsMonitor<SlackOptions>
    {
        public SlackOptions CurrentValue => value;
        public SlackOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<SlackOptions, string?> listener) => null;
    }
}
