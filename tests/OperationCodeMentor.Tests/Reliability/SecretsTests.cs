using System.Net;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Reliability;

public class SecretsTests
{
    [Fact]
    public async Task TokensAndTheSigningSecret_NeverAppearInLogsErrorsOrAnswers()
    {
        await using var bot = await MentorBot.StartAsync();
        var answers = new List<string>();
        async Task Send(System.Net.Http.HttpRequestMessage r) => answers.Add(await (await bot.SendAsync(r)).Content.ReadAsStringAsync());

        // Slack refusing the token, failing, and rate limiting; forged and malformed requests; a handler failure.
        bot.Slack.ErrorNext("views.open", "invalid_auth");
        await Send(bot.Requests.Command("/mentor", "UMENTEE1", responseUrl: bot.Slack.ResponseUrl()));
        bot.Slack.ErrorNext("chat.postMessage", "not_in_channel");
        await Send(bot.Requests.Interaction(SlackRequests.ViewSubmission(RequestModal.CallbackId, "UMENTEE2",
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "Please help me with my resume."), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")))));
        await Send(bot.Requests.Signed("/slack/commands", "command=%2Fmentor&user_id=U1", "application/x-www-form-urlencoded", secret: "wrong"));
        await Send(bot.Requests.Signed("/slack/interactions", "payload=%7B", "application/x-www-form-urlencoded"));
        answers.Add(await bot.Http.GetStringAsync("/healthz").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : ""));

        Assert.NotEmpty(bot.Logs.Entries);
        foreach (var secret in new[] { FakeSlack.BotToken, MentorBot.SigningSecret, "test-token" })
        {
            foreach (var e in bot.Logs.Entries)
            {
                Assert.DoesNotContain(secret, e.Message);
                Assert.DoesNotContain(secret, e.Exception?.ToString() ?? "");
                Assert.All(e.Scopes.Values, v => Assert.DoesNotContain(secret, v ?? ""));
            }
            Assert.All(answers, a => Assert.DoesNotContain(secret, a));
            Assert.All(bot.Slack.CallsTo("response_url"), c => Assert.DoesNotContain(secret, c.Body.ToJsonString()));
        }
        // The failures were logged, just without the secrets.
        Assert.Contains(bot.Logs.Entries, e => e.Message.Contains("invalid_auth"));
        Assert.Contains(bot.Logs.Entries, e => e.Message.Contains("not_in_channel"));
    }
}
