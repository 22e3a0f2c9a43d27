-- Frontline schema, version 10: one ledger for every kind of due work (issue 12). The daily
-- runs, critical needs' escalations and task follow-ups were two tables (schedule_runs and
-- followups); they are one, `runs`, keyed by (branch, kind, key):
--   prompt, reminder, digest, escalate_rate: the branch's local day ("2026-03-02");
--   escalate_need: "need:<id>";
--   remind, escalate, overdue (a task's follow-ups): "task:<task>:<member>", the task's branch.
-- A row is written in the same transaction as the outbox rows of what it records.
CREATE TABLE runs (
    branch_id  INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('prompt', 'reminder', 'digest', 'escalate_rate', 'escalate_need',
                               'remind', 'escalate', 'overdue')),
    day        TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    upto       INTEGER,  -- a daily run written in pieces: queued up to this member (see 0009)
    PRIMARY KEY (branch_id, kind, day)
) WITHOUT ROWID;

INSERT INTO runs(branch_id, kind, day, at, upto)
SELECT branch_id, kind, day, at, upto FROM schedule_runs;

INSERT INTO runs(branch_id, kind, day, at)
SELECT t.branch_id, f.kind, 'task:' || f.task_id || ':' || f.member_id, f.at
  FROM followups f JOIN tasks t ON t.id = f.task_id;

DROP TABLE schedule_runs;
DROP TABLE followups;

-- The tick reads the daily runs of the last day or two (by kind and day).
CREATE INDEX runs_kind_day ON runs(kind, day);
