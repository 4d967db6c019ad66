using System.Text;
using System.Text.RegularExpressions;

namespace OperationCodeMentor.Slack;

/// <summary>
/// Reads what people type after a slash command. Slack sends a picked user as <c>&lt;@U123|name&gt;</c> (for a
/// command with <c>should_escape</c>), links as <c>&lt;url|label&gt;</c>, and always escapes <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>.
/// </summary>
public static partial class CommandText
{
    /// <summary>Splits off the first word (lower-cased) from the rest of the text.</summary>
    public static (string Verb, string Remainder) Verb(string text)
    {
        var trimmed = text.Trim();
        var space = trimmed.IndexOfAny([' ', '\t', '\n']);
        return space < 0
            ? (trimmed.ToLowerInvariant(), "")
            : (trimmed[..space].ToLowerInvariant(), trimmed[(space + 1)..].Trim());
    }

    /// <summary>A user from <c>&lt;@U123|name&gt;</c>, <c>&lt;@U123&gt;</c> or a bare member ID such as <c>U123ABC</c>.</summary>
    public static bool TryUser(string? token, out string userId)
    {
        userId = "";
        if (string.IsNullOrWhiteSpace(token)) return false;
        var m = UserMention().Match(token.Trim());
        if (m.Success)
        {
            userId = m.Groups[1].Value;
            return true;
        }
        var bare = token.Trim();
        if (!Mentorship.SlackIds.IsUserId(bare)) return false;
        userId = bare;
        return true;
    }

    /// <summary>
    /// What the person meant, as plain text: mentions become <c>@name</c>, links their label, and Slack's escapes are
    /// undone. Escape it again with <see cref="Mrkdwn.Escape"/> before it goes back into a message.
    /// </summary>
    public static string Plain(string text)
    {
        var sb = new StringBuilder();
        var last = 0;
        foreach (Match m in Markup().Matches(text))
        {
            sb.Append(text, last, m.Index - last);
            var inner = m.Groups[1].Value;
            var bar = inner.IndexOf('|', StringComparison.Ordinal);
            var label = bar >= 0 ? inner[(bar + 1)..] : null;
            var target = bar >= 0 ? inner[..bar] : inner;
            sb.Append(target[0] switch
            {
                '@' => "@" + (label ?? target[1..]),
                '#' => "#" + (label ?? target[1..]),
                '!' => label ?? "@" + target[1..],
                _ => label ?? target,
            });
            last = m.Index + m.Length;
        }
        sb.Append(text, last, text.Length - last);
        return sb.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&").ToString().Trim();
    }

    [GeneratedRegex(@"^<@([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>$")]
    private static partial Regex UserMention();

    [GeneratedRegex(@"<([^<>]+)>")]
    private static partial Regex Markup();
}
