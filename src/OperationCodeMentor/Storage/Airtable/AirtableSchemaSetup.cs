using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary><c>airtable check</c> and <c>airtable init</c>: compare the base with <see cref="AirtableSchema"/>, and create what is missing.</summary>
public sealed class AirtableSchemaSetup(AirtableClient client, IOptionsMonitor<AirtableStoreOptions> options)
{
    public async Task<IReadOnlyList<SchemaProblem>> CheckAsync(CancellationToken ct = default) =>
        AirtableSchema.Compare(AirtableSchema.Expected(options.CurrentValue), await client.GetSchemaAsync(ct).ConfigureAwait(false));

    /// <summary>Creates missing tables and fields; returns one line per thing created. Fields of the wrong kind are left alone.</summary>
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

/// <summary>
/// Start-up gate when Airtable is the store: a base that lacks what the bot writes would fail on the first
/// request from a mentee, so the bot refuses to start instead, naming every missing table and field. Then it
/// warms the caches, so the first modal opened costs nothing.
/// </summary>
public sealed partial class AirtableStartup(IServiceProvider services, IOptions<AirtableOptions> airtable, ILogger<AirtableStartup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!airtable.Value.IsConfigured) return;
        var problems = await services.GetRequiredService<AirtableSchemaSetup>().CheckAsync(cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
            throw new InvalidOperationException(AirtableCli.Report(airtable.Value.BaseId!, problems));
        await services.GetRequiredService<AirtableMentorshipStore>().WarmUpAsync(cancellationToken).ConfigureAwait(false);
        LogReady(log, airtable.Value.BaseId!);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Storing in Airtable base {BaseId}: schema checked, caches loaded")]
    private static partial void LogReady(ILogger log, string baseId);
}
