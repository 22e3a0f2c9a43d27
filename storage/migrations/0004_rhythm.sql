-- Frontline schema, version 4: the daily rhythm. Days off and escalation thresholds per
-- branch, and the ledger that makes each scheduled run happen once.

-- Days without a prompt or reminder: "sun", "sat,sun"; '' means none; NULL inherits.
ALTER TABLE branches ADD COLUMN days_off TEXT;
-- Tell the parent's secretaries when the day's check-in rate stays below this percent
-- two hours after the reminder (NULL: inherit; default 60).
ALTER TABLE branches ADD COLUMN alert_below INTEGER CHECK (alert_below BETWEEN 0 AND 100);
-- Tell the parent's secretaries of a critical need still open after this long
-- (NULL: inherit; default 60).
ALTER TABLE branches ADD COLUMN critical_within_minutes INTEGER;

-- One row per run done: the daily kinds (prompt, reminder, digest, escalate_rate) are keyed
-- by the branch's local day ("2026-03-02"); escalate_need is once per need, so its `day`
-- holds "need:<id>". A run's row is written in the same transaction as its outbox rows.
CREATE TABLE schedule_runs (
    branch_id  INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('prompt', 'reminder', 'digest', 'escalate_rate',
                               'escalate_need')),
    day        TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    PRIMARY KEY (branch_id, kind, day)
) WITHOUT ROWID;
