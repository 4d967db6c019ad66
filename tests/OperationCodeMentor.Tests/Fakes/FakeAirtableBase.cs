using System.Globalization;
using System.Text.Json.Nodes;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>One base held by <see cref="FakeAirtable"/>: its tables, and its rate-limit state.</summary>
public sealed class FakeAirtableBase(string id, FakeAirtable owner)
{
    public string Id { get; } = id;

    public List<FakeTable> Tables { get; } = [];

    internal readonly Queue<DateTimeOffset> Arrivals = new();
    internal DateTimeOffset PenaltyUntil = DateTimeOffset.MinValue;

    public FakeTable? Table(string nameOrId) => Tables.FirstOrDefault(t => t.Id == nameOrId) ?? Tables.FirstOrDefault(t => t.Name == nameOrId);

    /// <summary>Adds a table with fields given as (name, type); the first is the primary field.</summary>
    public FakeTable AddTable(string name, params (string Name, string Type)[] fields)
    {
        var table = new FakeTable(owner.NewId("tbl"), name, this);
        foreach (var (fieldName, type) in fields) table.AddField(fieldName, type, DefaultOptions(type));
        Tables.Add(table);
        return table;
    }

    internal JsonObject? DefaultOptions(string type) => type switch
    {
        "singleSelect" or "multipleSelects" => new JsonObject { ["choices"] = new JsonArray() },
        _ => null,
    };

    internal FakeAirtable Owner => owner;
}

public sealed class FakeField(string id, string name, string type, JsonObject? options)
{
    public string Id { get; } = id;
    public string Name { get; set; } = name;
    public string Type { get; } = type;
    public JsonObject? Options { get; } = options;

    public List<string> Choices =>
        Options?["choices"] is JsonArray a ? a.Select(c => c?["name"]?.GetValue<string>()).OfType<string>().ToList() : [];

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["id"] = Id, ["name"] = Name, ["type"] = Type };
        if (Options is not null) o["options"] = Options.DeepClone();
        return o;
    }
}

public sealed class FakeRecord(string id, DateTimeOffset createdTime)
{
    public string Id { get; } = id;
    public DateTimeOffset CreatedTime { get; } = createdTime;
    public JsonObject Fields { get; } = new();

    public string? Text(string field) => Fields[field]?.GetValue<string>();

    /// <summary>The stored fields only; <see cref="FakeTable.Json"/> adds the computed ones.</summary>
    public JsonObject ToJson(IReadOnlyCollection<string>? only = null)
    {
        var fields = new JsonObject();
        foreach (var (k, v) in Fields)
            if (only is null || only.Contains(k)) fields[k] = v?.DeepClone();
        return new JsonObject
        {
            ["id"] = Id,
            ["createdTime"] = Time(CreatedTime),
            ["fields"] = fields,
        };
    }

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// A table of the fake base. Like Airtable it computes its formula fields when they are read, numbers new rows in its
/// autonumber fields, stamps last-modified fields, and keeps both sides of a link: a row linking another shows up in
/// that row's inverse field, whether the link was written through the API or typed in.
/// </summary>
public sealed class FakeTable(string id, string name, FakeAirtableBase owner)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public List<FakeField> Fields { get; } = [];
    public List<FakeRecord> Records { get; } = [];

    /// <summary>Views by name, each with the formula that chooses its rows (null: every row).</summary>
    public Dictionary<string, string?> Views { get; } = new(StringComparer.Ordinal) { ["Grid view"] = null };

    public FakeField? Field(string nameOrId) => Fields.FirstOrDefault(f => f.Id == nameOrId) ?? Fields.FirstOrDefault(f => f.Name == nameOrId);

    public FakeField AddField(string name, string type, JsonObject? options)
    {
        var field = new FakeField(owner.Owner.NewId("fld"), name, type, options ?? owner.DefaultOptions(type));
        Fields.Add(field);
        return field;
    }

    /// <summary>A formula field, computed by <see cref="FakeAirtableFormula"/> each time it is read.</summary>
    public FakeField AddFormula(string name, string expression) =>
        AddField(name, "formula", new JsonObject { ["formula"] = expression, ["isValid"] = true, ["result"] = new JsonObject { ["type"] = "singleLineText" } });

    /// <summary>A link to <paramref name="target"/> and, there, its inverse field <paramref name="inverse"/>, as Airtable pairs them.</summary>
    public FakeField Link(string name, FakeTable target, string inverse)
    {
        var field = AddField(name, "multipleRecordLinks", new JsonObject { ["linkedTableId"] = target.Id, ["isReversed"] = false, ["prefersSingleRecordLink"] = false });
        var back = target.AddField(inverse, "multipleRecordLinks", new JsonObject { ["linkedTableId"] = Id, ["isReversed"] = false, ["prefersSingleRecordLink"] = false });
        field.Options!["inverseLinkFieldId"] = back.Id;
        back.Options!["inverseLinkFieldId"] = field.Id;
        return field;
    }

    /// <summary>Replaces a field by one of the same name and another type, as a coordinator converting it in the UI (values kept as they are).</summary>
    public FakeField Retype(string name, string type, JsonObject? options = null)
    {
        var i = Fields.FindIndex(f => f.Name == name);
        var field = new FakeField(Fields[i].Id, name, type, options ?? owner.DefaultOptions(type));
        Fields[i] = field;
        return field;
    }

    /// <summary>Adds a row directly, as a coordinator would in the Airtable UI: no validation, no rate limit.</summary>
    public FakeRecord Insert(JsonObject fields)
    {
        lock (owner.Owner.Gate)
        {
            var record = NewRecord();
            Write(record, fields, replace: true);
            return record;
        }
    }

    /// <summary>Changes a row directly, as a coordinator would in the Airtable UI.</summary>
    public void Update(FakeRecord record, JsonObject fields)
    {
        lock (owner.Owner.Gate) Write(record, fields, replace: false);
    }

    /// <summary>A new row, numbered in every autonumber field. Called under the fake's lock.</summary>
    internal FakeRecord NewRecord()
    {
        var record = new FakeRecord(owner.Owner.NewId("rec"), owner.Owner.Clock.GetUtcNow());
        foreach (var f in Fields.Where(f => f.Type == "autoNumber"))
            record.Fields[f.Name] = Records.Select(r => r.Fields[f.Name]?.GetValue<double>() ?? 0).DefaultIfEmpty(0).Max() + 1;
        Records.Add(record);
        return record;
    }

    private static readonly HashSet<string> ComputedTypes = ["autoNumber", "formula", "createdTime", "lastModifiedTime", "lastModifiedBy", "createdBy", "count", "rollup"];

    /// <summary>
    /// Writes fields as PATCH (or, with <paramref name="replace"/>, PUT) does: empty values are left out; then the links'
    /// inverse fields and the last-modified fields follow. Called under the fake's lock.
    /// </summary>
    internal void Write(FakeRecord record, JsonObject fields, bool replace)
    {
        var links = Fields.Where(f => f.Type == "multipleRecordLinks").ToList();
        var before = links.ToDictionary(f => f.Name, f => Ids(record.Fields[f.Name]));
        if (replace)
            foreach (var key in record.Fields.Select(p => p.Key).Where(k => Field(k) is not { } f || !ComputedTypes.Contains(f.Type)).ToList())
                record.Fields.Remove(key);
        foreach (var (k, v) in fields)
        {
            if (FakeAirtable.IsEmpty(v)) record.Fields.Remove(k);
            else record.Fields[k] = v!.DeepClone();
        }
        foreach (var link in links)
        {
            if (link.Options?["inverseLinkFieldId"]?.GetValue<string>() is not { } inverseId) continue;
            if (owner.Table(link.Options["linkedTableId"]!.GetValue<string>()) is not { } target || target.Field(inverseId) is not { } inverse) continue;
            var after = Ids(record.Fields[link.Name]);
            foreach (var gone in before[link.Name].Except(after)) target.Unlink(gone, inverse.Name, record.Id);
            foreach (var added in after.Except(before[link.Name])) target.AddLink(added, inverse.Name, record.Id);
        }
        var now = owner.Owner.Clock.GetUtcNow();
        foreach (var f in Fields.Where(f => f.Type == "lastModifiedTime")) record.Fields[f.Name] = FakeRecord.Time(now);
        foreach (var f in Fields.Where(f => f.Type == "lastModifiedBy"))
            record.Fields[f.Name] = new JsonObject { ["id"] = "usrFAKEapi00000001", ["email"] = "mentorship-bot@example.org", ["name"] = "Mentorship bot (API)" };
    }

    private void AddLink(string recordId, string field, string linked)
    {
        if (Records.FirstOrDefault(r => r.Id == recordId) is not { } r) return;
        var ids = Ids(r.Fields[field]);
        if (!ids.Contains(linked)) r.Fields[field] = new JsonArray([.. ids.Append(linked).Select(i => (JsonNode)JsonValue.Create(i))]);
    }

    private void Unlink(string recordId, string field, string linked)
    {
        if (Records.FirstOrDefault(r => r.Id == recordId) is not { } r) return;
        var ids = Ids(r.Fields[field]).Where(i => i != linked).ToList();
        if (ids.Count == 0) r.Fields.Remove(field);
        else r.Fields[field] = new JsonArray([.. ids.Select(i => (JsonNode)JsonValue.Create(i))]);
    }

    private static List<string> Ids(JsonNode? v) => v is JsonArray a ? a.Select(n => n?.GetValue<string>()).OfType<string>().ToList() : [];

    /// <summary>A field's value as the API answers it: stored, or computed for a formula (null when empty).</summary>
    public JsonNode? Value(FakeRecord r, string field)
    {
        if (Field(field) is not { Type: "formula" } f) return r.Fields[field]?.DeepClone();
        return FakeAirtableFormula.Parse(f.Options!["formula"]!.GetValue<string>()).Evaluate(name => FormulaValue(r, name), r.Id) switch
        {
            null => null,
            string text when text.Length == 0 => null,
            string text => text,
            double d => d,
            bool b => b ? 1 : 0,
            var other => other.ToString(),
        };
    }

    /// <summary>A field's value as a formula sees it: links become the linked rows' primary values, formulas are computed.</summary>
    internal object? FormulaValue(FakeRecord r, string name)
    {
        var field = Field(name);
        var v = field?.Type == "formula" ? Value(r, name) : r.Fields[name];
        if (field is null || v is null) return null;
        if (v is JsonArray a)
        {
            if (field.Type == "multipleRecordLinks" && field.Options?["linkedTableId"]?.GetValue<string>() is { } linked && owner.Table(linked) is { } target)
            {
                var primary = target.Fields.FirstOrDefault()?.Name ?? "";
                return string.Join(", ", a.Select(id => target.Records.FirstOrDefault(x => x.Id == id?.GetValue<string>()) is { } row
                    ? target.FormulaValue(row, primary)?.ToString() : null).OfType<string>());
            }
            return string.Join(", ", a.Select(x => x?.ToString()));
        }
        if (v is not JsonValue value) return v.ToJsonString();
        if (value.TryGetValue<bool>(out var b)) return b;
        if (value.TryGetValue<double>(out var d)) return d;
        return value.ToString();
    }

    /// <summary>A record as the API answers it, computed fields included; <paramref name="only"/> limits the fields.</summary>
    public JsonObject Json(FakeRecord r, IReadOnlyCollection<string>? only = null)
    {
        var json = r.ToJson(only);
        var fields = json["fields"]!.AsObject();
        foreach (var f in Fields.Where(f => f.Type == "formula" && (only is null || only.Contains(f.Name))))
            if (Value(r, f.Name) is { } v) fields[f.Name] = v;
        return json;
    }

    public FakeRecord? Find(string field, string value)
    {
        lock (owner.Owner.Gate) return Records.FirstOrDefault(r => r.Fields[field] is JsonValue v && v.TryGetValue<string>(out var s) && s == value);
    }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["name"] = Name,
        ["primaryFieldId"] = Fields.FirstOrDefault()?.Id,
        ["fields"] = new JsonArray(Fields.Select(f => (JsonNode)f.ToJson()).ToArray()),
        ["views"] = new JsonArray(Views.Keys.Select((v, i) => (JsonNode)new JsonObject { ["id"] = $"viw{Id}{i}", ["name"] = v, ["type"] = "grid" }).ToArray()),
    };

    internal FakeAirtableBase Base => owner;
}
