using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// <c>airtable check</c> and <c>airtable init</c>: how the bot would use the base as it is now, and the creation of what
/// it lacks. Both read only the schema (the metadata API), never the records, so a base of any size costs the same.
/// </summary>
public sealed class AirtableSchemaSetup(AirtableClient client, IOptionsMonitor<AirtableStoreOptions> options)
{
    /// <summary>The base read afresh: every field the bot uses, with its type, its use, and what is missing.</summary>
    public async Task<AirtableLayout> CheckAsync(CancellationToken ct = default) =>
        AirtableLayout.Resolve(options.CurrentValue, await client.GetSchemaAsync(ct).ConfigureAwait(false));

    /// <summary>Creates missing tables and fields; returns one line per thing created. A field that exists is never changed, whatever its type.</summary>
    public async Task<IReadOnlyList<string>> InitAsync(CancellationToken ct = default)
    {
        var done = new List<string>();
        var tables = new Dictionary<string, AirtableTableSchema>(StringComparer.Ordinal);
        foreach (var t in await client.GetSchemaAsync(ct).ConfigureAwait(false)) tables.TryAdd(t.Name, t);

        foreach (var table in AirtableSchema.Expected(options.CurrentValue))
        {
            var wanted = table.Fields.Where(f => !(f.Optional && string.IsNullOrEmpty(f.Name))).ToList();
            if (!tables.TryGetValue(table.Name, out var existing))
            {
                // A link to the table itself (a follow-up request to its first) needs the table's ID, so it comes after.
                var now = wanted.Where(f => f.LinkedTable != table.Name).ToList();
                existing = await client.CreateTableAsync(table.Name, now.Select(f => AirtableSchema.Definition(f, tables)).ToList(), ct).ConfigureAwait(false);
                tables[table.Name] = existing;
                done.Add($"Created table \"{table.Name}\" with fields {string.Join(", ", now.Select(f => $"\"{f.Name}\""))}.");
            }
            foreach (var field in wanted.Where(f => existing.Fields.All(have => have.Name != f.Name)))
            {
                await client.CreateFieldAsync(existing, AirtableSchema.Definition(field, tables), ct).ConfigureAwait(false);
                done.Add($"Created field \"{field.Name}\" in \"{table.Name}\" ({AirtableSchema.Describe(field)}).");
            }
        }
        return done;
    }
}
