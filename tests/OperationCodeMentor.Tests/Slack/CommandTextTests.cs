using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Tests.Slack;

public class CommandTextTests
{
    [Theory]
    [InlineData("<@U123ABC|mentor.one>", "U123ABC")]
    [InlineData("<@U123ABC>", "U123ABC")]
    [InlineData("<@W0ENTERPRISE|someone with spaces>", "W0ENTERPRISE")]
    [InlineData("U123ABC", "U123ABC")]
    public void TryUser_ReadsMentionsAndMemberIds(string token, string expected)
    {
        Assert.True(CommandText.TryUser(token, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("@mentor.one")]
    [InlineData("<#C123|general>")]
    [InlineData("<@U123ABC|a> extra")]
    [InlineData("u123abc")]
    [InlineData("")]
    public void TryUser_RefusesWhatIsNotAPerson(string token) => Assert.False(CommandText.TryUser(token, out _));

    [Theory]
    [InlineData("dup of <@U1ABC|bob> in <#C1|help>", "dup of @bob in #help")]
    [InlineData("see <https://example.org|the docs> &amp; <https://x.org>", "see the docs & https://x.org")]
    [InlineData("a &lt; b &gt; c <!channel>", "a < b > c @channel")]
    public void Plain_TurnsSlackMarkupBackIntoWhatWasTyped(string text, string expected) =>
        Assert.Equal(expected, CommandText.Plain(text));

    [Fact]
    public void Verb_SplitsTheFirstWordLowerCased() =>
        Assert.Equal(("close", "R-1 a reason"), CommandText.Verb("  CLOSE   R-1 a reason "));
}
