using Microsoft.Data.Sqlite;

namespace OperationCodeMentor.Storage.Sqlite;

/// <summary>The embedded store's tables. Times are Unix milliseconds (UTC); lists are JSON arrays.</summary>
internal static class SqliteSchema
{
    /// <summary>
    /// Changes after the first version, applied in order to databases created earlier; <c>PRAGMA user_version</c>
    /// records how many have run. Append only: a database in the field may be at any version.
    /// </summary>
    public static readonly IReadOnlyList<string> Migrations =
    [
        // Coordination: who closed a request and why, whether a coordinator assigned it, and when it was first
        // claimed. The first claim is kept by a trigger so every path that claims (a click, an assignment,
        // anything added later) records it, and a release cannot erase it.
        """
        ALTER TABLE requests ADD COLUMN first_claimed_at INTEGER;
        ALTER TABLE requests ADD COLUMN assigned_by TEXT;
        ALTER TABLE requests ADD COLUMN closed_by TEXT;
        ALTER TABLE requests ADD COLUMN closed_at INTEGER;
        ALTER TABLE requests ADD COLUMN close_reason TEXT;
        UPDATE requests SET first_claimed_at = claimed_at WHERE claimed_at IS NOT NULL;
        CREATE TRIGGER IF NOT EXISTS requests_first_claim AFTER UPDATE OF claimed_at ON requests
        WHEN NEW.claimed_at IS NOT NULL AND NEW.first_claimed_at IS NULL
        BEGIN
            UPDATE requests SET first_claimed_at = NEW.claimed_at WHERE id = NEW.id;
        END;
        CREATE TRIGGER IF NOT EXISTS requests_unassign AFTER UPDATE OF claimed_by ON requests
        WHEN NEW.claimed_by IS NULL AND NEW.assigned_by IS NOT NULL
        BEGIN
            UPDATE requests SET assigned_by = NULL WHERE id = NEW.id;
        END;
        CREATE INDEX IF NOT EXISTS ix_requests_created ON requests (created_at)
        """,
        FollowUpLadder,
        // Durable intake: the submission a request came from, so finishing interrupted work never stores it twice.
        """
        ALTER TABLE requests ADD COLUMN submission_key TEXT;
        CREATE UNIQUE INDEX IF NOT EXISTS ux_requests_submission ON requests (submission_key) WHERE submission_key IS NOT NULL
        """,
        // The stats count a request as escalated if it ever was. The ladder clears escalated_at when a request
        // becomes open again (a release, a reopen) so the new phase can escalate afresh; the first escalation is
        // kept here by a trigger, as first_claimed_at keeps the first claim.
        """
        ALTER TABLE requests ADD COLUMN first_escalated_at INTEGER;
        UPDATE requests SET first_escalated_at = escalated_at WHERE escalated_at IS NOT NULL;
        CREATE TRIGGER IF NOT EXISTS requests_first_escalation AFTER UPDATE OF escalated_at ON requests
        WHEN NEW.escalated_at IS NOT NULL AND NEW.first_escalated_at IS NULL
        BEGIN
            UPDATE requests SET first_escalated_at = NEW.escalated_at WHERE id = NEW.id;
        END
        """,
        // The lifecycle moved out of the database into one piece of domain code that every store follows: the triggers
        // that started a phase's ladder, kept the first claim and escalation and dropped an assignment with its claim are
        // gone, since each change now writes those fields itself. last_change names the work that wrote the request last,
        // so that work, replayed after a crash, finds its change already made.
        """
        DROP TRIGGER IF EXISTS requests_first_claim;
        DROP TRIGGER IF EXISTS requests_unassign;
        DROP TRIGGER IF EXISTS tr_requests_follow_up_phase;
        DROP TRIGGER IF EXISTS requests_first_escalation;
        ALTER TABLE requests ADD COLUMN last_change TEXT
        """,
        // After the claim: the pair's conversation and agreed time, contact attempts, a coordinator's hold, the mentor's
        // private report (goals as a JSON array), the mentee's rating and a mentor asked for by name.
        """
        ALTER TABLE requests ADD COLUMN conversation_id         TEXT;
        ALTER TABLE requests ADD COLUMN conversation_opened_at  INTEGER;
        ALTER TABLE requests ADD COLUMN session_at              INTEGER;
        ALTER TABLE requests ADD COLUMN time_first_set_at       INTEGER;
        ALTER TABLE requests ADD COLUMN reminder_sent_at        INTEGER;
        ALTER TABLE requests ADD COLUMN contact_attempts        INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE requests ADD COLUMN first_attempt_at        INTEGER;
        ALTER TABLE requests ADD COLUMN last_attempt_at         INTEGER;
        ALTER TABLE requests ADD COLUMN contact_lost_at         INTEGER;
        ALTER TABLE requests ADD COLUMN on_hold_until           INTEGER;
        ALTER TABLE requests ADD COLUMN on_hold_by              TEXT;
        ALTER TABLE requests ADD COLUMN resumed_at              INTEGER;
        ALTER TABLE requests ADD COLUMN report_covered          TEXT;
        ALTER TABLE requests ADD COLUMN report_goals            TEXT;
        ALTER TABLE requests ADD COLUMN report_follow_up        TEXT;
        ALTER TABLE requests ADD COLUMN report_for_coordinators TEXT;
        ALTER TABLE requests ADD COLUMN reported_by             TEXT;
        ALTER TABLE requests ADD COLUMN reported_at             INTEGER;
        ALTER TABLE requests ADD COLUMN rating                  INTEGER;
        ALTER TABLE requests ADD COLUMN rating_comment          TEXT;
        ALTER TABLE requests ADD COLUMN rated_at                INTEGER;
        ALTER TABLE requests ADD COLUMN preferred_mentor        TEXT;
        ALTER TABLE requests ADD COLUMN offer_ended_at          INTEGER;
        CREATE INDEX IF NOT EXISTS ix_requests_conversation ON requests (conversation_id) WHERE conversation_id IS NOT NULL
        """,
        // The weekly check-in: when each mentor was last sent one and last answered, and each pairing's last answer.
        """
        ALTER TABLE mentors ADD COLUMN check_in_sent_at     INTEGER;
        ALTER TABLE mentors ADD COLUMN check_in_answered_at INTEGER;
        ALTER TABLE requests ADD COLUMN checked_in_at       INTEGER;
        ALTER TABLE requests ADD COLUMN check_in_answer     TEXT
        """,
        // Mentors who have gone quiet ("still up for mentoring?": asked, answered, paused for no answer), and what a
        // mentor accepted at enrolment.
        """
        ALTER TABLE mentors ADD COLUMN quiet_asked_at           INTEGER;
        ALTER TABLE mentors ADD COLUMN quiet_answered_at        INTEGER;
        ALTER TABLE mentors ADD COLUMN paused_for_inactivity_at INTEGER;
        ALTER TABLE mentors ADD COLUMN code_of_conduct_accepted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE mentors ADD COLUMN guidebook_read           INTEGER NOT NULL DEFAULT 0
        """,
    ];

    /// <summary>
    /// The follow-up ladder (bumps, notices, escalation, nudges) and how a request ended. <c>next_action_at</c> = 0
    /// means "plan me at the next sweep"; the trigger sets it whenever a request changes phase, so the claim and
    /// release statements need not know about the ladder, and starts the new phase's ladder afresh.
    /// </summary>
    // The close columns (closed_at, closed_by, close_reason) come from the coordination migration before this one.
    private const string FollowUpLadder = """
        ALTER TABLE requests ADD COLUMN follow_up_version        INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE requests ADD COLUMN bump_count               INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE requests ADD COLUMN last_bump_at             INTEGER;
        ALTER TABLE requests ADD COLUMN coordinators_notified_at INTEGER;
        ALTER TABLE requests ADD COLUMN escalated_at             INTEGER;
        ALTER TABLE requests ADD COLUMN mentor_nudged_at         INTEGER;
        ALTER TABLE requests ADD COLUMN stuck_reported_at        INTEGER;
        ALTER TABLE requests ADD COLUMN next_action_at           INTEGER DEFAULT 0;
        ALTER TABLE requests ADD COLUMN pending_step             TEXT;
        ALTER TABLE requests ADD COLUMN pending_token            TEXT;
        ALTER TABLE requests ADD COLUMN pending_at               INTEGER;
        ALTER TABLE requests ADD COLUMN completed_at             INTEGER;
        ALTER TABLE requests ADD COLUMN completed_by             TEXT;
        ALTER TABLE requests ADD COLUMN follow_up_of             INTEGER REFERENCES requests(id);
        ALTER TABLE requests ADD COLUMN feedback                 TEXT;
        ALTER TABLE requests ADD COLUMN feedback_by              TEXT;
        ALTER TABLE requests ADD COLUMN feedback_at              INTEGER;
        UPDATE requests SET next_action_at = NULL WHERE status NOT IN ('open', 'claimed');
        CREATE INDEX IF NOT EXISTS ix_requests_next_action ON requests (next_action_at) WHERE next_action_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ix_requests_follow_up_of ON requests (follow_up_of) WHERE follow_up_of IS NOT NULL;
        CREATE TRIGGER IF NOT EXISTS tr_requests_follow_up_phase
        AFTER UPDATE OF status, claimed_by, claimed_at, released_at ON requests
        WHEN OLD.status IS NOT NEW.status OR OLD.claimed_by IS NOT NEW.claimed_by
          OR OLD.claimed_at IS NOT NEW.claimed_at OR OLD.released_at IS NOT NEW.released_at
        BEGIN
            UPDATE requests SET
                follow_up_version        = follow_up_version + 1,
                pending_step             = NULL,
                pending_token            = NULL,
                pending_at               = NULL,
                next_action_at           = CASE WHEN NEW.status IN ('open', 'claimed') THEN 0 ELSE NULL END,
                bump_count               = CASE WHEN NEW.status = 'open' THEN 0 ELSE bump_count END,
                last_bump_at             = CASE WHEN NEW.status = 'open' THEN NULL ELSE last_bump_at END,
                coordinators_notified_at = CASE WHEN NEW.status = 'open' THEN NULL ELSE coordinators_notified_at END,
                escalated_at             = CASE WHEN NEW.status = 'open' THEN NULL ELSE escalated_at END,
                mentor_nudged_at         = CASE WHEN NEW.status = 'claimed' THEN NULL ELSE mentor_nudged_at END,
                stuck_reported_at        = CASE WHEN NEW.status = 'claimed' THEN NULL ELSE stuck_reported_at END
            WHERE id = NEW.id;
        END
        """;

    public static async Task<SchemaVersion> MigrateAsync(SqliteConnection c, SqliteTransaction tx)
    {
        await using var read = c.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(await read.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = version; i < Migrations.Count; i++)
        {
            await using var step = c.CreateCommand();
            step.Transaction = tx;
            step.CommandText = Migrations[i] + $"; PRAGMA user_version = {i + 1};";
            await step.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return new SchemaVersion(version, Migrations.Count);
    }

    public const string Create = """
        CREATE TABLE IF NOT EXISTS option_items (
            list     TEXT    NOT NULL,
            name     TEXT    NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (list, name)
        );
        CREATE TABLE IF NOT EXISTS mentors (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            slack_user_id   TEXT    NOT NULL UNIQUE,
            name            TEXT,
            skills          TEXT    NOT NULL DEFAULT '[]',
            bio             TEXT,
            max_mentees     INTEGER NOT NULL DEFAULT 2,
            time_zone       TEXT,
            active          INTEGER NOT NULL DEFAULT 1,
            paused          INTEGER NOT NULL DEFAULT 0,
            last_claimed_at INTEGER,
            created_at      INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS requests (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            mentee_slack_id TEXT    NOT NULL,
            mentee_name     TEXT,
            service         TEXT    NOT NULL,
            skills          TEXT    NOT NULL DEFAULT '[]',
            details         TEXT    NOT NULL,
            affiliation     TEXT    NOT NULL,
            status          TEXT    NOT NULL CHECK (status IN ('open', 'claimed', 'completed', 'cancelled')),
            created_at      INTEGER NOT NULL,
            claimed_by      TEXT,
            claimed_at      INTEGER,
            released_by     TEXT,
            released_at     INTEGER,
            reset_count     INTEGER NOT NULL DEFAULT 0,
            channel_id      TEXT,
            message_ts      TEXT,
            mentioned       TEXT    NOT NULL DEFAULT '[]'
        );
        CREATE INDEX IF NOT EXISTS ix_requests_status ON requests (status, created_at);
        CREATE INDEX IF NOT EXISTS ix_requests_claimed_by ON requests (claimed_by) WHERE status = 'claimed';
        CREATE INDEX IF NOT EXISTS ix_requests_mentee ON requests (mentee_slack_id, created_at);
        """;
}
