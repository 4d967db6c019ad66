using System.Text.Json.Nodes;

namespace OperationCodeMentor.Airtable;

/// <summary>One row. Airtable leaves empty values (<c>""</c>, <c>[]</c>, <c>false</c>) out of <see cref="Fields"/>, so every field is optional.</summary>
public sealed record AirtableRecord(string Id, DateTimeOffset CreatedTime, JsonObject Fields)
{
    public string? Text(string field) =>
        Fields[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    public bool Flag(string field) => Fields[field] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public double? Number(string field) => Fields[field] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    /// <summary>How the bot writes a time: UTC, to the millisecond, the form Airtable answers with.</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public DateTimeOffset? Time(string field) =>
        Text(field) is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>The record IDs in a linked-record field (or the strings of any array field).</summary>
    public IReadOnlyList<string> Links(string field) =>
        Fields[field] is JsonArray a ? a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList() : [];
}

public enum SortDirection
{
    Asc,
    Desc,
}

public sealed record AirtableSort(string Field, SortDirection Direction = SortDirection.Asc);

/// <summary>What to list: the options of Airtable's list-records call.</summary>
public sealed record AirtableQuery
{
    public AirtableFormula? Filter { get; init; }

    /// <summary>Only these fields come back; null means all.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    public IReadOnlyList<AirtableSort>? Sort { get; init; }

    /// <summary>Stop after this many records in all, across pages.</summary>
    public int? MaxRecords { get; init; }

    /// <summary>Records per page, at most 100 (Airtable's default).</summary>
    public int? PageSize { get; init; }

    public string? View { get; init; }
}

public sealed record AirtableRecordUpdate(string Id, JsonObject Fields);

/// <summary>A table as the metadata API describes it.</summary>
public sealed record AirtableTableSchema(string Id, string Name, string? PrimaryFieldId, IReadOnlyList<AirtableFieldSchema> Fields)
{
    /// <summary>The names of the table's views.</summary>
    public IReadOnlyList<string> Views { get; init; } = [];
}

public sealed record AirtableFieldSchema(string Id, string Name, string Type, JsonObject? Options)
{
    /// <summary>The choices of a single or multiple select field.</summary>
    public IReadOnlyList<string> Choices =>
        Options?["choices"] is JsonArray a ? a.Select(c => c?["name"]?.GetValue<string>()).OfType<string>().ToList() : [];

    public string? LinkedTableId => Options?["linkedTableId"]?.GetValue<string>();
}
