-- Frontline schema, version 8: the scheduler's minute tick reads only what may still be due,
-- whatever the age of the history (issue 11).

-- The tick reads the daily runs of the last day or two (by kind and day), and looks up one
-- critical need's escalation (kind 'escalate_need', day 'need:<id>').
CREATE INDEX schedule_runs_kind_day ON schedule_runs(kind, day);

-- A big daily run (the prompt, the reminder) is written in pieces of a few hundred members,
-- each piece with its outbox rows in one transaction: `upto` is the member id up to which
-- its messages are queued while it is under way, NULL once it is done (all older rows). A
-- restart resumes after `upto`, so nobody is asked twice and nobody is left out.
ALTER TABLE schedule_runs ADD COLUMN upto INTEGER;

-- The pieces walk a branch's members in id order (the rowid of memberships).
CREATE INDEX memberships_branch_member ON memberships(branch_id);

-- When a critical need was escalated to the parent branch's secretaries, written with its
-- ledger row: the tick reads only the open critical needs not yet escalated.
ALTER TABLE needs ADD COLUMN escalated_at TEXT;
UPDATE needs SET escalated_at = (SELECT r.at FROM schedule_runs r
                                  WHERE r.kind = 'escalate_need' AND r.day = 'need:' || needs.id)
 WHERE urgency = 'critical';
CREATE INDEX needs_to_escalate ON needs(created_at)
 WHERE urgency = 'critical' AND status = 'open' AND escalated_at IS NULL;

-- 1 once an assignee can get no further follow-up (escalated or answered, and flagged overdue
-- or without a due time; declined, done, or the task closed): the tick reads only the others.
ALTER TABLE assignments ADD COLUMN followed_up INTEGER NOT NULL DEFAULT 0;
UPDATE assignments SET followed_up = 1
 WHERE state IN ('declined', 'done')
    OR task_id IN (SELECT id FROM tasks WHERE status <> 'open');
CREATE INDEX assignments_to_follow ON assignments(task_id) WHERE followed_up = 0;
