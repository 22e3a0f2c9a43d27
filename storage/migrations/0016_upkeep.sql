-- Frontline schema, version 16: keeping the data (issue 16): scheduled backups, retention.

-- The ledger learns the organization's own daily runs, keyed by the local day of
-- [defaults] timezone and recorded on the first root branch: `backup` (the day's copy of the
-- database) and `retention` (old rows pruned, old check-ins anonymised, the file compacted).
-- `detail` (JSON) says what a run did: the copy's file and size, or the counts of what was
-- pruned, "for the records". While a retention run is under way (it works a few seconds per
-- tick) its row has `upto` = 1; NULL once done, as for the daily runs written in pieces.
-- SQLite cannot change a CHECK in place: the table is made anew, rows and index kept.
CREATE TABLE runs_new (
    branch_id  INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('prompt', 'reminder', 'digest', 'escalate_rate', 'escalate_need',
                               'remind', 'escalate', 'overdue', 'weekly',
                               'digest_chart', 'backup', 'retention')),
    day        TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    upto       INTEGER,  -- a daily run written in pieces: queued up to this member (see 0009)
    detail     TEXT,     -- backup, retention: what the run did (JSON)
    PRIMARY KEY (branch_id, kind, day)
) WITHOUT ROWID;

INSERT INTO runs_new(branch_id, kind, day, at, upto)
SELECT branch_id, kind, day, at, upto FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_kind_day ON runs(kind, day);

-- A check-in older than [retention] health_days keeps its member, day and branch (the day
-- was checked in: rates and records still count it) but not its status nor its note: the
-- status becomes 'checked_in'. Loosening a CHECK is the case where SQLite's documentation
-- allows editing the table's definition in place (see 0011).
PRAGMA writable_schema=ON;
UPDATE sqlite_schema
   SET sql = replace(sql, '''quarantined'', ''off''))',
                          '''quarantined'', ''off'', ''checked_in''))')
 WHERE type = 'table' AND name = 'checkins';
PRAGMA writable_schema=RESET;
CREATE TABLE schema_bump(x);
DROP TABLE schema_bump;

-- Before a day's check-ins are anonymised, their counts by branch (the branch each member
-- checked in from) and status are kept here, so that a digest of that day still says how many
-- were on duty, unwell or quarantined (see bot/rules/retention.py).
CREATE TABLE checkin_counts (
    branch_id    INTEGER NOT NULL REFERENCES branches(id),
    day          TEXT    NOT NULL,
    checked_in   INTEGER NOT NULL,
    on_duty      INTEGER NOT NULL,
    available    INTEGER NOT NULL,
    unwell       INTEGER NOT NULL,
    quarantined  INTEGER NOT NULL,
    off          INTEGER NOT NULL,
    PRIMARY KEY (day, branch_id)
) WITHOUT ROWID;

-- Retention clears the notes of old visits: only the visits that still have one.
CREATE INDEX visits_noted ON visits(at) WHERE note IS NOT NULL;

-- Retention deletes an attachment once no outbox row refers to it.
CREATE INDEX outbox_attachment ON outbox(attachment_id) WHERE attachment_id IS NOT NULL;
