using System.Text.Json.Nodes;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// Where the store's own shapes (numbers, true/false, ISO times, option names, Slack IDs) meet the base's types: every
/// write of mentors and of the fields of requests that the base may hold in another type goes out through here, put
/// into the types <see cref="AirtableLayout"/> found at start-up.
/// </summary>
public sealed partial class AirtableMentorshipStore
{
    private async Task<AirtableRecord> UpsertAsync(TableLayout table, LookupSnapshot s, JsonObject fields, IReadOnlyList<string> mergeOn, CancellationToken ct)
    {
        var (encoded, typecast) = table.Encode(fields, s);
        return (await client.UpsertAsync(table.Name, [encoded], mergeOn, typecast, ct).ConfigureAwait(false)).Single();
    }

    private async Task<IReadOnlyList<AirtableRecord>> UpdateAsync(TableLayout table, LookupSnapshot s, IReadOnlyList<AirtableRecordUpdate> updates, CancellationToken ct)
    {
        var encoded = updates.Select(u => (u.Id, Write: table.Encode(u.Fields, s))).ToList();
        return await client.UpdateAsync(table.Name, encoded.Select(e => new AirtableRecordUpdate(e.Id, e.Write.Fields)).ToList(),
            typecast: encoded.Any(e => e.Write.Typecast), ct: ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The names still offered in <paramref name="table"/>; any other goes to <paramref name="unlinked"/>. A name read
    /// from a request holding two options ("Veteran, Military Spouse") is written back as those two.
    /// </summary>
    private static JsonArray OfferedKeeping(OptionTable table, IEnumerable<string> names, string field, List<string> unlinked)
    {
        var offered = new JsonArray();
        foreach (var name in names)
        {
            var parts = name.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (table.IsOffered(name)) offered.Add(name);
            else if (parts.Length > 1 && parts.All(table.IsOffered)) foreach (var part in parts) offered.Add(part);
            else unlinked.Add($"{field}: {name}");
        }
        return offered;
    }
}
