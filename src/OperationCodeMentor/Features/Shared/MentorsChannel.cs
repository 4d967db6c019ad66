using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Slack;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// Finds the ID of the mentors channel. <c>Slack:MentorsChannel</c> may be an ID, used as is, or a name,
/// looked up once with conversations.list and remembered.
/// </summary>
public sealed partial class MentorsChannel(SlackApiClient slack, IOptionsMonitor<SlackOptions> options)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private string? _resolved;

    public async Task<string> GetIdAsync(CancellationToken ct)
    {
        if (_resolved is not null) return _resolved;
        var configured = options.CurrentValue.MentorsChannel.Trim().TrimStart('#');
        if (ChannelId().IsMatch(configured) || slack.IsOffline) return _resolved = configured;

        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_resolved is not null) return _resolved;
            var channels = await slack.ListConversationsAsync("public_channel,private_channel", ct).ConfigureAwait(false);
            var match = channels.FirstOrDefault(c => string.Equals(c["name"]?.ToString(), configured, StringComparison.OrdinalIgnoreCase));
            var id = match?["id"]?.ToString();
            return _resolved = id ?? throw new SlackApiException("conversations.list", "channel_not_found",
                $"no channel named '{configured}' is visible to the bot; invite the bot to it or set Slack:MentorsChannel to the channel ID");
        }
        finally
        {
            _lock.Release();
        }
    }

    [GeneratedRegex("^[CGD][A-Z0-9]{6,}$")]
    private static partial Regex ChannelId();
}
