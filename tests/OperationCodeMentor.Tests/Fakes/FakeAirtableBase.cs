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

    public JsonObject ToJson(IReadOnlyCollection<string>? only = null)
    {
        var fields = new JsonObject();
        foreach (var (k, v) in Fields)
            if (only is null || only.Contains(k)) fields[k] = v?.DeepClone();
        return new JsonObject
        {
            ["id"] = Id,
            ["createdTime"] = CreatedTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["fields"] = fields,
        };
    }
}

public sealed class FakeTable(string id, string name, FakeAirtableBase owner)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public List<FakeField> Fields { get; } = [];
    public List<FakeRecord> Records { get; } = [];

    public FakeField? Field(string nameOrId) => Fields.FirstOrDefault(f => f.Id == nameOrId) ?? Fields.FirstOrDefault(f => f.Name == nameOrId);

    public FakeField AddField(string name, string type, JsonObject? options)
    {
        var field = new FakeField(owner.Owner.NewId("fld"), name, type, options ?? owner.DefaultOptions(type));
        Fields.Add(field);
        return field;
    }

    /// <summary>Adds a row directly, as a coordinator would in the Airtable UI: no validation, no rate limit.</summary>
    public FakeRecord Insert(JsonObject fields)
    {
        lock (owner.Owner.Gate)
        {
            var record = new FakeRecord(owner.Owner.NewId("rec"), owner.Owner.Clock.GetUtcNow());
            foreach (var (k, v) in fields)
                if (!FakeAirtable.IsEmpty(v)) record.Fields[k] = v!.DeepClone();
            Records.Add(record);
            return record;
        }
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
    };

    internal FakeAirtableBase Base => owner;
}
