using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>One line of <c>airtable check</c>'s table.</summary>
/// <param name="Found">The field's type in the base; "—" when the base lacks it.</param>
/// <param name="Use">How the bot reads and writes it, in the type found.</param>
/// <param name="Missing">What keeps the bot from using it, empty when nothing does.</param>
public sealed record AirtableCheckRow(string Table, string Field, string Found, string Use, string Missing);

/// <summary>One table as the bot will use it: each field with its codec, the view it is read through, its Valid field.</summary>
public sealed class TableLayout(string name, IReadOnlyDictionary<string, AirtableFieldCodec> fields, string? view, string? valid)
{
    public string Name { get; } = name;

    /// <summary>The view the table is read through; null for the whole table.</summary>
    public string? View { get; } = view;

    /// <summary>The field whose "valid" rows alone are used; null when the table has none.</summary>
    public string? Valid { get; } = valid;

    public IReadOnlyDictionary<string, AirtableFieldCodec> Fields { get; } = fields;

    private AirtableFieldCodec? Codec(string field) => string.IsNullOrEmpty(field) ? null : Fields.GetValueOrDefault(field);

    // A field the base lacks has no codec: it is read and written as the bot has it, as before the base was checked.

    public double? Number(AirtableRecord r, string field) => Codec(field) is NumberCodec c ? c.Read(r) : r.Number(field);

    public bool Flag(AirtableRecord r, string field) => !string.IsNullOrEmpty(field) && (Codec(field) is FlagCodec c ? c.Read(r) : r.Flag(field));

    public IReadOnlyList<string> Choices(AirtableRecord r, string field, LookupSnapshot s) => Codec(field) is ChoiceCodec c ? c.Read(r, s) : r.Links(field);

    /// <summary>The Slack ID of the person the field names; null when it names nobody the bot knows.</summary>
    public string? Person(AirtableRecord r, string field, LookupSnapshot s) =>
        string.IsNullOrEmpty(field) ? null : Codec(field) is PersonCodec c ? c.Read(r, s) : r.Text(field);

    public string? RecordLink(AirtableRecord r, string field) => Codec(field) is RecordLinkCodec c ? c.Read(r) : r.Links(field).FirstOrDefault();

    /// <summary>
    /// The bot's fields put into the base's types; <c>Typecast</c> when a select must gain an option. Every write of the
    /// table goes through here, so no feature needs to know what the base holds.
    /// </summary>
    public (JsonObject Fields, bool Typecast) Encode(JsonObject fields, LookupSnapshot s)
    {
        var write = new FieldWrite(s);
        var encoded = new JsonObject();
        foreach (var (name, value) in fields)
            encoded[name] = Codec(name) is { } codec ? codec.Write(value, write) : value?.DeepClone();
        return (encoded, write.Typecast);
    }

    /// <summary>The query read through the table's view and without its invalid rows, in the same request.</summary>
    public AirtableQuery Scope(AirtableQuery query)
    {
        var filter = Valid is null ? query.Filter
            : query.Filter is null ? IsValidFormula(Valid) : AirtableFormula.And(IsValidFormula(Valid), query.Filter);
        return query with { View = View ?? query.View, Filter = filter };
    }

    /// <summary>Whether the row's Valid field says "valid" (or the table has no Valid field).</summary>
    public bool IsValid(AirtableRecord r) => Valid is null || string.Equals(r.Text(Valid)?.Trim(), ValidWord, StringComparison.OrdinalIgnoreCase);

    private const string ValidWord = "valid";

    private static AirtableFormula IsValidFormula(string field) => AirtableFormula.FieldEqualsIgnoringCase(field, ValidWord);
}

/// <summary>
/// The base as the bot will use it, resolved once from its schema: for each field the bot uses, the codec that fits the
/// type the base has (an <see cref="AirtableFieldCodec"/>), or a problem saying why none does; and the table
/// <c>airtable check</c> prints. A field of a type that can carry what the bot keeps is used as it is, so a base
/// coordinators already run needs no field changed.
/// </summary>
public sealed class AirtableLayout
{
    /// <summary>Types whose text the bot can write and read as it is.</summary>
    private static readonly HashSet<string> TextTypes = ["singleLineText", "multilineText", "richText"];

    /// <summary>Types Airtable computes: the bot can read them but never write them.</summary>
    private static readonly HashSet<string> Computed =
        ["formula", "rollup", "multipleLookupValues", "count", "autoNumber", "createdTime", "lastModifiedTime", "createdBy", "lastModifiedBy", "button"];

    private readonly Dictionary<string, TableLayout> _tables;

    private AirtableLayout(Dictionary<string, TableLayout> tables, IReadOnlyList<SchemaProblem> problems, IReadOnlyList<AirtableCheckRow> rows)
    {
        _tables = tables;
        Problems = problems;
        Rows = rows;
    }

    public IReadOnlyList<SchemaProblem> Problems { get; }

    public IReadOnlyList<AirtableCheckRow> Rows { get; }

    public TableLayout Mentors => _tables["Tables:Mentors"];
    public TableLayout Requests => _tables["Tables:Requests"];
    public TableLayout Skillsets => _tables["Tables:Skillsets"];
    public TableLayout Services => _tables["Tables:Services"];
    public TableLayout Affiliations => _tables["Tables:Affiliations"];

    public static AirtableLayout Resolve(AirtableStoreOptions o, IReadOnlyList<AirtableTableSchema> schema)
    {
        var byName = schema.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var r = new Resolution(o, byName, schema.ToDictionary(t => t.Id, t => t.Name, StringComparer.Ordinal));
        var tables = new Dictionary<string, TableLayout>(StringComparer.Ordinal);
        foreach (var table in AirtableSchema.Expected(o))
            tables[table.Key] = r.Table(table, byName.GetValueOrDefault(table.Name));
        return new AirtableLayout(tables, r.Problems, r.Rows);
    }

    private sealed class Resolution(AirtableStoreOptions o, IReadOnlyDictionary<string, AirtableTableSchema> byName, IReadOnlyDictionary<string, string> namesById)
    {
        public List<SchemaProblem> Problems { get; } = [];

        public List<AirtableCheckRow> Rows { get; } = [];

        private readonly Dictionary<string, Func<LookupSnapshot, OptionTable>> _options = new(StringComparer.Ordinal)
        {
            [o.Tables.Skillsets] = s => s.Skillsets,
            [o.Tables.Services] = s => s.Services,
            [o.Tables.Affiliations] = s => s.Affiliations,
        };

        public TableLayout Table(ExpectedTable table, AirtableTableSchema? found)
        {
            if (found is null)
            {
                Problems.Add(new($"Table \"{table.Name}\" is missing (Airtable:{table.Key}).", Creatable: true));
                Rows.Add(new(table.Name, "(the table)", "—", "", "missing: `airtable init` creates it with every field the bot uses"));
                return new TableLayout(table.Name, new Dictionary<string, AirtableFieldCodec>(), null, null);
            }
            var codecs = new Dictionary<string, AirtableFieldCodec>(StringComparer.Ordinal);
            foreach (var field in table.Fields)
            {
                if (string.IsNullOrEmpty(field.Name))
                {
                    Rows.Add(new(table.Name, "—", "—", $"not written: Airtable:{field.Key} is empty", ""));
                    continue;
                }
                var have = found.Fields.FirstOrDefault(f => f.Name == field.Name);
                if (have is null)
                {
                    Problems.Add(new($"Table \"{table.Name}\" lacks field \"{field.Name}\" ({AirtableSchema.Describe(field)}; Airtable:{field.Key}).", Creatable: true));
                    Rows.Add(new(table.Name, field.Name, "—", "", $"missing: `airtable init` adds it ({AirtableSchema.Describe(field)})"));
                    continue;
                }
                var (codec, why) = Fit(field, have);
                if (codec is null)
                {
                    Problems.Add(new($"Table \"{table.Name}\", field \"{field.Name}\": it is {Article(Label(have))}{why}; the bot can use {Accepted(field)}. " +
                        $"Change the field in Airtable, or point Airtable:{field.Key} at a field that fits." +
                        (field.Optional ? $" Or set Airtable:{field.Key} empty, and the bot leaves Pybot's field alone." : ""), Creatable: false));
                    Rows.Add(new(table.Name, field.Name, Label(have), "", "cannot be used: see below"));
                    continue;
                }
                codecs[field.Name] = codec;
                Rows.Add(new(table.Name, field.Name, Label(have), codec.Use, ""));
            }
            return new TableLayout(table.Name, codecs, View(table, found), Valid(table, found));
        }

        private string? View(ExpectedTable table, AirtableTableSchema found)
        {
            if (table.View is not { Name: { Length: > 0 } view } v) return null;
            if (found.Views.Contains(view, StringComparer.Ordinal))
            {
                Rows.Add(new(table.Name, $"view \"{view}\"", "view", "read through this view", ""));
                return view;
            }
            Problems.Add(new($"Table \"{table.Name}\" has no view \"{view}\" (Airtable:{v.Key}). Create it in Airtable, or set Airtable:{v.Key} to one of: " +
                $"{string.Join(", ", found.Views.Select(x => $"\"{x}\""))}, or empty to read the whole table.", Creatable: false));
            Rows.Add(new(table.Name, $"view \"{view}\"", "—", "", "missing: no such view"));
            return null;
        }

        private string? Valid(ExpectedTable table, AirtableTableSchema found)
        {
            if (table.Valid is not { Name: { Length: > 0 } name } v) return null;
            var have = found.Fields.FirstOrDefault(f => f.Name == name);
            if (have is null)
            {
                Rows.Add(new(table.Name, name, "—", "no such field: every row is used", ""));
                return null;
            }
            if (have.Type is "formula" or "singleSelect" || TextTypes.Contains(have.Type))
            {
                Rows.Add(new(table.Name, name, Label(have), "rows whose value is not \"valid\" are left out", ""));
                return name;
            }
            Problems.Add(new($"Table \"{table.Name}\", field \"{name}\": it is {Article(Label(have))} field; the bot reads it for the words \"valid\" and \"invalid\", " +
                $"so it can use a formula, a single select or text. Change the field, or set Airtable:{v.Key} to another field or to empty to use every row.", Creatable: false));
            Rows.Add(new(table.Name, name, Label(have), "", "cannot be used: see below"));
            return null;
        }

        /// <summary>The codec for a field of the kind in the type found, or why that type cannot carry it.</summary>
        private (AirtableFieldCodec? Codec, string Why) Fit(ExpectedField f, AirtableFieldSchema have)
        {
            var type = have.Type;
            if (Computed.Contains(type) && !(f.ReadOnly && type == "formula"))
                return (null, " field, which Airtable computes, so the bot cannot write it");
            var text = TextTypes.Contains(type);
            switch (f.Kind)
            {
                case AirtableFieldKind.Text or AirtableFieldKind.LongText when text || type == "formula":
                    return (new PlainCodec(have, f.ReadOnly ? "text: the name offered in the forms" : "text"), "");
                case AirtableFieldKind.Status when type == "singleSelect":
                    var missing = AirtableSchema.Statuses.Where(s => !have.Choices.Contains(s, StringComparer.Ordinal)).ToList();
                    if (missing.Count > 0)
                        return (null, $" field lacking the option{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.Select(s => $"\"{s}\""))} (add {(missing.Count == 1 ? "it" : "them")} in Airtable)");
                    return (new PlainCodec(have, $"single select: writes {string.Join(", ", AirtableSchema.Statuses)}"), "");
                case AirtableFieldKind.Status when type == "singleLineText":
                    return (new PlainCodec(have, $"text: writes {string.Join(", ", AirtableSchema.Statuses)}"), "");
                case AirtableFieldKind.Number when type == "number" || text:
                    return (new NumberCodec(have, asText: text), "");
                case AirtableFieldKind.Flag when type == "checkbox" || text:
                    return (new FlagCodec(have, choices: null), "");
                case AirtableFieldKind.Flag when type == "singleSelect":
                    return (new FlagCodec(have, have.Choices), "");
                case AirtableFieldKind.Time when type == "dateTime":
                    return (new PlainCodec(have, "date and time (UTC, to the millisecond)"), "");
                case AirtableFieldKind.Time when type == "date":
                    return (new DateCodec(have), "");
                case AirtableFieldKind.Choice when type == "multipleRecordLinks":
                    return LinksTo(f, have) ?? (new ChoiceCodec(have, f.LinkedTable!, _options[f.LinkedTable!], f.Multiple), "");
                case AirtableFieldKind.Choice when type == "singleSelect" && f.Multiple:
                    return (null, " field, which holds one option, and the bot keeps several here");
                case AirtableFieldKind.Choice when type is "singleSelect" or "multipleSelects" || text:
                    return (new ChoiceCodec(have, f.LinkedTable!, _options[f.LinkedTable!], f.Multiple), "");
                case AirtableFieldKind.Person when type == "multipleRecordLinks":
                    return LinksTo(f, have) ?? (new PersonCodec(have, f.LinkedTable!, o.Fields.Mentors.SlackUserId, o.Fields.Mentors.Name), "");
                case AirtableFieldKind.Person when text:
                    return (new PersonCodec(have, f.LinkedTable!, o.Fields.Mentors.SlackUserId, o.Fields.Mentors.Name), "");
                case AirtableFieldKind.Link when type == "multipleRecordLinks":
                    return LinksTo(f, have) ?? (new RecordLinkCodec(have, f.LinkedTable!), "");
                case AirtableFieldKind.Link when text:
                    return (new RecordLinkCodec(have, f.LinkedTable!), "");
                default:
                    return (null, " field");
            }
        }

        /// <summary>Null when the link goes to the table the bot needs; otherwise why it cannot be used.</summary>
        private (AirtableFieldCodec?, string)? LinksTo(ExpectedField f, AirtableFieldSchema have)
        {
            var target = have.LinkedTableId is { } id ? namesById.GetValueOrDefault(id) : null;
            if (target == f.LinkedTable) return null;
            // Until the table it needs exists (airtable init creates it), the link cannot be judged.
            if (!byName.ContainsKey(f.LinkedTable!)) return null;
            // The type's label names the table it links to.
            return (null, " field");
        }

        private static string Accepted(ExpectedField f) => f.Kind switch
        {
            AirtableFieldKind.Text or AirtableFieldKind.LongText => f.ReadOnly ? "single line text, long text, rich text or a formula" : "single line text, long text or rich text",
            AirtableFieldKind.Number => "a number, or text holding a number",
            AirtableFieldKind.Flag => "a checkbox, or a single select or text holding True/False, Yes/No or Active/Inactive",
            AirtableFieldKind.Time => "a date and time, or a date",
            AirtableFieldKind.Status => $"a single select with the options {string.Join(", ", AirtableSchema.Statuses)}, or single line text",
            AirtableFieldKind.Choice => $"a link to \"{f.LinkedTable}\", {(f.Multiple ? "" : "a single select, ")}a multiple select, or text",
            AirtableFieldKind.Person => $"a link to \"{f.LinkedTable}\", or text (a name, or a Slack ID when the field's name says ID)",
            AirtableFieldKind.Link => $"a link to \"{f.LinkedTable}\", or text holding the record ID",
            _ => f.Kind.ToString(),
        };

        private string Label(AirtableFieldSchema f) => f.Type == "multipleRecordLinks" && f.LinkedTableId is { } id && namesById.TryGetValue(id, out var to)
            ? $"link to {to}"
            : Labels.GetValueOrDefault(f.Type, f.Type);
    }

    private static string Article(string label) => ("aeio".Contains(label[0], StringComparison.Ordinal) ? "an " : "a ") + label;

    /// <summary>Airtable's names for its types, as coordinators see them in the base.</summary>
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["singleLineText"] = "single line text",
        ["multilineText"] = "long text",
        ["richText"] = "rich text",
        ["number"] = "number",
        ["checkbox"] = "checkbox",
        ["singleSelect"] = "single select",
        ["multipleSelects"] = "multiple select",
        ["multipleRecordLinks"] = "link",
        ["date"] = "date",
        ["dateTime"] = "date and time",
        ["formula"] = "formula",
        ["autoNumber"] = "autonumber",
        ["email"] = "email",
        ["url"] = "URL",
        ["phoneNumber"] = "phone number",
        ["currency"] = "currency",
        ["percent"] = "percent",
        ["duration"] = "duration",
        ["rating"] = "rating",
        ["rollup"] = "rollup",
        ["multipleLookupValues"] = "lookup",
        ["count"] = "count",
        ["createdTime"] = "created time",
        ["lastModifiedTime"] = "last modified time",
        ["createdBy"] = "created by",
        ["lastModifiedBy"] = "last modified by",
        ["multipleAttachments"] = "attachment",
        ["singleCollaborator"] = "user",
        ["multipleCollaborators"] = "users",
    };
}
