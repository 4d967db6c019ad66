using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The base's layout, read from its schema once (at start-up) and kept: a field's type decides how every later read
/// and write of it is shaped, and asking Airtable for the schema per operation would cost a request each time. A
/// coordinator who changes a field's type restarts the bot, which checks the base again.
/// </summary>
public sealed class AirtableLayoutSource(AirtableClient client, IOptionsMonitor<AirtableStoreOptions> options)
{
    private readonly object _gate = new();
    private Task<AirtableLayout>? _loading;

    public Task<AirtableLayout> GetAsync(CancellationToken ct = default)
    {
        Task<AirtableLayout> loading;
        lock (_gate)
        {
            // A read that failed (Airtable unreachable at start-up) is tried again by the next caller.
            if (_loading is null || _loading.IsFaulted || _loading.IsCanceled) _loading = LoadAsync();
            loading = _loading;
        }
        return loading.WaitAsync(ct);
    }

    private async Task<AirtableLayout> LoadAsync()
    {
        await Task.Yield();
        return AirtableLayout.Resolve(options.CurrentValue, await client.GetSchemaAsync().ConfigureAwait(false));
    }
}
