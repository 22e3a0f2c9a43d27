-- Frontline schema, version 15: the weekly report (issue 15).

-- The day of the week and the local time of a branch's weekly report. NULL inherits from
-- the branch above; at the top, the day is Monday and the time is the branch's digest time.
ALTER TABLE branches ADD COLUMN weekly_day TEXT
    CHECK (weekly_day IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'));
ALTER TABLE branches ADD COLUMN weekly_time TEXT;

-- The ledger learns the kinds `digest_chart` (the digest's chart, a run of its own: see
-- bot/rules/charts/digest.py) and `weekly`, keyed by the ISO date of the Monday of the branch's
-- local week in which the report is due ("2026-03-09"). SQLite cannot change a CHECK in
-- place: the table is made anew, rows and index kept.
CREATE TABLE runs_new (
    branch_id  INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('prompt', 'reminder', 'digest', 'escalate_rate', 'escalate_need',
                               'remind', 'escalate', 'overdue', 'weekly',
                               'digest_chart')),
    day        TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    upto       INTEGER,  -- a daily run written in pieces: queued up to this member (see 0009)
    PRIMARY KEY (branch_id, kind, day)
) WITHOUT ROWID;

INSERT INTO runs_new(branch_id, kind, day, at, upto)
SELECT branch_id, kind, day, at, upto FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

-- The tick reads the daily runs of the last day or two, and the weekly runs of this week
-- (by kind and day).
CREATE INDEX runs_kind_day ON runs(kind, day);
