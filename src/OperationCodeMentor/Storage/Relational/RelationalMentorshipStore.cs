using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Storage.Relational;

/// <summary>
/// What the SQL stores share: every query, every change and the mapping between rows and the bot's types, written once
/// in SQL that SQLite and PostgreSQL both accept. A store supplies only what really differs: how a connection is opened
/// and the database prepared (<see cref="OpenConnectionAsync"/>, <see cref="InitialiseAsync"/>), how request numbers
/// are handed out (<see cref="ReserveRequestNumberAsync"/>) and the one function spelled differently
/// (<see cref="Greatest"/>). Parameters are named <c>@name</c>, which both drivers bind. A request's row id is its
/// reference number and every change is one UPDATE conditional on the version read, so the database decides the
/// winner of a race.
/// </summary>
public abstract partial class RelationalMentorshipStore : IMentorshipStore
{
    private Lazy<Task> _initialised;

    protected RelationalMentorshipStore() => _initialised = new Lazy<Task>(InitialiseAsync);

    /// <summary>Prepares the database (schema, migrations, seed) once, before the first connection is handed out.</summary>
    protected abstract Task InitialiseAsync();

    /// <summary>The schema version the database was at when <see cref="InitialiseAsync"/> last ran; null before it has.</summary>
    public SchemaVersion? Schema { get; protected set; }

    /// <summary>A new open connection, without waiting for <see cref="InitialiseAsync"/>.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken ct);

    /// <summary>The larger of two non-null SQL expressions: MAX(a, b) in SQLite, GREATEST(a, b) in PostgreSQL.</summary>
    protected abstract string Greatest(string a, string b);

    public abstract Task<long> ReserveRequestNumberAsync(CancellationToken ct = default);

    /// <inheritdoc cref="IMentorshipStore.ReserveRequestNumberWithLoadsAsync"/>
    public virtual async Task<(long Number, IReadOnlyList<MentorLoad> Loads)> ReserveRequestNumberWithLoadsAsync(CancellationToken ct = default) =>
        (await ReserveRequestNumberAsync(ct).ConfigureAwait(false), await GetMentorLoadsAsync(ct).ConfigureAwait(false));

    /// <summary>
    /// The database, as the job ledger names it, when the ledger's tables are in this one (PostgreSQL): a running job's
    /// progress is then written in the same statement as the change it follows (<see cref="Reliability.ProgressRide"/>).
    /// Null when the ledger is elsewhere.
    /// </summary>
    protected virtual string? JobDatabase => null;

    /// <summary>
    /// The progress a running job offers to this change, when this store can write it: one complete as offered, or, with
    /// <paramref name="answering"/>, one that is to hold what the call answers (<see cref="Reliability.ProgressRide.AnswerAt"/>).
    /// </summary>
    private protected Reliability.ProgressRide? RideOffered(bool answering = false) =>
        JobDatabase is { } db && Reliability.ProgressRide.For(db) is { } ride && (ride.AnswerAt is not null) == answering ? ride : null;

    /// <summary>Whether the progress went with the change: the last column of a row <see cref="WithProgress"/> returns.</summary>
    private static bool RideTaken(DbDataReader r) => r.GetBoolean(r.FieldCount - 1);

    /// <summary>
    /// <paramref name="change"/> (one INSERT or UPDATE with a RETURNING clause) with the job's progress written after it in
    /// the same statement, only when it changed a row and the job's replica still holds its lane (a replica frozen past
    /// its lease may still make its change, which is safe to repeat, but not write the progress, and the job stops at its
    /// next write). The statement returns what the change returns, and last, whether the progress was written
    /// (<see cref="RideTaken"/>). A ride that finishes its job is followed by the statements that hand its lane on
    /// (<see cref="Reliability.PostgresJobLedger.RideFinish"/>), whose result <see cref="RodeAsync"/> reads.
    /// </summary>
    private static string WithProgress(string change, DbCommand cmd, Reliability.ProgressRide ride)
    {
        Reliability.PostgresJobLedger.BindRide(cmd, ride);
        var write = $"""
            WITH changed AS (
            {change}
            ), progress AS (
            {Reliability.PostgresJobLedger.RideWrite(ride, "@rideProgress", "EXISTS (SELECT 1 FROM changed)")}
            )
            SELECT changed.*, EXISTS (SELECT 1 FROM progress) FROM changed
            """;
        return Reliability.PostgresJobLedger.RideFinish(ride) is { } finish ? write + ";\n" + finish : write;
    }

    /// <summary>
    /// After the change's rows have been read: tells the ride it was taken, when it was, with the lane's next job when it
    /// finished its job (the next result of the command <see cref="WithProgress"/> made).
    /// </summary>
    private static async Task RodeAsync(DbDataReader r, Reliability.ProgressRide? ride, bool taken, CancellationToken ct)
    {
        if (ride is null) return;
        if (!ride.Finishes)
        {
            if (taken) ride.Committed();
            return;
        }
        await r.NextResultAsync(ct).ConfigureAwait(false);
        var next = await r.ReadAsync(ct).ConfigureAwait(false) ? Reliability.PostgresJobLedger.ReadJob(r) : null;
        if (taken) ride.CommittedFinished(next);
    }

    /// <summary>An open connection to a prepared database.</summary>
    protected async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var initialising = _initialised;
        try
        {
            await initialising.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed first open (a locked file, a full disk, a server still starting, a network blip) is tried again by
            // the next caller rather than remembered, so the store recovers without a restart.
            Interlocked.CompareExchange(ref _initialised, new Lazy<Task>(InitialiseAsync), initialising);
            throw;
        }
        return await OpenConnectionAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// How long option lists read from the database are used before being read again, and the clock that says so; none
    /// by default (an embedded database answers at once). The lists change only when someone edits the table by hand.
    /// </summary>
    protected virtual (TimeSpan For, TimeProvider Clock)? OptionListsKept => null;

    /// <summary>Option lists read, and until when they are used; replaced whole, so a reader never sees half of one.</summary>
    private sealed record KeptOptions(OptionLists Lists, DateTimeOffset Until);

    private KeptOptions? _options;

    public async Task<OptionLists> GetOptionListsAsync(CancellationToken ct = default)
    {
        if (OptionListsKept is not { } keep) return await ReadOptionListsAsync(ct).ConfigureAwait(false);
        var now = keep.Clock.GetUtcNow();
        if (Volatile.Read(ref _options) is { } kept && now < kept.Until) return kept.Lists;
        var lists = await ReadOptionListsAsync(ct).ConfigureAwait(false);
        Volatile.Write(ref _options, new KeptOptions(lists, now + keep.For));
        return lists;
    }

    private async Task<OptionLists> ReadOptionListsAsync(CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT list, name FROM option_items ORDER BY list, position, name";
        var lists = new Dictionary<string, List<string>> { ["services"] = [], ["skillsets"] = [], ["affiliations"] = [] };
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
            if (lists.TryGetValue(r.GetString(0), out var l)) l.Add(r.GetString(1));
        return new OptionLists(lists["services"], lists["skillsets"], lists["affiliations"]);
    }

    // ---- mentors ----

    public async Task<Mentor?> GetMentorAsync(string slackUserId, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {MentorColumns} FROM mentors WHERE slack_user_id = @u";
        Add(cmd, "@u", slackUserId);
        return await ReadMentorAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>The mentor in the first row <paramref name="cmd"/> gives, or null when it gives none.</summary>
    private static async Task<Mentor?> ReadMentorAsync(DbCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadMentor(r) : null;
    }

    public async Task<Mentor> SaveMentorAsync(MentorProfile p, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // The mentor as stored comes back with the write, here and in the two updates below: one round trip each.
        cmd.CommandText = $"""
            INSERT INTO mentors(slack_user_id, name, skills, bio, max_mentees, time_zone, active, paused, created_at, updated_at,
                                code_of_conduct_accepted, guidebook_read)
            VALUES (@u, @name, @skills, @bio, @max, @tz, 1, 0, @now, @now, COALESCE(@coc, 0), COALESCE(@guidebook, 0))
            ON CONFLICT(slack_user_id) DO UPDATE SET
              name = COALESCE(excluded.name, mentors.name), skills = excluded.skills, bio = excluded.bio,
              max_mentees = excluded.max_mentees, time_zone = excluded.time_zone, active = 1, updated_at = excluded.updated_at,
              code_of_conduct_accepted = COALESCE(@coc, mentors.code_of_conduct_accepted),
              guidebook_read = COALESCE(@guidebook, mentors.guidebook_read)
            RETURNING {MentorColumns}
            """;
        Add(cmd, "@u", p.SlackUserId);
        Add(cmd, "@name", p.Name);
        Add(cmd, "@skills", JsonSerializer.Serialize(p.Skills));
        Add(cmd, "@bio", p.Bio);
        Add(cmd, "@max", p.MaxMentees);
        Add(cmd, "@tz", p.TimeZone);
        Add(cmd, "@coc", p.AcceptedCodeOfConduct is { } coc ? (coc ? 1 : 0) : null);
        Add(cmd, "@guidebook", p.ReadGuidebook is { } read ? (read ? 1 : 0) : null);
        Add(cmd, "@now", ToDb(now));
        return (await ReadMentorAsync(cmd, ct).ConfigureAwait(false))!;
    }

    public async Task<Mentor?> SetMentorPausedAsync(string slackUserId, bool paused, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"UPDATE mentors SET paused = @p WHERE slack_user_id = @u RETURNING {MentorColumns}";
        Add(cmd, "@p", paused ? 1 : 0);
        Add(cmd, "@u", slackUserId);
        return await ReadMentorAsync(cmd, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MentorLoad>> GetMentorLoadsAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"{MentorLoadSelect} ORDER BY id";
        var list = new List<MentorLoad>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadMentorLoad(r));
        return list;
    }

    public async Task<MentorLoad?> GetMentorLoadAsync(string slackUserId, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"{MentorLoadSelect} WHERE slack_user_id = @u";
        Add(cmd, "@u", slackUserId);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadMentorLoad(r) : null;
    }

    /// <summary>
    /// Each mentor with how many requests they hold; both load queries add only their WHERE or ORDER BY. The count is
    /// cast because PostgreSQL counts in 64 bits (SQLite has one integer type, so the cast changes nothing there).
    /// </summary>
    private protected const string MentorLoadSelect = $"""
        SELECT {MentorColumns},
               CAST((SELECT COUNT(*) FROM requests q WHERE q.status = 'claimed' AND q.claimed_by = mentors.slack_user_id) AS INTEGER)
        FROM mentors
        """;

    private protected static MentorLoad ReadMentorLoad(DbDataReader r) => new(ReadMentor(r), r.GetInt32(MentorColumnCount));

    public async Task SetMentorLastClaimedAsync(string slackUserId, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"UPDATE mentors SET last_claimed_at = {Greatest("COALESCE(last_claimed_at, 0)", "@at")} WHERE slack_user_id = @u";
        Add(cmd, "@at", ToDb(at));
        Add(cmd, "@u", slackUserId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<Mentor?> MarkMentorAsync(string slackUserId, MentorMark mark, DateTimeOffset at, CancellationToken ct = default)
    {
        var column = MarkColumn(mark);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // A time only moves forward, as MentorStanding.With decides; the column comes from the fixed list below.
        cmd.CommandText = $"UPDATE mentors SET {column} = {Greatest($"COALESCE({column}, 0)", "@at")}" +
            (mark == MentorMark.PausedForInactivity ? ", paused = 1" : "") + $" WHERE slack_user_id = @u RETURNING {MentorColumns}";
        Add(cmd, "@at", ToDb(at));
        Add(cmd, "@u", slackUserId);
        return await ReadMentorAsync(cmd, ct).ConfigureAwait(false);
    }

    private static string MarkColumn(MentorMark mark) => mark switch
    {
        MentorMark.CheckInSent => "check_in_sent_at",
        MentorMark.CheckInAnswered => "check_in_answered_at",
        MentorMark.QuietAsked => "quiet_asked_at",
        MentorMark.QuietAnswered => "quiet_answered_at",
        MentorMark.PausedForInactivity => "paused_for_inactivity_at",
        _ => throw new ArgumentOutOfRangeException(nameof(mark), mark, null),
    };

    // ---- requests ----

    public async Task<TrackedRequest> CreateRequestAsync(NewMentorRequest n, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // The reference's number is the row id; a card posted first is stored in the same insert, and the stored request
        // comes back with it.
        var insert = $"""
            INSERT INTO requests(id, mentee_slack_id, mentee_name, service, skills, details, affiliation, status, created_at, submission_key,
                                 channel_id, message_ts, mentioned, follow_up_of, preferred_mentor, next_action_at)
            VALUES (@id, @u, @name, @service, @skills, @details, @aff, 'open', @now, @key, @channel, @ts, @mentioned, @of, @preferred, 0)
            ON CONFLICT DO NOTHING
            RETURNING {RequestColumns}, {FollowUpColumns}
            """;
        var ride = RideOffered();
        cmd.CommandText = ride is null ? insert : WithProgress(insert, cmd, ride);
        Add(cmd, "@id", n.Number);
        Add(cmd, "@channel", n.Post?.ChannelId);
        Add(cmd, "@ts", n.Post?.MessageTs);
        Add(cmd, "@mentioned", JsonSerializer.Serialize(n.Post?.Mentioned ?? []));
        Add(cmd, "@key", n.SubmissionKey);
        Add(cmd, "@of", n.FollowUpOf is { } of && RequestReference.TryParse(of, out var ofNumber) ? ofNumber : null);
        Add(cmd, "@preferred", n.PreferredMentor);
        Add(cmd, "@u", n.MenteeSlackId);
        Add(cmd, "@name", n.MenteeName);
        Add(cmd, "@service", n.Service);
        Add(cmd, "@skills", JsonSerializer.Serialize(n.Skills));
        Add(cmd, "@details", n.Details);
        Add(cmd, "@aff", n.Affiliation);
        Add(cmd, "@now", ToDb(n.CreatedAt));
        var rows = new List<TrackedRequest>();
        using (ride is null ? null : await ride.FinishingAsync().ConfigureAwait(false))
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            var rode = false;
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                rows.Add(ReadTracked(r));
                rode = ride is not null && RideTaken(r);
            }
            await RodeAsync(r, ride, rode && rows.Count == 1, ct).ConfigureAwait(false);
        }
        if (rows is [var stored]) return stored;
        // The same submission was stored before: hand back that request rather than a second one.
        if (n.SubmissionKey is not null && await FindRequestBySubmissionAsync(c, n.SubmissionKey, ct).ConfigureAwait(false) is { } first)
            return first;
        throw new InvalidOperationException($"Request {n.Reference} is already stored: a reserved number is used once.");
    }

    public async Task<TrackedRequest?> FindRequestBySubmissionAsync(string submissionKey, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await FindRequestBySubmissionAsync(c, submissionKey, ct).ConfigureAwait(false);
    }

    private static async Task<TrackedRequest?> FindRequestBySubmissionAsync(DbConnection c, string submissionKey, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id FROM requests WHERE submission_key = @key";
        Add(cmd, "@key", submissionKey);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is long id ? await GetTrackedAsync(c, id, ct).ConfigureAwait(false) : null;
    }

    public async Task<TrackedRequest?> GetRequestAsync(string reference, CancellationToken ct = default)
    {
        if (!RequestReference.TryParse(reference, out var key)) return null;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await GetTrackedAsync(c, key, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Read, decide, and one conditional UPDATE of every column the lifecycle may change, on the version read: two round
    /// trips when uncontested. The database settles every race, between processes sharing a SQLite file as between
    /// replicas on other machines; the loser reads again and is decided anew.
    /// </summary>
    public Task<Decision?> ChangeRequestAsync(string reference, Func<TrackedRequest, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default) =>
        ChangeAsync(reference, null, (t, _) => decide(t), beforeWrite, ct);

    /// <summary>
    /// The same with the mentor's load, and the mentee's last reported session, read in the same command as the request:
    /// a claim is one read and one write.
    /// </summary>
    public Task<Decision?> ChangeRequestAsync(string reference, string mentor, Func<TrackedRequest, PairingRead, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default) =>
        ChangeAsync(reference, mentor, decide, beforeWrite, ct);

    /// <summary>
    /// The same from a request the caller's own change just left: decided on it without a read, so when nothing changed
    /// it since, one round trip; the conditional write finds out if something did, and the change is read and decided again.
    /// </summary>
    public Task<Decision?> ChangeRequestAsync(TrackedRequest known, Func<TrackedRequest, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite = null, CancellationToken ct = default) =>
        ChangeAsync(known.Reference, null, (t, _) => decide(t), beforeWrite, ct, known);

    private async Task<Decision?> ChangeAsync(string reference, string? mentor, Func<TrackedRequest, PairingRead, Decision> decide,
        Func<Decision, CancellationToken, Task<Decision>>? beforeWrite, CancellationToken ct, TrackedRequest? known = null)
    {
        if (!RequestReference.TryParse(reference, out var key)) return null;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var (found, read) = attempt == 0 && known is not null ? (known, null)
                : attempt == 0 && ReadTakenWithTheWrite(key, mentor) is { } taken ? taken
                : await ReadForChangeAsync(c, key, mentor, ct).ConfigureAwait(false);
            if (found is not { } current) return null;
            var decision = decide(current, read ?? NoPairing);
            if (decision.After is null) return decision;
            if (beforeWrite is not null) decision = await beforeWrite(decision, ct).ConfigureAwait(false);
            if (await WriteAsync(c, key, current.Version, decision.After!, decision.NewClaimer, ct).ConfigureAwait(false)) return decision;
            if (attempt >= MaxChangeAttempts)
                throw new InvalidOperationException($"{reference} kept changing under {MaxChangeAttempts} attempts to write it; giving up for now.");
        }
    }

    /// <inheritdoc/>
    public virtual NumberingStep? NumberWithTheWrite(System.Text.Json.Nodes.JsonObject numbered, string numberAt, bool withLoads) => null;

    /// <inheritdoc/>
    public virtual Reliability.FirstStep? ReadWithTheWrite(string reference, string? mentor) => null;

    /// <inheritdoc/>
    public virtual bool ReadsWithTheWrite => false;

    /// <summary>
    /// What the running job's own write read for this change (<see cref="IMentorshipStore.ReadWithTheWrite"/>), when it
    /// read exactly this: the request <paramref name="key"/>, and for a pairing <paramref name="mentor"/>'s load with it.
    /// </summary>
    private protected virtual (TrackedRequest? Request, PairingRead? Pairing)? ReadTakenWithTheWrite(long key, string? mentor) => null;

    /// <summary>What a change that is not a pairing is decided on besides the request: nothing.</summary>
    private static readonly PairingRead NoPairing = new(null);

    /// <summary>
    /// The request, and when a mentor is named, their load and the mentee's last reported session, with one command (on
    /// PostgreSQL one round trip).
    /// </summary>
    private protected virtual async Task<(TrackedRequest? Request, PairingRead? Pairing)> ReadForChangeAsync(DbConnection c, long key, string? mentor, CancellationToken ct)
    {
        if (mentor is null) return (await GetTrackedAsync(c, key, ct).ConfigureAwait(false), null);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = string.Join(";\n", PairingReads);
        Add(cmd, "@id", key);
        Add(cmd, "@u", mentor);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await ReadPairingAsync(r, ct).ConfigureAwait(false);
    }

    /// <summary>What a pairing reads (<see cref="PairingRead"/>), one statement each: the request <c>@id</c>, mentor <c>@u</c>'s load, the mentee's last report.</summary>
    private protected static readonly string[] PairingReads =
    [
        RequestRead,
        $"{MentorLoadSelect} WHERE slack_user_id = @u",
        LatestReported("(SELECT mentee_slack_id FROM requests WHERE id = @id)"),
    ];

    /// <summary>The results of <see cref="PairingReads"/>, from the reader's current result on; it is left on the last of them.</summary>
    private protected static async Task<(TrackedRequest? Request, PairingRead Pairing)> ReadPairingAsync(DbDataReader r, CancellationToken ct)
    {
        var request = await r.ReadAsync(ct).ConfigureAwait(false) ? ReadTracked(r) : null;
        MentorLoad? load = null;
        if (await r.NextResultAsync(ct).ConfigureAwait(false) && await r.ReadAsync(ct).ConfigureAwait(false)) load = ReadMentorLoad(r);
        TrackedRequest? last = null;
        if (await r.NextResultAsync(ct).ConfigureAwait(false) && await r.ReadAsync(ct).ConfigureAwait(false)) last = ReadTracked(r);
        return (request, new PairingRead(load, LastReportRead: true, last));
    }

    /// <summary>Attempts at a change before giving up: each lost race means another writer made progress.</summary>
    private const int MaxChangeAttempts = 20;

    /// <summary>
    /// The conditional UPDATE; when it gives the request a new claimer, the same command notes on them when they took it,
    /// guarded so that only the claim actually stored is noted.
    /// </summary>
    private async Task<bool> WriteAsync(DbConnection c, long key, long version, TrackedRequest t, string? newClaimer, CancellationToken ct)
    {
        var (r, s, o) = (t.Request, t.FollowUp, t.Outcome);
        await using var cmd = c.CreateCommand();
        var update = """
            UPDATE requests SET
                status = @status, claimed_by = @claimedBy, claimed_at = @claimedAt, released_by = @releasedBy, released_at = @releasedAt,
                reset_count = @resetCount, channel_id = @channel, message_ts = @ts, mentioned = @mentioned,
                first_claimed_at = @firstClaimed, assigned_by = @assignedBy, closed_by = @closedBy, closed_at = @closedAt, close_reason = @closeReason,
                completed_at = @completedAt, completed_by = @completedBy, feedback = @feedback, feedback_by = @feedbackBy, feedback_at = @feedbackAt,
                first_escalated_at = @firstEscalated,
                bump_count = @bumps, last_bump_at = @lastBump, coordinators_notified_at = @notified, escalated_at = @escalated,
                mentor_nudged_at = @nudged, stuck_reported_at = @stuck, next_action_at = @next,
                pending_step = @pendingStep, pending_token = @pendingToken, pending_at = @pendingAt,
                follow_up_version = @newVersion, last_change = @lastChange,
            """ + SessionAssignments + """

            WHERE id = @id AND follow_up_version = @version
            RETURNING id
            """;
        var ride = RideOffered();
        cmd.CommandText = ride is null ? update : WithProgress(update, cmd, ride);
        if (newClaimer is not null)
        {
            cmd.CommandText += $"""
                ;
                UPDATE mentors SET last_claimed_at = {Greatest("COALESCE(last_claimed_at, 0)", "@claimedAt")}
                WHERE slack_user_id = @claimedBy
                  AND EXISTS (SELECT 1 FROM requests WHERE id = @id AND claimed_by = @claimedBy AND claimed_at = @claimedAt)
                """;
        }
        Add(cmd, "@status", StatusName(r.Status));
        Add(cmd, "@claimedBy", r.ClaimedBy);
        AddTime(cmd, "@claimedAt", r.ClaimedAt);
        Add(cmd, "@releasedBy", r.ReleasedBy);
        AddTime(cmd, "@releasedAt", r.ReleasedAt);
        Add(cmd, "@resetCount", r.ResetCount);
        Add(cmd, "@channel", r.ChannelId);
        Add(cmd, "@ts", r.MessageTs);
        Add(cmd, "@mentioned", JsonSerializer.Serialize(r.MentionedMentors));
        AddTime(cmd, "@firstClaimed", o.FirstClaimedAt);
        Add(cmd, "@assignedBy", o.AssignedBy);
        Add(cmd, "@closedBy", o.ClosedBy);
        AddTime(cmd, "@closedAt", o.ClosedAt);
        Add(cmd, "@closeReason", o.CloseReason);
        AddTime(cmd, "@completedAt", o.CompletedAt);
        Add(cmd, "@completedBy", o.CompletedBy);
        Add(cmd, "@feedback", o.Feedback is { } f ? FeedbackName(f) : null);
        Add(cmd, "@feedbackBy", o.FeedbackBy);
        AddTime(cmd, "@feedbackAt", o.FeedbackAt);
        AddTime(cmd, "@firstEscalated", o.FirstEscalatedAt);
        Add(cmd, "@bumps", s.BumpCount);
        AddTime(cmd, "@lastBump", s.LastBumpAt);
        AddTime(cmd, "@notified", s.CoordinatorsNotifiedAt);
        AddTime(cmd, "@escalated", s.EscalatedAt);
        AddTime(cmd, "@nudged", s.MentorNudgedAt);
        AddTime(cmd, "@stuck", s.StuckReportedAt);
        AddTime(cmd, "@next", s.NextActionAt);
        Add(cmd, "@pendingStep", s.PendingStep is { } step ? StepName(step) : null);
        Add(cmd, "@pendingToken", s.PendingToken);
        AddTime(cmd, "@pendingAt", s.PendingAt);
        Add(cmd, "@newVersion", t.Version);
        Add(cmd, "@lastChange", t.LastChange);
        AddSession(cmd, t.Session);
        Add(cmd, "@id", key);
        Add(cmd, "@version", version);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var written = await reader.ReadAsync(ct).ConfigureAwait(false);
        await RodeAsync(reader, ride, written && ride is not null && RideTaken(reader), ct).ConfigureAwait(false);
        // Run to the end, so the note on the claimer is made before the command is done with.
        while (await reader.NextResultAsync(ct).ConfigureAwait(false)) { }
        return written;
    }

    public async Task CheckAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT 1";
        await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    // ---- parameters ----

    /// <summary>A parameter whose type the driver takes from the value, as AddWithValue does; null is stored as NULL.</summary>
    protected static void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    /// <summary>A parameter of a fixed type, for a command run many times with new values.</summary>
    private static DbParameter AddTyped(DbCommand cmd, string name, DbType type)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.DbType = type;
        cmd.Parameters.Add(p);
        return p;
    }

    private static void AddTime(DbCommand cmd, string name, DateTimeOffset? t) => Add(cmd, name, t is { } v ? ToDb(v) : null);

    // ---- mapping ----

    private const string MentorColumns =
        "id, slack_user_id, name, skills, bio, max_mentees, time_zone, active, paused, last_claimed_at, created_at, check_in_sent_at, check_in_answered_at, " +
        "quiet_asked_at, quiet_answered_at, paused_for_inactivity_at, code_of_conduct_accepted, guidebook_read";
    private const int MentorColumnCount = 18;

    private static Mentor ReadMentor(DbDataReader r) => new(
        r.GetInt64(0).ToString(CultureInfo.InvariantCulture),
        r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        ReadList(r, 3),
        r.IsDBNull(4) ? null : r.GetString(4),
        r.GetInt32(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.GetInt64(7) != 0,
        r.GetInt64(8) != 0,
        ReadTime(r, 9),
        FromDb(r.GetInt64(10)))
    {
        Standing = new MentorStanding(ReadTime(r, 11), ReadTime(r, 12), ReadTime(r, 13), ReadTime(r, 14), ReadTime(r, 15),
            r.GetInt64(16) != 0, r.GetInt64(17) != 0),
    };

    private protected const string RequestColumns = "id, mentee_slack_id, mentee_name, service, skills, details, affiliation, status, created_at, claimed_by, claimed_at, released_by, released_at, reset_count, channel_id, message_ts, mentioned";

    private protected static MentorRequest ReadRequest(DbDataReader r) => new(
        RequestReference.Format(r.GetInt64(0)),
        r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        r.GetString(3),
        ReadList(r, 4),
        r.GetString(5),
        r.GetString(6),
        ParseStatus(r.GetString(7)),
        FromDb(r.GetInt64(8)),
        r.IsDBNull(9) ? null : r.GetString(9),
        ReadTime(r, 10),
        r.IsDBNull(11) ? null : r.GetString(11),
        ReadTime(r, 12),
        r.GetInt32(13),
        r.IsDBNull(14) ? null : r.GetString(14),
        r.IsDBNull(15) ? null : r.GetString(15),
        ReadList(r, 16));

    internal static string StatusName(RequestStatus status) => status switch
    {
        RequestStatus.Open => "open",
        RequestStatus.Claimed => "claimed",
        RequestStatus.Completed => "completed",
        RequestStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    internal static RequestStatus ParseStatus(string s) => s switch
    {
        "open" => RequestStatus.Open,
        "claimed" => RequestStatus.Claimed,
        "completed" => RequestStatus.Completed,
        "cancelled" => RequestStatus.Cancelled,
        _ => throw new InvalidDataException($"Unknown request status '{s}' in the database."),
    };

    private static IReadOnlyList<string> ReadList(DbDataReader r, int i) =>
        r.IsDBNull(i) ? [] : JsonSerializer.Deserialize<List<string>>(r.GetString(i)) ?? [];

    private static DateTimeOffset? ReadTime(DbDataReader r, int i) => r.IsDBNull(i) ? null : FromDb(r.GetInt64(i));

    /// <summary>Both stores keep times as whole milliseconds since 1970 (UTC) in 64-bit integer columns.</summary>
    internal static long ToDb(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    internal static DateTimeOffset FromDb(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
