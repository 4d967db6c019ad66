using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using OperationCodeMentor.Features.Shared;
using OperationCodeMentor.Reliability;
using OperationCodeMentor.Slack;
using OperationCodeMentor.Tests.Fakes;

namespace OperationCodeMentor.Tests.Features;

/// <summary>
/// Intents noted ahead (<see cref="Outbox.Intend"/>): each is on disk before its message goes out, whether a store change
/// carried it or not, and a message intended in this attempt is neither looked for nor recorded twice.
/// </summary>
public sealed class OutboxTests : IAsyncLifetime
{
    private FakeSlack _slack = null!;
    private SlackApiClient _client = null!;
    private readonly List<string> _events = [];
    // Before the stand-in's first message (its ts start in 2023), so a read-back looks at all of them.
    private readonly DateTimeOffset _created = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);

    public async Task InitializeAsync()
    {
        _slack = await FakeSlack.StartAsync();
        _client = new SlackApiClient(new HttpClient(), FakeAirtableHarness.Monitor(new SlackOptions { BotToken = FakeSlack.BotToken, ApiBaseUrl = _slack.ApiUrl }),
            NullLogger<SlackApiClient>.Instance, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _slack.DisposeAsync();

    private Job _job = null!;

    private Outbox NewOutbox(Dictionary<string, string?> sent)
    {
        _job = new Job(1, "test", "test:1", "lane", null, null, new JsonObject(), new JsonObject(), 0, _created, _created);
        return new(_client, _job, sent, _ =>
        {
            // What was on disk at each write, in order with the messages sent; a write replaces the job's progress, as the
            // queue's does.
            _events.Add("write " + string.Join(",", sent.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value ?? "intent"}")));
            WriteProgress();
            return Task.CompletedTask;
        });
    }

    /// <summary>The work writes its progress (the way a store change carrying it does): a new progress object.</summary>
    private void WriteProgress() => _job.Progress = new JsonObject { ["sent"] = _events.Count };

    [Fact]
    public async Task AnIntentNoWriteCarried_IsWrittenBeforeItsMessage_Once()
    {
        var sent = new Dictionary<string, string?>(StringComparer.Ordinal);
        var outbox = NewOutbox(sent);
        outbox.Intend("a");
        outbox.Intend("b");

        await outbox.DmAsync("a", "UMENTEE01", "first");
        await outbox.DmAsync("b", "UMENTEE01", "second");

        // One write, holding both intents, before either message; no look back at the conversation.
        Assert.Equal(["write a=intent,b=intent"], _events);
        Assert.Equal(2, _slack.CallsTo("chat.postMessage").Count);
        Assert.Empty(_slack.CallsTo("conversations.history"));
        Assert.True(outbox.HasSent("a") && outbox.HasSent("b"));
    }

    [Fact]
    public async Task AnIntentTheWorkWrote_IsNotWrittenAgain_AndAReplayLooksBeforePosting()
    {
        var sent = new Dictionary<string, string?>(StringComparer.Ordinal);
        var outbox = NewOutbox(sent);
        outbox.Intend("a");
        WriteProgress();

        await outbox.DmAsync("a", "UMENTEE01", "first");

        Assert.Empty(_events);
        Assert.Single(_slack.CallsTo("chat.postMessage"));

        // A replay of work whose intent is on disk but whose answer was not: it reads the conversation back and finds it.
        var replay = NewOutbox(new Dictionary<string, string?>(StringComparer.Ordinal) { ["a"] = null });
        replay.Intend("a");
        await replay.DmAsync("a", "UMENTEE01", "first");
        Assert.Single(_slack.CallsTo("chat.postMessage"));
        Assert.NotEmpty(_slack.CallsTo("conversations.history"));
    }
}
