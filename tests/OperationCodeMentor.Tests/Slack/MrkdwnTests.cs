using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Tests.Slack;

public class MrkdwnTests
{
    [Theory]
    [InlineData("<!channel> help", "&lt;!channel&gt; help")]
    [InlineData("ping <@U123> and <!here>", "ping &lt;@U123&gt; and &lt;!here&gt;")]
    [InlineData("<!subteam^S123>", "&lt;!subteam^S123&gt;")]
    [InlineData("a & b", "a &amp; b")]
    [InlineData("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;")]
    public void Escape_ControlSequences_CannotPingOrLink(string input, string expected) =>
        Assert.Equal(expected, Mrkdwn.Escape(input));

    [Fact]
    public void Escape_StripsControlCharactersButKeepsLines() =>
        Assert.Equal("line1\nline2\tx", Mrkdwn.Escape("line1\r\nline2\t\u0000\u0007x"));

    [Fact]
    public void Truncate_NeverCutsAnEntityInHalf()
    {
        var text = Mrkdwn.Escape(new string('a', 8) + "<b");
        var cut = Mrkdwn.Truncate(text, 11);
        Assert.True(cut.Length <= 11);
        Assert.DoesNotContain("&l…", cut);
        Assert.EndsWith("…", cut);
    }

    [Fact]
    public void Truncate_LeavesShortTextAlone() => Assert.Equal("short", Mrkdwn.Truncate("short", 10));
}
