using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OperationCodeMentor.Airtable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Airtable;

/// <summary>
/// The store for a base the coordinators already run from Airtable.
/// <list type="bullet">
/// <item>Mentors, the option tables and the open, claimed and recent requests come from <see cref="AirtableLookups"/>:
/// a modal costs no request, and a /mentor submission one read (the request limits, checked on current data) and one
/// write (the request, numbered and posted before it is written, so it is written once with where its card is).</item>
/// <item>Airtable has no conditional write, so every change that SQLite makes with a conditional UPDATE (claim,
/// release, assign, reassign, close, reopen, session done, feedback, and the follow-up steps with their version
/// check) is serialised per request in this process: re-read the record, write only while the condition still
/// holds. That is only sound with one running instance of the bot, which the README says.</item>
/// <item>What SQLite's phase trigger does (a claim, release or close starts the new phase's follow-up ladder) is
/// written in the same update as the change itself (<see cref="StartPhase"/>).</item>
/// <item>References (R-1001, …) have no sequence in Airtable: the first request after start-up reads the highest
/// existing one (and any a pending submission reserved before a restart), then numbers are handed out under an
/// in-process lock (one instance again).</item>
/// <item>New requests and mentors are written as upserts keyed on fields the bot chose before writing (a request's
/// submission key when it has one, else its reference and mentee), so a retry after an answer that was lost (a 5xx
/// or timeout after Airtable saved) updates the same row instead of adding one.</item>
/// </list>
/// </summary>
public sealed partial class AirtableMentorshipStore(
    AirtableClient client,
    AirtableLookups lookups,
    IOptionsMonitor<AirtableStoreOptions> options,
    IOptionsMonitor<MentorshipOptions> mentorship,
    IEnumerable<IReservedRequestNumbers> reserved,
    ILogger<AirtableMentorshipStore> log) : IMentorshipStore
{
    private const long FirstRequestNumber = 1001;

    private readonly KeyedLock _requestLocks = new();
    private readonly SemaphoreSlim _referenceGate = new(1, 1);
    private readonly RecentSubmissions _submissions = new();
    private long? _lastReference;

    private AirtableTableNames Tables => options.CurrentValue.Tables;
    private MentorFieldNames MF => options.CurrentValue.Fields.Mentors;
    private RequestFieldNames RF => options.CurrentValue.Fields.Requests;

    /// <summary>Loads the caches and the reference counter, so the first people to use the bot pay for neither.</summary>
    public async Task WarmUpAsync(CancellationToken ct = default)
    {
        await lookups.ReloadAsync(ct).ConfigureAwait(false);
        await _referenceGate.WaitAsync(ct).ConfigureAwait(false);
        try { _lastReference ??= await HighestReferenceAsync(ct).ConfigureAwait(false); }
        finally { _referenceGate.Release(); }
    }

    public async Task<OptionLists> GetOptionListsAsync(CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        return new OptionLists(s.Services.Names, s.Skillsets.Names, s.Affiliations.Names);
    }

    public async Task<Mentor?> GetMentorAsync(string slackUserId, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        return FindMentor(s, slackUserId) is { } r ? ToMentor(r, s) : null;
    }

    public async Task<Mentor> SaveMentorAsync(MentorProfile p, DateTimeOffset now, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var f = MF;
        var fields = new JsonObject
        {
            [f.SlackUserId] = p.SlackUserId,
            [f.Skills] = Links(s.Skillsets, p.Skills, f.Skills),
            [f.Bio] = p.Bio,
            [f.MaxMentees] = p.MaxMentees,
            [f.TimeZone] = p.TimeZone,
            [f.Active] = true,
        };
        // A profile without a name keeps the one already there.
        if (p.Name is not null) fields[f.Name] = p.Name;
        var saved = (await client.UpsertAsync(Tables.Mentors, [fields], [f.SlackUserId], ct: ct).ConfigureAwait(false)).Single();
        lookups.Remember(saved);
        return ToMentor(saved, s);
    }

    public async Task<Mentor?> SetMentorPausedAsync(string slackUserId, bool paused, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var record = FindMentor(s, slackUserId) ?? await ReadMentorAsync(slackUserId, ct).ConfigureAwait(false);
        if (record is null) return null;
        var saved = (await client.UpdateAsync(Tables.Mentors, [new AirtableRecordUpdate(record.Id, new JsonObject { [MF.Paused] = paused })], ct: ct).ConfigureAwait(false)).Single();
        lookups.Remember(saved);
        return ToMentor(saved, s);
    }

    /// <summary>
    /// From the copy in memory, which every claim and release this process makes updates at once: choosing whom a card
    /// mentions costs no read. A claim made in Airtable by hand counts from the next refresh.
    /// </summary>
    public async Task<IReadOnlyList<MentorLoad>> GetMentorLoadsAsync(CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var counts = s.Requests
            .Where(r => r.Text(RF.Status) == StatusText(RequestStatus.Claimed))
            .Select(r => r.Text(RF.ClaimedBySlackId)).OfType<string>()
            .GroupBy(id => id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return s.Mentors
            .Where(m => m.Text(MF.SlackUserId) is not null)
            .Select(m => ToMentor(m, s))
            .Select(m => new MentorLoad(m, counts.GetValueOrDefault(m.SlackUserId)))
            .ToList();
    }

    /// <summary>A claim checks the mentor's capacity on current data: one read of the requests they hold.</summary>
    public async Task<MentorLoad?> GetMentorLoadAsync(string slackUserId, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var record = FindMentor(s, slackUserId);
        if (record is null) return null;
        var held = await client.ListAsync(Tables.Requests, new AirtableQuery
        {
            Filter = AirtableFormula.And(
                AirtableFormula.FieldEquals(RF.Status, StatusText(RequestStatus.Claimed)),
                AirtableFormula.FieldEquals(RF.ClaimedBySlackId, slackUserId)),
            Fields = [RF.ClaimedBySlackId],
        }, ct).ConfigureAwait(false);
        return new MentorLoad(ToMentor(record, s), held.Count(r => r.Text(RF.ClaimedBySlackId) == slackUserId));
    }

    public Task<MentorRequest> CreateRequestAsync(NewMentorRequest n, CancellationToken ct = default) => CreateAsync(n, followUpOf: null, ct);

    /// <summary>
    /// Writes a new open request, due for follow-up planning at once. With a submission key, a repeat in this process
    /// hands back the first request as it stands (never rewriting it), and a repeat after a restart lands on the same
    /// row, because the upsert merges on the key.
    /// </summary>
    private async Task<MentorRequest> CreateAsync(NewMentorRequest n, string? followUpOf, CancellationToken ct)
    {
        using var held = n.SubmissionKey is { } key ? await _requestLocks.LockAsync("submission:" + key, ct).ConfigureAwait(false) : null;
        if (n.SubmissionKey is { } repeat && _submissions.Find(repeat) is { } firstId && await GetRequestAsync(firstId, ct).ConfigureAwait(false) is { } first)
            return first;

        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var f = RF;
        // A choice removed from Airtable's lists after the form was sent cannot be linked. The request is kept anyway
        // (its card may already be in the channel), with what could not be linked written into its details.
        var unlinked = new List<string>();
        var fields = new JsonObject
        {
            [f.MenteeSlackId] = n.MenteeSlackId,
            [f.MenteeName] = n.MenteeName,
            [f.Service] = LinksKeeping(s.Services, [n.Service], f.Service, unlinked),
            [f.Skills] = LinksKeeping(s.Skillsets, n.Skills, f.Skills, unlinked),
            [f.Affiliation] = LinksKeeping(s.Affiliations, [n.Affiliation], f.Affiliation, unlinked),
            [f.Status] = StatusText(RequestStatus.Open),
            [f.RequestedAt] = Iso(n.CreatedAt),
            [f.NextActionAt] = Iso(DateTimeOffset.UnixEpoch),
        };
        fields[f.Details] = unlinked.Count == 0 ? n.Details
            : n.Details + $"\n\n(Also chosen, but no longer in the lists so not linked: {string.Join("; ", unlinked)}.)";
        if (unlinked.Count > 0) LogUnlinked(log, n.SubmissionKey ?? n.MenteeSlackId, string.Join("; ", unlinked));
        if (n.SubmissionKey is not null) fields[f.SubmissionKey] = n.SubmissionKey;
        if (followUpOf is not null) fields[f.FollowUpOf] = new JsonArray(followUpOf);
        if (n.Post is { } post) PostFields(fields, post.ChannelId, post.MessageTs, post.Mentioned);
        fields[f.Reference] = RequestReference.Format(n.Number ?? await NextReferenceAsync(ct).ConfigureAwait(false));
        string[] mergeOn = n.SubmissionKey is null ? [f.Reference, f.MenteeSlackId] : [f.SubmissionKey];
        var saved = (await client.UpsertAsync(Tables.Requests, [fields], mergeOn, ct: ct).ConfigureAwait(false)).Single();
        if (n.SubmissionKey is not null) _submissions.Remember(n.SubmissionKey, saved.Id);
        lookups.RememberRequests([saved]);
        return ToRequest(saved, s);
    }

    public async Task<MentorRequest?> FindRequestBySubmissionAsync(string submissionKey, CancellationToken ct = default) =>
        (await QueryAsync(AirtableFormula.FieldEquals(RF.SubmissionKey, submissionKey), ct, maxRecords: 1).ConfigureAwait(false)).FirstOrDefault()?.Tracked.Request;

    public async Task<MentorRequest?> GetRequestAsync(string id, CancellationToken ct = default) =>
        (await ReadAsync(id, ct).ConfigureAwait(false))?.Tracked.Request;

    public async Task SetRequestPostAsync(string id, string channelId, string messageTs, IReadOnlyList<string> mentioned, CancellationToken ct = default)
    {
        if (!IsRecordId(id)) throw new ArgumentException($"'{id}' is not an Airtable record ID.", nameof(id));
        // Under the request's lock like every other write of it, so the copy in memory takes the answers in order.
        using var held = await _requestLocks.LockAsync(id, ct).ConfigureAwait(false);
        var saved = await client.UpdateAsync(Tables.Requests, [new AirtableRecordUpdate(id, PostFields(new JsonObject(), channelId, messageTs, mentioned))], ct: ct)
            .ConfigureAwait(false);
        lookups.RememberRequests(saved);
    }

    private JsonObject PostFields(JsonObject fields, string channelId, string messageTs, IReadOnlyList<string> mentioned)
    {
        fields[RF.ChannelId] = channelId;
        fields[RF.MessageTs] = messageTs;
        fields[RF.MentionedMentors] = string.Join(", ", mentioned);
        return fields;
    }

    public Task<long> ReserveRequestNumberAsync(CancellationToken ct = default) => NextReferenceAsync(ct);

    /// <summary>Open and recent requests are in memory; an older one costs one read.</summary>
    public async Task<string?> FindRequestIdByNumberAsync(long number, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var reference = RequestReference.Format(number);
        return s.Requests.FirstOrDefault(r => r.Text(RF.Reference) == reference)?.Id
            ?? (await FindRequestByNumberAsync(number, ct).ConfigureAwait(false))?.Id;
    }

    /// <summary>From memory when the copy reaches back to <paramref name="since"/>; otherwise a read.</summary>
    public async Task<IReadOnlyList<MentorRequest>> GetMenteeRequestsCachedAsync(string menteeSlackId, DateTimeOffset since, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        if (since < s.RequestsSince) return await GetMenteeRequestsAsync(menteeSlackId, since, ct).ConfigureAwait(false);
        return s.Requests
            .Where(r => r.Text(RF.MenteeSlackId) == menteeSlackId)
            .Select(r => ToRequest(r, s))
            .Where(r => r.Status == RequestStatus.Open || r.CreatedAt >= since)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(ReferenceNumber)
            .ToList();
    }

    public Task<ClaimOutcome> TryClaimAsync(string requestId, string mentorSlackId, DateTimeOffset now, CancellationToken ct = default) =>
        ClaimAsync(requestId, mentorSlackId, assignedBy: null, now, ct);

    public async Task<ReleaseOutcome> TryReleaseAsync(string requestId, string expectedClaimer, string releasedBy, DateTimeOffset now, CancellationToken ct = default)
    {
        var change = await ChangeAsync(requestId, c =>
        {
            var r = c.Tracked.Request;
            if (r.Status != RequestStatus.Claimed || r.ClaimedBy != expectedClaimer) return null;
            var f = RF;
            var fields = new JsonObject
            {
                [f.ReleasedBySlackId] = releasedBy,
                [f.ReleasedAt] = Iso(now),
                [f.ResetCount] = r.ResetCount + 1,
            };
            Unclaim(fields);
            SetOptional(fields, f.ResetBy, DisplayName(FindMentor(c.Lookups, releasedBy), releasedBy));
            SetOptional(fields, f.ResetOn, Iso(now));
            return StartPhase(fields, c.Tracked, RequestStatus.Open);
        }, ct).ConfigureAwait(false);
        if (change.Before is not { } before) return new ReleaseOutcome(ReleaseResult.NotFound, null);
        if (change.After is { } after) return new ReleaseOutcome(ReleaseResult.Released, after.Request);
        return new ReleaseOutcome(before.Request.Status == RequestStatus.Claimed ? ReleaseResult.ClaimChanged : ReleaseResult.NotClaimed, before.Request);
    }

    public Task CheckAsync(CancellationToken ct = default) =>
        client.ListAsync(Tables.Requests, new AirtableQuery { MaxRecords = 1, PageSize = 1, Fields = [RF.Reference] }, ct);

    // ---- references ----

    /// <summary>The next reference number, never one already in the base or reserved by a submission still on its way there.</summary>
    private async Task<long> NextReferenceAsync(CancellationToken ct)
    {
        await _referenceGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var next = (_lastReference ?? await HighestReferenceAsync(ct).ConfigureAwait(false)) + 1;
            _lastReference = next;
            return next;
        }
        finally
        {
            _referenceGate.Release();
        }
    }

    /// <summary>Reads every reference once (only that field, 100 a page) to continue after the highest.</summary>
    private async Task<long> HighestReferenceAsync(CancellationToken ct)
    {
        var rows = await client.ListAsync(Tables.Requests, new AirtableQuery
        {
            Filter = AirtableFormula.IsNotBlank(RF.Reference),
            Fields = [RF.Reference],
        }, ct).ConfigureAwait(false);
        var highest = FirstRequestNumber - 1;
        foreach (var r in rows)
            if (RequestReference.TryParse(r.Text(RF.Reference), out var n) && n > highest) highest = n;
        // A submission interrupted between posting its card and storing it holds a number the base does not have yet.
        foreach (var source in reserved)
            if (source.Highest() is { } held && held > highest) highest = held;
        return highest;
    }

    // ---- mapping ----

    private AirtableRecord? FindMentor(LookupSnapshot s, string slackUserId) =>
        s.Mentors.FirstOrDefault(m => string.Equals(m.Text(MF.SlackUserId), slackUserId, StringComparison.Ordinal));

    /// <summary>A mentor added in Airtable since the last refresh: one exact-match read.</summary>
    private async Task<AirtableRecord?> ReadMentorAsync(string slackUserId, CancellationToken ct)
    {
        var rows = await client.ListAsync(Tables.Mentors, new AirtableQuery { Filter = AirtableFormula.FieldEquals(MF.SlackUserId, slackUserId), MaxRecords = 2 }, ct).ConfigureAwait(false);
        var found = rows.FirstOrDefault(r => string.Equals(r.Text(MF.SlackUserId), slackUserId, StringComparison.Ordinal));
        if (found is not null) lookups.Remember(found);
        return found;
    }

    private string DisplayName(AirtableRecord? mentor, string slackUserId) => mentor?.Text(MF.Name) ?? slackUserId;

    private static JsonArray Links(OptionTable table, IEnumerable<string> names, string field) =>
        new(names.Select(name => (JsonNode)JsonValue.Create(table.IdOf(name)
            ?? throw new InvalidOperationException($"'{name}' is not a row of the table linked by field '{field}'; the option lists may have changed in Airtable.")))
            .ToArray());

    private static JsonArray LinksKeeping(OptionTable table, IEnumerable<string> names, string field, List<string> unlinked)
    {
        var ids = new JsonArray();
        foreach (var name in names)
        {
            if (table.IdOf(name) is { } id) ids.Add(id);
            else unlinked.Add($"{field}: {name}");
        }
        return ids;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {Submission} chose options no longer in Airtable's lists ({Unlinked}); stored without those links, named in its details")]
    private static partial void LogUnlinked(ILogger log, string submission, string unlinked);

    private static void SetOptional(JsonObject fields, string name, JsonNode? value)
    {
        if (!string.IsNullOrEmpty(name)) fields[name] = value;
    }

    private Mentor ToMentor(AirtableRecord r, LookupSnapshot s)
    {
        var f = MF;
        return new Mentor(
            r.Id,
            r.Text(f.SlackUserId) ?? "",
            r.Text(f.Name),
            r.Links(f.Skills).Select(id => s.Skillsets.NameOf(id) ?? id).ToList(),
            r.Text(f.Bio),
            r.Number(f.MaxMentees) is { } max ? (int)max : mentorship.CurrentValue.DefaultMaxMentees,
            r.Text(f.TimeZone),
            r.Flag(f.Active),
            r.Flag(f.Paused),
            r.Time(f.LastClaimedAt),
            r.CreatedTime);
    }

    private MentorRequest ToRequest(AirtableRecord r, LookupSnapshot s)
    {
        var f = RF;
        return new MentorRequest(
            r.Id,
            r.Text(f.Reference) ?? r.Id,
            r.Text(f.MenteeSlackId) ?? "",
            r.Text(f.MenteeName),
            r.Links(f.Service).Select(id => s.Services.NameOf(id) ?? id).FirstOrDefault() ?? "",
            r.Links(f.Skills).Select(id => s.Skillsets.NameOf(id) ?? id).ToList(),
            r.Text(f.Details) ?? "",
            r.Links(f.Affiliation).Select(id => s.Affiliations.NameOf(id) ?? id).FirstOrDefault() ?? "",
            ParseStatus(r.Text(f.Status), !string.IsNullOrEmpty(f.Claimed) && r.Flag(f.Claimed)),
            r.Time(f.RequestedAt) ?? r.CreatedTime,
            r.Text(f.ClaimedBySlackId),
            r.Time(f.ClaimedAt),
            r.Text(f.ReleasedBySlackId),
            r.Time(f.ReleasedAt),
            (int)(r.Number(f.ResetCount) ?? 0),
            r.Text(f.ChannelId),
            r.Text(f.MessageTs),
            (r.Text(f.MentionedMentors) ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    internal static string StatusText(RequestStatus status) => status switch
    {
        RequestStatus.Open => "open",
        RequestStatus.Claimed => "claimed",
        RequestStatus.Completed => "completed",
        RequestStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>
    /// Rows Pybot wrote have no status: its Claimed checkbox says whether one is taken. A status coordinators
    /// invented is treated as closed, so the bot never hands out a request it does not understand.
    /// </summary>
    internal static RequestStatus ParseStatus(string? status, bool pybotClaimed) => status?.Trim().ToLowerInvariant() switch
    {
        null or "" => pybotClaimed ? RequestStatus.Claimed : RequestStatus.Open,
        "open" => RequestStatus.Open,
        "claimed" => RequestStatus.Claimed,
        "completed" => RequestStatus.Completed,
        _ => RequestStatus.Cancelled,
    };

    internal static string Iso(DateTimeOffset t) => AirtableRecord.FormatTime(t);

    private static JsonNode? Iso(DateTimeOffset? t) => t is { } v ? Iso(v) : null;

    internal static bool IsRecordId(string? id) => id is not null && RecordId().IsMatch(id);

    [GeneratedRegex("^rec[A-Za-z0-9]{14}$")]
    private static partial Regex RecordId();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not note the claim time on mentor {Mentor}; matching fairness may lag until the next claim")]
    private static partial void LogTouchFailed(ILogger log, Exception e, string mentor);
}
