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
/// <item>Airtable has no conditional write, so every change to a request (<see cref="ChangeRequestAsync"/>) is
/// serialised per request in this process: re-read the record, let the lifecycle decide, write what it decided. That is
/// only sound with one running instance of the bot, which the README says.</item>
/// <item>Outside the store a request is its reference (R-1042); the store keeps the record ID of every request it has
/// seen, so a change costs one read and one write, as before.</item>
/// <item>References have no sequence in Airtable: the first request after start-up reads the highest existing one, then
/// numbers are handed out under an in-process lock (one instance again). Only the intake numbers requests, one at a time
/// in its lane, so the only number that can be handed out and not yet written is the one the intake is busy with; writing
/// a request moves the counter past its number, so a number reserved before a restart is never handed out again.</item>
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
            [f.Skills] = Offered(s.Skillsets, p.Skills, f.Skills),
            [f.Bio] = p.Bio,
            [f.MaxMentees] = p.MaxMentees,
            [f.TimeZone] = p.TimeZone,
            [f.Active] = true,
        };
        // The agreements are written when the form asked for them; otherwise the base keeps what it has.
        if (p.AcceptedCodeOfConduct is { } coc) fields[f.CodeOfConductAccepted] = coc;
        if (p.ReadGuidebook is { } read) fields[f.GuidebookRead] = read;
        // A profile without a name keeps the one already there.
        if (p.Name is not null) fields[f.Name] = p.Name;
        var saved = await UpsertAsync(s.Layout.Mentors, s, fields, [f.SlackUserId], ct).ConfigureAwait(false);
        lookups.Remember(saved);
        return ToMentor(saved, s);
    }

    public async Task<Mentor?> SetMentorPausedAsync(string slackUserId, bool paused, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var record = FindMentor(s, slackUserId) ?? await ReadMentorAsync(s, slackUserId, ct).ConfigureAwait(false);
        if (record is null) return null;
        var saved = (await UpdateAsync(s.Layout.Mentors, s, [new AirtableRecordUpdate(record.Id, new JsonObject { [MF.Paused] = paused })], ct).ConfigureAwait(false)).Single();
        lookups.Remember(saved);
        return ToMentor(saved, s);
    }

    /// <summary>Writes the mark's time on the mentor's record, unless the record already holds a later one.</summary>
    public async Task<Mentor?> MarkMentorAsync(string slackUserId, MentorMark mark, DateTimeOffset at, CancellationToken ct = default)
    {
        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var record = FindMentor(s, slackUserId) ?? await ReadMentorAsync(s, slackUserId, ct).ConfigureAwait(false);
        if (record is null) return null;
        var before = ToMentor(record, s);
        var after = before.Standing.With(mark, at);
        if (after == before.Standing && (mark != MentorMark.PausedForInactivity || before.Paused)) return before;
        var fields = new JsonObject();
        var f = MF;
        fields[mark switch
        {
            MentorMark.CheckInSent => f.CheckInSentAt,
            MentorMark.CheckInAnswered => f.CheckInAnsweredAt,
            MentorMark.QuietAsked => f.QuietAskedAt,
            MentorMark.QuietAnswered => f.QuietAnsweredAt,
            MentorMark.PausedForInactivity => f.PausedForInactivityAt,
            _ => throw new ArgumentOutOfRangeException(nameof(mark), mark, null),
        }] = Iso(after.At(mark));
        // Paused for inactivity is a pause like any other, written with it.
        if (mark == MentorMark.PausedForInactivity) fields[f.Paused] = true;
        var saved = (await UpdateAsync(s.Layout.Mentors, s, [new AirtableRecordUpdate(record.Id, fields)], ct).ConfigureAwait(false)).Single();
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

    /// <summary>
    /// Writes a new open request, due for follow-up planning at once. With a submission key, a repeat in this process
    /// hands back the first request as it stands (never rewriting it), and a repeat after a restart lands on the same
    /// row, because the upsert merges on the key.
    /// </summary>
    public async Task<TrackedRequest> CreateRequestAsync(NewMentorRequest n, CancellationToken ct = default)
    {
        using var held = n.SubmissionKey is { } key ? await _requestLocks.LockAsync("submission:" + key, ct).ConfigureAwait(false) : null;
        if (n.SubmissionKey is { } repeat && _submissions.Find(repeat) is { } first && await GetRequestAsync(first, ct).ConfigureAwait(false) is { } stored)
            return stored;

        var s = await lookups.GetAsync(ct).ConfigureAwait(false);
        var f = RF;
        // A choice removed from Airtable's lists after the form was sent cannot be linked. The request is kept anyway
        // (its card may already be in the channel), with what could not be linked written into its details.
        var unlinked = new List<string>();
        var fields = new JsonObject
        {
            [f.Reference] = n.Reference,
            [f.MenteeSlackId] = n.MenteeSlackId,
            [f.MenteeName] = n.MenteeName,
            [f.Service] = OfferedKeeping(s.Services, [n.Service], f.Service, unlinked),
            [f.Skills] = OfferedKeeping(s.Skillsets, n.Skills, f.Skills, unlinked),
            [f.Affiliation] = OfferedKeeping(s.Affiliations, [n.Affiliation], f.Affiliation, unlinked),
            [f.Status] = StatusText(RequestStatus.Open),
            [f.RequestedAt] = Iso(n.CreatedAt),
            [f.NextActionAt] = Iso(DateTimeOffset.UnixEpoch),
        };
        fields[f.Details] = unlinked.Count == 0 ? n.Details
            : n.Details + $"\n\n(Also chosen, but no longer in the lists so not linked: {string.Join("; ", unlinked)}.)";
        if (unlinked.Count > 0) LogUnlinked(log, n.SubmissionKey ?? n.Reference, string.Join("; ", unlinked));
        if (n.SubmissionKey is not null) fields[f.SubmissionKey] = n.SubmissionKey;
        if (n.PreferredMentor is not null) fields[f.PreferredMentorSlackId] = n.PreferredMentor;
        if (n.FollowUpOf is { } earlier && await RecordIdAsync(earlier, ct).ConfigureAwait(false) is { } earlierId) fields[f.FollowUpOf] = new JsonArray(earlierId);
        if (n.Post is { } post) PostFields(fields, post.ChannelId, post.MessageTs, post.Mentioned);
        string[] mergeOn = n.SubmissionKey is null ? [f.Reference, f.MenteeSlackId] : [f.SubmissionKey];
        var saved = await UpsertAsync(s.Layout.Requests, s, fields, mergeOn, ct).ConfigureAwait(false);
        await PassReferenceAsync(n.Number, ct).ConfigureAwait(false);
        if (n.SubmissionKey is not null) _submissions.Remember(n.SubmissionKey, n.Reference);
        lookups.RememberRequests([saved]);
        return ToTracked(saved, s);
    }

    public async Task<TrackedRequest?> FindRequestBySubmissionAsync(string submissionKey, CancellationToken ct = default) =>
        (await QueryAsync(AirtableFormula.FieldEquals(RF.SubmissionKey, submissionKey), ct, maxRecords: 1).ConfigureAwait(false)).FirstOrDefault()?.Tracked;

    public async Task<TrackedRequest?> GetRequestAsync(string reference, CancellationToken ct = default) =>
        (await ReadAsync(reference, ct).ConfigureAwait(false))?.Tracked;

    private JsonObject PostFields(JsonObject fields, string channelId, string messageTs, IReadOnlyList<string> mentioned)
    {
        fields[RF.ChannelId] = channelId;
        fields[RF.MessageTs] = messageTs;
        fields[RF.MentionedMentors] = string.Join(", ", mentioned);
        return fields;
    }

    public Task<long> ReserveRequestNumberAsync(CancellationToken ct = default) => NextReferenceAsync(ct);

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

    public Task CheckAsync(CancellationToken ct = default) =>
        client.ListAsync(Tables.Requests, new AirtableQuery { MaxRecords = 1, PageSize = 1, Fields = [RF.Reference] }, ct);

    // ---- references ----

    /// <summary>The next reference number, never one already in the base or handed out before.</summary>
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
        return highest;
    }

    /// <summary>A request written under <paramref name="number"/>: the counter never hands it out again.</summary>
    private async Task PassReferenceAsync(long number, CancellationToken ct)
    {
        await _referenceGate.WaitAsync(ct).ConfigureAwait(false);
        try { _lastReference = Math.Max(_lastReference ?? await HighestReferenceAsync(ct).ConfigureAwait(false), number); }
        finally { _referenceGate.Release(); }
    }

    // ---- mapping ----

    private AirtableRecord? FindMentor(LookupSnapshot s, string slackUserId) =>
        s.Mentors.FirstOrDefault(m => string.Equals(m.Text(MF.SlackUserId), slackUserId, StringComparison.Ordinal));

    /// <summary>A mentor added in Airtable since the last refresh: one exact-match read.</summary>
    private async Task<AirtableRecord?> ReadMentorAsync(LookupSnapshot s, string slackUserId, CancellationToken ct)
    {
        var rows = await client.ListAsync(Tables.Mentors, s.Layout.Mentors.Scope(new AirtableQuery { Filter = AirtableFormula.FieldEquals(MF.SlackUserId, slackUserId), MaxRecords = 2 }), ct)
            .ConfigureAwait(false);
        var found = rows.FirstOrDefault(r => string.Equals(r.Text(MF.SlackUserId), slackUserId, StringComparison.Ordinal));
        if (found is not null) lookups.Remember(found);
        return found;
    }

    private static JsonArray Offered(OptionTable table, IEnumerable<string> names, string field) =>
        new(names.Select(name => (JsonNode)JsonValue.Create(table.IsOffered(name) ? name
            : throw new InvalidOperationException($"'{name}' is not offered by the option table behind field '{field}'; the option lists may have changed in Airtable.")))
            .ToArray());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {Submission} chose options no longer in Airtable's lists ({Unlinked}); stored without those links, named in its details")]
    private static partial void LogUnlinked(ILogger log, string submission, string unlinked);

    private static void SetOptional(JsonObject fields, string name, JsonNode? value)
    {
        if (!string.IsNullOrEmpty(name)) fields[name] = value;
    }

    private Mentor ToMentor(AirtableRecord r, LookupSnapshot s)
    {
        var f = MF;
        var l = s.Layout.Mentors;
        return new Mentor(
            r.Id,
            r.Text(f.SlackUserId) ?? "",
            r.Text(f.Name),
            l.Choices(r, f.Skills, s),
            r.Text(f.Bio),
            l.Number(r, f.MaxMentees) is { } max ? (int)max : mentorship.CurrentValue.DefaultMaxMentees,
            r.Text(f.TimeZone),
            l.Flag(r, f.Active),
            l.Flag(r, f.Paused),
            r.Time(f.LastClaimedAt),
            r.CreatedTime)
        {
            Standing = new MentorStanding(r.Time(f.CheckInSentAt), r.Time(f.CheckInAnsweredAt), r.Time(f.QuietAskedAt), r.Time(f.QuietAnsweredAt),
                r.Time(f.PausedForInactivityAt), l.Flag(r, f.CodeOfConductAccepted), l.Flag(r, f.GuidebookRead)),
        };
    }

    private MentorRequest ToRequest(AirtableRecord r, LookupSnapshot s)
    {
        var f = RF;
        var l = s.Layout.Requests;
        return new MentorRequest(
            ReferenceOf(r),
            r.Text(f.MenteeSlackId) ?? "",
            r.Text(f.MenteeName),
            string.Join(", ", l.Choices(r, f.Service, s)),
            l.Choices(r, f.Skills, s),
            r.Text(f.Details) ?? "",
            string.Join(", ", l.Choices(r, f.Affiliation, s)),
            ParseStatus(r.Text(f.Status), l.Flag(r, f.Claimed)),
            r.Time(f.RequestedAt) ?? r.CreatedTime,
            // A row claimed or released before the bot kept Slack IDs still says who, through Pybot's own fields.
            r.Text(f.ClaimedBySlackId) ?? l.Person(r, f.ClaimedBy, s),
            r.Time(f.ClaimedAt),
            r.Text(f.ReleasedBySlackId) ?? l.Person(r, f.ResetBy, s),
            r.Time(f.ReleasedAt),
            (int)(l.Number(r, f.ResetCount) ?? 0),
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
