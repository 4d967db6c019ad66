using System.Text;

namespace OperationCodeMentor.Slack;

/// <summary>Makes user-typed text safe to place in mrkdwn, and keeps text inside Block Kit limits.</summary>
public static class Mrkdwn
{
    /// <summary>
    /// Escapes <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> so that text such as <c>&lt;!channel&gt;</c> or
    /// <c>&lt;@U123&gt;</c> shows literally and pings nobody; strips control characters other than newline and tab.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '\n' or '\t': sb.Append(c); break;
                case '\r': break;
                default:
                    if (!char.IsControl(c)) sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Escapes, then cuts to at most <paramref name="max"/> characters without splitting an entity.</summary>
    public static string EscapeAndTruncate(string? text, int max) => Truncate(Escape(text), max);

    /// <summary>
    /// Cuts already-safe mrkdwn to at most <paramref name="max"/> characters, ending with an ellipsis when cut,
    /// and never in the middle of an <c>&amp;…;</c> entity or a surrogate pair.
    /// </summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max) return text;
        var cut = Math.Max(0, max - 1);
        var amp = text.LastIndexOf('&', cut > 0 ? cut - 1 : 0, Math.Min(cut, 6));
        if (amp >= 0 && text.IndexOf(';', amp) >= cut) cut = amp;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1])) cut--;
        return text[..cut] + "…";
    }

    /// <summary>
    /// Someone's own words as a block quote: escaped, cut to <paramref name="max"/>, each line quoted on its own, so the
    /// quote ends where their words end (<c>&gt;&gt;&gt;</c> would also swallow whatever the bot writes after it).
    /// </summary>
    public static string Quote(string? text, int max) =>
        string.Join("\n", EscapeAndTruncate(text, max).ReplaceLineEndings("\n").Split('\n').Select(line => "> " + line));

    public static string User(string userId) => $"<@{userId}>";

    public static string Users(IEnumerable<string> userIds) => string.Join(" ", userIds.Select(User));
}
