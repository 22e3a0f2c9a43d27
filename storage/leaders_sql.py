"""The SQL pieces of `storage.leaders`' queries (the figures of leaders on record)."""

from __future__ import annotations

from storage import sql
from storage.coverage import DEFAULT_VISIT_EVERY
from storage.households import REACHED as REACHED_OUTCOMES

# Timings of a CTE `w(branch_id, since, first_at)`: minutes from `since` to the first
# action (`first_at`, NULL: none yet); median of the acted in SQL (the middle one or two).
TIMING = """,
m AS (SELECT branch_id,
             CASE WHEN first_at <= :now
                  THEN max(0, round((julianday(first_at) - julianday(since)) * 86400) / 60) END
                  AS acted,
             CASE WHEN first_at IS NULL OR first_at > :now
                  THEN max(0, round((julianday(:now) - julianday(since)) * 86400) / 60) END
                  AS waiting
        FROM w),
r AS (SELECT branch_id, acted, row_number() OVER (PARTITION BY branch_id ORDER BY acted) AS rn,
             count(*) OVER (PARTITION BY branch_id) AS c
        FROM m WHERE acted IS NOT NULL),
med AS (SELECT branch_id, avg(acted) AS median FROM r
         WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY branch_id)
SELECT g.branch_id, g.n, med.median, g.worst, g.untouched, g.waiting
  FROM (SELECT branch_id, count(acted) AS n, max(acted) AS worst, count(waiting) AS untouched,
               max(waiting) AS waiting FROM m GROUP BY branch_id) g
  LEFT JOIN med ON med.branch_id = g.branch_id"""

# A need's first action: the first task given for it, else its resolve or cancel.
FIRST_TASK = "(SELECT min(t.created_at) FROM tasks t INDEXED BY tasks_need WHERE t.need_id = n.id)"
FIRST_AT = "coalesce(min(ft, closed), ft, closed)"

# The present secretaries of the branches asked about (`down`, the whole subtree), and where
# what they give lies: their branch's subtree, inside `down`.
SECRETARIES = """secs AS MATERIALIZED (
    SELECT ms.member_id AS member_id, ms.branch_id AS branch_id
      FROM down JOIN memberships ms INDEXED BY memberships_branch_member
                    ON ms.branch_id = down.id
     WHERE ms.role = 'secretary' AND (:deep OR ms.branch_id = :root))"""

# A task ran overdue: due before now, still open at its due time with an assignee (not
# declined) who had not finished by then.
RAN_OVERDUE = """t.due_at IS NOT NULL AND t.due_at < :now
    AND (t.closed_at IS NULL OR t.closed_at > t.due_at)
    AND EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.state != 'declined'
                   AND (a.done_at IS NULL OR a.done_at > t.due_at))"""
# ... and was followed up: after its due time a secretary closed it, a new task was given for
# its need, or a commendation or note was put on one of its assignees.
FOLLOWED = """((t.closed_by IS NOT NULL AND t.closed_at > t.due_at)
    OR (t.need_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM tasks t2 INDEXED BY tasks_need
         WHERE t2.need_id = t.need_id AND t2.created_at > t.due_at))
    OR EXISTS (SELECT 1 FROM assignments a JOIN conduct c ON c.member_id = a.member_id
                WHERE a.task_id = t.id AND c.at > t.due_at))"""

REACHED = ", ".join(f"'{outcome}'" for outcome in REACHED_OUTCOMES)

# Each branch's interval between contacts (days), inherited down the tree as /coverage does.
INTERVALS = f"""
up(id, parent_id, v, depth) AS (
    SELECT id, parent_id, visit_every_days, 0 FROM branches WHERE id = :root
    UNION ALL
    SELECT b.id, b.parent_id, b.visit_every_days, up.depth + 1
      FROM branches b JOIN up ON b.id = up.parent_id),
kd(id, k) AS (
    SELECT :root, COALESCE((SELECT v FROM up WHERE v IS NOT NULL ORDER BY depth LIMIT 1),
                           {DEFAULT_VISIT_EVERY})
    UNION ALL
    SELECT b.id, COALESCE(b.visit_every_days, kd.k) FROM branches b JOIN kd
        ON b.parent_id = kd.id WHERE :deep AND b.{sql.LIVE})"""

# A branch's UTC offset, in days, from `:offsets` ([[branch, days], ...]).
OFFSETS = "tz(id, o) AS MATERIALIZED (SELECT value ->> 0, value ->> 1 FROM json_each(:offsets))"
