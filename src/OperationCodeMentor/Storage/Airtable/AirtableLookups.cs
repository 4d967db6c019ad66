using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The rows of an option table (Skillsets, Services, Affiliations) in the order Airtable lists them. A row the base marks
/// invalid is never offered nor linked, but a request that already links it still shows its name.
/// </summary>
public sealed class OptionTable(IReadOnlyList<(string Id, string Name, bool Valid)> rows)
{
    public IReadOnlyList<string> Names { get; } = rows.Where(r => r.Valid).Select(r => r.Name).ToList();

    public string? IdOf(string name) => rows.FirstOrDefault(r => r.Valid && r.Name == name).Id;

    public string? NameOf(string id) => rows.FirstOrDefault(r => r.Id == id).Name;

    public bool IsOffered(string name) => IdOf(name) is not null;
}

/// <summary>
/// What the store keeps in memory. <see cref="Requests"/> holds the requests waiting for a mentor or held by one, and
/// every request made since <see cref="RequestsSince"/>: enough to count each mentor's claims and to check a mentee's
/// request limits without a read.
/// </summary>
public sealed record LookupSnapshot(OptionTable Skillsets, OptionTable Services, OptionTable Affiliations, IReadOnlyList<AirtableRecord> Mentors,
    DateTimeOffset LoadedAt, IReadOnlyList<AirtableRecord> Requests)
{
    /// <summary>How the base holds each field, read once at start-up.</summary>
    public required AirtableLayout Layout { get; init; }

    public DateTimeOffset RequestsSince => LoadedAt - AirtableLookups.RecentRequests;
}

/// <summary>
/// Mentors, the option tables, and the open, claimed and recent requests, held in memory so that opening a modal costs
/// no Airtable request and a submission only what it must write. Once older than <c>Airtable:CacheTtl</c> the next
/// reader triggers a refresh in the background and keeps getting the current copy meanwhile. Records this process
/// writes are applied at once, and survive a refresh that was already reading when they were written.
/// </summary>
public sealed partial class AirtableLookups(
    AirtableClient client,
    AirtableLayoutSource layouts,
    IOptionsMonitor<AirtableStoreOptions> options,
    TimeProvider clock,
    ILogger<AirtableLookups> log)
{
    /// <summary>After a failed refresh, readers keep the old copy and the next attempt waits this long.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far back the copy of requests reaches: the request limits look back 30 days, and a copy up to a cache
    /// lifetime old must still cover that.
    /// </summary>
    public static readonly TimeSpan RecentRequests = TimeSpan.FromDays(31);

    private readonly object _gate = new();
    private readonly Dictionary<string, (AirtableRecord Record, long Seq, bool IsRequest)> _written = new(StringComparer.Ordinal);
    private LookupSnapshot? _snapshot;
    private Task<LookupSnapshot>? _loading;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private long _seq;

    /// <summary>The refresh in flight, if any (tests wait on it).</summary>
    internal Task? Refreshing
    {
        get { lock (_gate) return _loading; }
    }

    public async Task<LookupSnapshot> GetAsync(CancellationToken ct = default)
    {
        Task<LookupSnapshot> first;
        lock (_gate)
        {
            if (_snapshot is { } current)
            {
                var now = clock.GetUtcNow();
                if (_loading is null && now - current.LoadedAt >= options.CurrentValue.CacheTtl && now >= _nextAttempt)
                    _loading = RefreshInBackgroundAsync();
                return current;
            }
            first = _loading ??= LoadAsync();
        }
        return await first.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Reloads now and waits for it (start-up, and tests).</summary>
    public async Task<LookupSnapshot> ReloadAsync(CancellationToken ct = default)
    {
        Task<LookupSnapshot> loading;
        lock (_gate) loading = _loading ??= LoadAsync();
        return await loading.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Puts a mentor record this process has just written into the cached copy.</summary>
    public void Remember(AirtableRecord mentor)
    {
        lock (_gate)
        {
            _written[mentor.Id] = (mentor, ++_seq, false);
            if (_snapshot is { } s) _snapshot = s with { Mentors = Overlay(s.Mentors, [mentor]) };
        }
    }

    /// <summary>Puts request records this process has just written (every field, as Airtable answered) into the cached copy.</summary>
    public void RememberRequests(IReadOnlyList<AirtableRecord> requests)
    {
        if (requests.Count == 0) return;
        lock (_gate)
        {
            foreach (var r in requests) _written[r.Id] = (r, ++_seq, true);
            if (_snapshot is { } s) _snapshot = s with { Requests = Overlay(s.Requests, requests) };
        }
    }

    private async Task<LookupSnapshot> LoadAsync()
    {
        // Run the rest outside the caller's lock, so _loading is set before this can finish.
        await Task.Yield();
        try
        {
            long startSeq;
            lock (_gate) startSeq = _seq;
            var o = options.CurrentValue;
            var layout = await layouts.GetAsync().ConfigureAwait(false);
            var skillsets = ReadOptionsAsync(layout.Skillsets, o.Fields.Skillsets.Name);
            var services = ReadOptionsAsync(layout.Services, o.Fields.Services.Name);
            var affiliations = ReadOptionsAsync(layout.Affiliations, o.Fields.Affiliations.Name);
            var mentors = client.ListAsync(o.Tables.Mentors, layout.Mentors.Scope(new AirtableQuery()));
            var now = clock.GetUtcNow();
            var r = o.Fields.Requests;
            var requests = client.ListAsync(o.Tables.Requests, new AirtableQuery
            {
                Filter = AirtableFormula.Or(
                    AirtableFormula.FieldEquals(r.Status, AirtableMentorshipStore.StatusText(Mentorship.RequestStatus.Open)),
                    AirtableFormula.FieldEquals(r.Status, AirtableMentorshipStore.StatusText(Mentorship.RequestStatus.Claimed)),
                    AirtableFormula.AtOrAfter(r.RequestedAt, now - RecentRequests)),
            });
            var loaded = new LookupSnapshot(await skillsets.ConfigureAwait(false), await services.ConfigureAwait(false),
                await affiliations.ConfigureAwait(false), await mentors.ConfigureAwait(false), now, await requests.ConfigureAwait(false)) { Layout = layout };
            lock (_gate)
            {
                // Writes that began after this read started may be missing from it: lay them over the fresh copy.
                var newer = _written.Where(w => w.Value.Seq > startSeq).Select(w => w.Value).ToList();
                foreach (var stale in _written.Where(w => w.Value.Seq <= startSeq).Select(w => w.Key).ToList()) _written.Remove(stale);
                _snapshot = loaded with
                {
                    Mentors = Overlay(loaded.Mentors, newer.Where(w => !w.IsRequest).Select(w => w.Record).ToList()),
                    Requests = Overlay(loaded.Requests, newer.Where(w => w.IsRequest).Select(w => w.Record).ToList()),
                };
                _loading = null;
                return _snapshot;
            }
        }
        catch
        {
            lock (_gate)
            {
                _loading = null;
                _nextAttempt = clock.GetUtcNow() + RetryAfterFailure;
            }
            throw;
        }
    }

    private async Task<LookupSnapshot> RefreshInBackgroundAsync()
    {
        try
        {
            return await LoadAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogRefreshFailed(log, e);
            lock (_gate) return _snapshot!;
        }
    }

    /// <summary>
    /// The whole table in one read, invalid rows too, filtered here rather than by formula: their names are still needed
    /// for requests that link them. A view, when configured, decides alone.
    /// </summary>
    private async Task<OptionTable> ReadOptionsAsync(TableLayout table, string nameField)
    {
        var records = await client.ListAsync(table.Name, new AirtableQuery
        {
            Fields = table.Valid is { } valid ? [nameField, valid] : [nameField],
            View = table.View,
        }).ConfigureAwait(false);
        return new OptionTable(records
            .Select(r => (r.Id, Name: r.Text(nameField), Valid: table.IsValid(r)))
            .Where(r => r.Name is not null)
            .Select(r => (r.Id, r.Name!, r.Valid)).ToList());
    }

    private static List<AirtableRecord> Overlay(IReadOnlyList<AirtableRecord> records, IReadOnlyList<AirtableRecord> written)
    {
        var list = records.ToList();
        foreach (var w in written)
        {
            var i = list.FindIndex(m => m.Id == w.Id);
            if (i >= 0) list[i] = w;
            else list.Add(w);
        }
        return list;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh mentors, option lists and open requests from Airtable; serving the copy in memory")]
    private static partial void LogRefreshFailed(ILogger log, Exception e);
}
