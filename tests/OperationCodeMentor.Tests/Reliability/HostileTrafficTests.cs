using System.Net;
using System.Net.Http;
using System.Text;
using OperationCodeMentor.Features.RequestMentor;
using OperationCodeMentor.Features.Volunteer;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Reliability;

public class HostileTrafficTests
{
    [Fact]
    public async Task AThousandForgedReplayedOversizedAndMalformedRequests_StoreNothing_AndNeverAnswer5xx()
    {
        await using var bot = await MentorBot.StartAsync();
        var random = new Random(6);
        var statuses = new Dictionary<HttpStatusCode, int>();
        var validSubmission = SlackRequests.ViewSubmission(RequestModal.CallbackId, "UATTACKER",
            (RequestModal.ServiceBlock, new SlackRequests.Selected("Code Review")), (RequestModal.SkillsBlock, new[] { "Python" }),
            (RequestModal.DetailsBlock, "<!channel> this should never be stored or posted"), (RequestModal.AffiliationBlock, new SlackRequests.Selected("Veteran")));
        var enrol = SlackRequests.ViewSubmission(VolunteerModal.CallbackId, "UATTACKER", (VolunteerModal.SkillsBlock, new[] { "Python" }), (VolunteerModal.MaxMenteesBlock, 2));
        var form = SlackRequests.Form(("payload", validSubmission.ToJsonString()));

        HttpRequestMessage Hostile(int i) => (i % 10) switch
        {
            // Forged: signed with the wrong secret.
            0 => bot.Requests.Signed("/slack/interactions", form, "application/x-www-form-urlencoded", secret: "guessed-secret"),
            // Replayed: correctly signed, but six minutes to an hour old.
            1 => bot.Requests.Signed("/slack/interactions", SlackRequests.Form(("payload", enrol.ToJsonString())), "application/x-www-form-urlencoded",
                at: bot.Clock.GetUtcNow().AddSeconds(-random.Next(301, 3600))),
            // From the future.
            2 => bot.Requests.Signed("/slack/commands", SlackRequests.Form(("command", "/mentor-volunteer"), ("user_id", "UATTACKER"), ("text", "pause")),
                "application/x-www-form-urlencoded", at: bot.Clock.GetUtcNow().AddMinutes(10)),
            // Unsigned.
            3 => new HttpRequestMessage(HttpMethod.Post, "/slack/interactions") { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") },
            // Signature of a different body.
            4 => Tampered(bot.Requests.Signed("/slack/interactions", SlackRequests.Form(("payload", "{}")), "application/x-www-form-urlencoded"), form),
            // Oversized, correctly signed.
            5 => bot.Requests.Signed("/slack/events", "{\"type\":\"event_callback\",\"pad\":\"" + new string('a', 1024 * 1024 + random.Next(1, 1000)) + "\"}", "application/json"),
            // Malformed, correctly signed: broken JSON, wrong shapes, missing fields, unknown types.
            6 => bot.Requests.Signed("/slack/interactions", SlackRequests.Form(("payload", "{\"type\":\"view_submission\",\"user\":" + random.Next())), "application/x-www-form-urlencoded"),
            7 => bot.Requests.Signed("/slack/interactions", SlackRequests.Form(("payload", "{\"type\":\"view_submission\",\"user\":{\"id\":\"U1\"},\"view\":{\"state\":{\"values\":[]}}}")), "application/x-www-form-urlencoded"),
            8 => bot.Requests.Signed("/slack/events", random.Next(3) switch { 0 => "[]", 1 => "{\"type\":\"event_callback\"}", _ => "{\"type\":\"something_else\"}" }, "application/json"),
            _ => bot.Requests.Signed("/slack/commands", SlackRequests.Form(("text", "no command or user")), "application/x-www-form-urlencoded"),
        };

        for (var i = 0; i < 1000; i++)
        {
            using var request = Hostile(i);
            using var response = await bot.Http.SendAsync(request);
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
        }
        await bot.IdleAsync();

        Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500);
        Assert.Equal(500, statuses[HttpStatusCode.Unauthorized]);
        Assert.Equal(100, statuses[HttpStatusCode.RequestEntityTooLarge]);
        Assert.Equal(400, statuses[HttpStatusCode.BadRequest]);
        Assert.Null(await bot.Store.GetMentorAsync("UATTACKER"));
        Assert.Null(await bot.Store.RequestAsync("1001"));
        Assert.Empty(bot.Slack.Calls);
    }

    private static HttpRequestMessage Tampered(HttpRequestMessage signed, string otherBody)
    {
        var content = new StringContent(otherBody, Encoding.UTF8);
        content.Headers.ContentType = signed.Content!.Headers.ContentType;
        signed.Content = content;
        return signed;
    }
}
