using System.Globalization;
using System.Text.RegularExpressions;

namespace OperationCodeMentor.Mentorship;

/// <summary>The short reference people quote for a request, such as <c>R-1042</c>.</summary>
public static partial class RequestReference
{
    public static string Format(long number) => "R-" + number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads <c>R-1042</c>, <c>r1042</c> or <c>1042</c>.</summary>
    public static bool TryParse(string? text, out long number)
    {
        number = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = Pattern().Match(text.Trim());
        return m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    [GeneratedRegex(@"^(?:[Rr]-?)?(\d{1,12})$")]
    private static partial Regex Pattern();
}
