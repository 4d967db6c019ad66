using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>One write being put into the base's types; <see cref="Typecast"/> is set when Airtable must add a select option.</summary>
public sealed class FieldWrite(LookupSnapshot lookups)
{
    public LookupSnapshot Lookups { get; } = lookups;

    public bool Typecast { get; set; }
}

/// <summary>
/// How one field of the base carries what the bot keeps in it. The store speaks its own shapes (text, numbers,
/// true/false, ISO times, option names, Slack IDs, record IDs); a codec turns them into the field's Airtable type
/// and, for the kinds whose reading differs, back.
/// </summary>
public abstract class AirtableFieldCodec(AirtableFieldSchema schema)
{
    public string Name => schema.Name;

    public string Type => schema.Type;

    /// <summary>How the bot uses the field, as <c>airtable check</c> shows it.</summary>
    public abstract string Use { get; }

    /// <summary>The value to send for the bot's <paramref name="value"/> (null clears the field).</summary>
    public virtual JsonNode? Write(JsonNode? value, FieldWrite write) => value?.DeepClone();

    protected static IReadOnlyList<string> Strings(JsonNode? value) => value switch
    {
        JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList(),
        JsonValue v when v.TryGetValue<string>(out var one) => [one],
        _ => [],
    };
}

/// <summary>Text, a status, a number in a number field, a time in a date-and-time field: sent and read as the bot has them.</summary>
public sealed class PlainCodec(AirtableFieldSchema schema, string use) : AirtableFieldCodec(schema)
{
    public override string Use => use;
}

/// <summary>A time in a date field: Airtable keeps the day only, so the bot sends the UTC day.</summary>
public sealed class DateCodec(AirtableFieldSchema schema) : AirtableFieldCodec(schema)
{
    public override string Use => "date: writes the day (UTC); the time of day is not kept";

    public override JsonNode? Write(JsonNode? value, FieldWrite write) =>
        value is JsonValue v && v.TryGetValue<string>(out var text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;
}

/// <summary>A number, in a number field or as digits in a text field.</summary>
public sealed class NumberCodec(AirtableFieldSchema schema, bool asText) : AirtableFieldCodec(schema)
{
    public override string Use => asText ? "text: writes the number in digits" : "number";

    public double? Read(AirtableRecord r) => r.Fields[Name] switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    public override JsonNode? Write(JsonNode? value, FieldWrite write) =>
        asText && value is JsonValue v && AsNumber(v) is { } d ? d.ToString(CultureInfo.InvariantCulture) : value?.DeepClone();

    // The store builds its values from ints and longs as well as doubles; JSON read from Airtable answers to any.
    private static double? AsNumber(JsonValue v) =>
        v.TryGetValue<double>(out var d) ? d : v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : null;
}

/// <summary>Yes or no: a checkbox, or a single select or text holding one of the words True/False, Yes/No, Active/Inactive.</summary>
public sealed class FlagCodec : AirtableFieldCodec
{
    private static readonly (string Yes, string No)[] Words = [("True", "False"), ("Yes", "No"), ("Active", "Inactive")];

    private readonly IReadOnlyList<string>? _choices;
    private readonly string _yes;
    private readonly string _no;

    /// <param name="choices">A single select's options; null for a checkbox or text.</param>
    public FlagCodec(AirtableFieldSchema schema, IReadOnlyList<string>? choices) : base(schema)
    {
        _choices = choices;
        // A select speaks the words it already offers, in their casing; one it lacks is added on the first write.
        _yes = Offered(choices, w => w.Yes) ?? "True";
        _no = Offered(choices, w => w.No) ?? "False";
    }

    public override string Use => Type switch
    {
        "checkbox" => "checkbox",
        "singleSelect" => $"single select: writes \"{_yes}\" or \"{_no}\"{(Lacks(_yes) || Lacks(_no) ? " (an option it lacks is added)" : "")}",
        _ => $"text: writes \"{_yes}\" or \"{_no}\"",
    } + (Type == "checkbox" ? "" : "; reads True/Yes/Active as yes, in any case");

    public bool Read(AirtableRecord r) => r.Fields[Name] switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => Words.Any(w => string.Equals(w.Yes, s.Trim(), StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    public override JsonNode? Write(JsonNode? value, FieldWrite write)
    {
        if (value is null) return null;
        var yes = value is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        if (Type == "checkbox") return yes;
        var word = yes ? _yes : _no;
        if (Lacks(word)) write.Typecast = true;
        return word;
    }

    private bool Lacks(string word) => _choices is not null && !_choices.Contains(word, StringComparer.Ordinal);

    private static string? Offered(IReadOnlyList<string>? choices, Func<(string Yes, string No), string> pick) =>
        choices?.FirstOrDefault(c => Words.Any(w => string.Equals(pick(w), c.Trim(), StringComparison.OrdinalIgnoreCase)));
}

/// <summary>
/// Names from an option table (skills, a service, an affiliation): links to the table's rows, select options, or text.
/// The bot hands it names; which ones are still offered is the store's to decide before it writes.
/// </summary>
public sealed class ChoiceCodec(AirtableFieldSchema schema, string optionTable, Func<LookupSnapshot, OptionTable> options, bool multiple)
    : AirtableFieldCodec(schema)
{
    public override string Use => Type switch
    {
        "multipleRecordLinks" => $"link to {optionTable}: writes the chosen rows",
        "singleSelect" => "single select: writes the option's name (one it lacks is added)",
        "multipleSelects" => "multiple select: writes the options' names (any it lacks are added)",
        _ => multiple ? "text: writes the names, separated by commas" : "text: writes the name",
    };

    public IReadOnlyList<string> Read(AirtableRecord r, LookupSnapshot s)
    {
        switch (Type)
        {
            case "multipleRecordLinks":
                var table = options(s);
                return r.Links(Name).Select(id => table.NameOf(id) ?? id).ToList();
            case "multipleSelects":
                return r.Links(Name);
            default:
                if (r.Text(Name)?.Trim() is not { Length: > 0 } text) return [];
                // A name may itself hold a comma; only text that is not one name is read as a list.
                if (!multiple || options(s).IsOffered(text)) return [text];
                return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }

    public override JsonNode? Write(JsonNode? value, FieldWrite write)
    {
        var names = Strings(value);
        switch (Type)
        {
            case "multipleRecordLinks":
                var table = options(write.Lookups);
                return new JsonArray(names.Select(table.IdOf).OfType<string>().Select(id => (JsonNode)JsonValue.Create(id)).ToArray());
            case "multipleSelects":
                if (names.Any(Lacks)) write.Typecast = true;
                return new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)).ToArray());
            case "singleSelect":
                if (names.Count == 0) return null;
                if (Lacks(names[0])) write.Typecast = true;
                return names[0];
            default:
                return names.Count == 0 ? null : string.Join(", ", names);
        }
    }

    private readonly IReadOnlyList<string> _choices = schema.Choices;

    private bool Lacks(string option) => !_choices.Contains(option, StringComparer.Ordinal);
}

/// <summary>
/// Someone the bot knows by Slack ID (who claimed, who released): a link to their mentor record, or text holding their
/// Slack ID or their name. The bot never creates a mentor for a link: someone who is not one leaves it empty, and the
/// bot's own Slack ID fields still say who.
/// </summary>
public sealed class PersonCodec(AirtableFieldSchema schema, string mentorsTable, string slackIdField, string nameField) : AirtableFieldCodec(schema)
{
    /// <summary>Text whose field name says it holds an ID (Slack ID, User Id) gets the Slack ID; other text, the name.</summary>
    private readonly bool _holdsId = schema.Type != "multipleRecordLinks" && Regex.IsMatch(schema.Name, @"\bID\b", RegexOptions.IgnoreCase);

    public override string Use => Type == "multipleRecordLinks"
        ? $"link to {mentorsTable}: writes the mentor's record (empty for someone who is not a mentor)"
        : _holdsId ? "text: writes the Slack ID" : "text: writes the mentor's name (the Slack ID for someone who is not a mentor)";

    public string? Read(AirtableRecord r, LookupSnapshot s)
    {
        if (Type == "multipleRecordLinks")
            return r.Links(Name).Select(id => s.Mentors.FirstOrDefault(m => m.Id == id)?.Text(slackIdField)).FirstOrDefault(id => id is not null);
        if (_holdsId) return r.Text(Name);
        return r.Text(Name) is { } name ? s.Mentors.FirstOrDefault(m => m.Text(nameField) == name)?.Text(slackIdField) : null;
    }

    public override JsonNode? Write(JsonNode? value, FieldWrite write)
    {
        if (Strings(value) is not [var slackId, ..]) return null;
        var mentor = write.Lookups.Mentors.FirstOrDefault(m => string.Equals(m.Text(slackIdField), slackId, StringComparison.Ordinal));
        if (Type == "multipleRecordLinks") return mentor is null ? new JsonArray() : new JsonArray(mentor.Id);
        return _holdsId ? slackId : mentor?.Text(nameField) ?? slackId;
    }
}

/// <summary>Another row (the request a follow-up follows): a link, or text holding the row's record ID.</summary>
public sealed class RecordLinkCodec(AirtableFieldSchema schema, string table) : AirtableFieldCodec(schema)
{
    public override string Use => Type == "multipleRecordLinks" ? $"link to {table}: writes the request it follows" : "text: writes the record ID of the request it follows";

    public string? Read(AirtableRecord r) => Type == "multipleRecordLinks" ? r.Links(Name).FirstOrDefault() : r.Text(Name);

    public override JsonNode? Write(JsonNode? value, FieldWrite write)
    {
        var ids = Strings(value);
        if (Type == "multipleRecordLinks") return new JsonArray(ids.Select(id => (JsonNode)JsonValue.Create(id)).ToArray());
        return ids.Count == 0 ? null : ids[0];
    }
}
