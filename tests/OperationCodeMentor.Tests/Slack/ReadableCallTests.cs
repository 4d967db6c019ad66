using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Tests.Slack;

public class ReadableCallTests
{
    [Theory]
    [InlineData("<@U123> and <@U456|sam>", "@U123 and @sam")]
    [InlineData("<!here> <!channel> <!subteam^S0MENTORS>", "@here @channel @S0MENTORS")]
    [InlineData("see <https://operationcode.org|our site> or <https://example.org>", "see our site (https://operationcode.org) or https://example.org")]
    [InlineData("in <#C0GENERAL|general> and <#C0OTHER>", "in #general and #C0OTHER")]
    [InlineData("&lt;!channel&gt; &amp; friends", "<!channel> & friends")]
    public void Plain_ShowsMrkdwnAsSlackDisplaysIt(string mrkdwn, string shown) => Assert.Equal(shown, ReadableCall.Plain(mrkdwn));
}
