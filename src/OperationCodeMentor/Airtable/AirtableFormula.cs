using System.Globalization;
using System.Text;

namespace OperationCodeMentor.Airtable;

/// <summary>
/// A <c>filterByFormula</c> expression. It can only be built from the factory methods below, which escape
/// every value, so user text (a Slack ID, a reference) can never change the shape of a query.
/// </summary>
public sealed class AirtableFormula
{
    private AirtableFormula(string text) => Text = text;

    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>A quoted string literal: backslash and quote are escaped, so the value stays one literal.</summary>
    public static string Literal(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\'': sb.Append(@"\'"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                default: sb.Append(ch); break;
            }
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>A field reference. Names with braces are refused: Airtable has no way to escape them inside <c>{}</c>.</summary>
    public static string Field(string name)
    {
        if (string.IsNullOrEmpty(name) || name.IndexOfAny(['{', '}']) >= 0)
            throw new ArgumentException($"An Airtable field name used in a formula cannot be empty or contain braces: '{name}'.", nameof(name));
        return "{" + name + "}";
    }

    /// <summary>Exact, case-sensitive equality of a text field and a value.</summary>
    public static AirtableFormula FieldEquals(string field, string value) => new($"{Field(field)}={Literal(value)}");

    /// <summary>A text field holding <paramref name="value"/>, whatever the case of either.</summary>
    public static AirtableFormula FieldEqualsIgnoringCase(string field, string value) =>
        new($"LOWER({Field(field)})={Literal(value.ToLowerInvariant())}");

    public static AirtableFormula FieldEquals(string field, long value) => new($"{Field(field)}={value.ToString(CultureInfo.InvariantCulture)}");

    public static AirtableFormula RecordIdIs(string recordId) => new($"RECORD_ID()={Literal(recordId)}");

    /// <summary>
    /// A date field at or before <paramref name="t"/>. Airtable's IS_BEFORE is strict and the bot writes times to the
    /// millisecond, so "at or before t" is "before the next millisecond". A blank field never matches.
    /// </summary>
    public static AirtableFormula AtOrBefore(string field, DateTimeOffset t) =>
        new($"IS_BEFORE({Field(field)},{Literal(AirtableRecord.FormatTime(FloorToMillisecond(t).AddMilliseconds(1)))})");

    /// <summary>A date field at or after <paramref name="t"/> (after the millisecond before it). A blank field never matches.</summary>
    public static AirtableFormula AtOrAfter(string field, DateTimeOffset t)
    {
        var floor = FloorToMillisecond(t);
        var ceiling = floor == t ? floor : floor.AddMilliseconds(1);
        return new($"IS_AFTER({Field(field)},{Literal(AirtableRecord.FormatTime(ceiling.AddMilliseconds(-1)))})");
    }

    private static DateTimeOffset FloorToMillisecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    /// <summary>Any of these records.</summary>
    public static AirtableFormula RecordIdIn(IEnumerable<string> recordIds) => Or(recordIds.Select(RecordIdIs).ToArray());

    public static AirtableFormula IsBlank(string field) => new($"{Field(field)}=BLANK()");

    public static AirtableFormula IsNotBlank(string field) => Not(IsBlank(field));

    public static AirtableFormula And(params AirtableFormula[] parts) => Combine("AND", parts);

    public static AirtableFormula Or(params AirtableFormula[] parts) => Combine("OR", parts);

    public static AirtableFormula Not(AirtableFormula part) => new($"NOT({part.Text})");

    private static AirtableFormula Combine(string fn, AirtableFormula[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException($"{fn} needs at least one part.", nameof(parts));
        return parts.Length == 1 ? parts[0] : new($"{fn}({string.Join(',', parts.Select(p => p.Text))})");
    }
}
