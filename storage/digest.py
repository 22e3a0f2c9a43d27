"""The daily digest: rollups over a subtree, computed in SQL.

Every query walks the subtree with a recursive CTE and aggregates in SQLite; Python only
gets one row per direct sub-branch and a few capped lists of names. The recursive CTE
carries `top`: the direct sub-branch a branch lies under (the digest's own branch for
itself), so that one GROUP BY gives both the sub-branch lines and, summed, the whole.

Instants are compared as ISO UTC text (`storage.times.iso`): `start`/`end` bound the
digest's local day and `as_of` is the moment "still open" and "overdue" are judged at
(the end of the day, or now if the day is not over).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from storage import sql
from storage.db import Database
from storage.rows import DigestCounts, DigestDecline, DigestNeed, DigestPerson
from storage.times import iso

# Silent needs membership for both days; read only for the few without either check-in, so
# that the scan of the subtree's members stays on the covering index memberships_branch.
_NAME = sql.display_name("m")

_JOINED = "(SELECT joined_at FROM memberships j WHERE j.member_id = p.id)"
_JOINED_BEFORE = f"{_JOINED} < :joined_before"
# A member counts on a day if they had joined by its end (people who joined later were no
# members that day), or checked in that day (a member moved since: the move restamps
# joined_at). Read only for those without that day's check-in, as above.
_MEMBER_ON_DAY = f"(today IS NOT NULL OR {_JOINED} < :end)"
_MEMBER_DAY_BEFORE = f"(before IS NOT NULL OR {_JOINED} < :start)"

# A need open at :as_of; an assignment overdue at :as_of (not declined, not done by then,
# its task due before then and not closed by then).
_NEED_OPEN = "n.created_at < :as_of AND (n.closed_at IS NULL OR n.closed_at > :as_of)"
_OVERDUE = """t.due_at IS NOT NULL AND t.due_at < :as_of AND a.assigned_at < :as_of
              AND a.state != 'declined' AND (a.done_at IS NULL OR a.done_at > :as_of)
              AND (t.closed_at IS NULL OR t.closed_at > :as_of)"""


class Digest:
    """A branch's daily rollup over its subtree."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def rollup(
        self, root_id: int, day: date, yesterday: date, *, start: datetime, end: datetime,
        as_of: datetime, joined_before: datetime, names: int,
    ) -> tuple[list[DigestCounts], list[DigestPerson]]:
        """Counts for the branch's own members and for each direct sub-branch's subtree, and
        up to `names` members of each kind (unwell, quarantined, silent) by branch and name.

        One statement, so that each member's two check-ins are looked up once.

        Check-ins are those of `day` (and `yesterday`); needs and tasks are counted in the
        instants [start, end) and judged open or overdue at `as_of`. A member counts as
        silent only if they joined before `joined_before` (they had both days to answer).
        """
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()},
            -- Scalar subqueries, not LEFT JOINs: a join lets SQLite build a Bloom filter
            -- over the whole checkins table, which costs a full scan even for a leaf.
            p AS MATERIALIZED (
                SELECT down.top AS top, ms.member_id AS id, ms.branch_id AS branch_id,
                       (SELECT status FROM checkins c INDEXED BY checkins_day
                         WHERE c.day = :day AND c.member_id = ms.member_id) AS today,
                       (SELECT 1 FROM checkins y INDEXED BY checkins_day
                         WHERE y.day = :yesterday AND y.member_id = ms.member_id) AS before
                  FROM down JOIN memberships ms ON ms.branch_id = down.id),
            named AS MATERIALIZED (
                SELECT * FROM (
                    SELECT q.kind AS kind, q.id AS id, {_NAME} AS name, b.name AS branch,
                           row_number() OVER (PARTITION BY q.kind
                                              ORDER BY b.name, b.id, {_NAME}, q.id) AS rn
                      -- CROSS JOIN keeps this order: the few named first, then their names.
                      FROM (SELECT COALESCE(p.today, 'silent') AS kind, p.id, p.branch_id
                              FROM p
                             WHERE p.today IN ('unwell', 'quarantined')
                                OR (p.today IS NULL AND p.before IS NULL AND {_JOINED_BEFORE})
                           ) AS q
                      CROSS JOIN members m ON m.id = q.id
                      CROSS JOIN branches b ON b.id = q.branch_id)
                 WHERE rn <= :limit),
            ck AS (
                SELECT top, count(*) FILTER (WHERE {_MEMBER_ON_DAY}) AS members,
                       count(today) AS checked,
                       count(before) AS checked_before,
                       count(*) FILTER (WHERE {_MEMBER_DAY_BEFORE}) AS members_before,
                       count(*) FILTER (WHERE today = 'on_duty') AS on_duty,
                       count(*) FILTER (WHERE today = 'available') AS available,
                       count(*) FILTER (WHERE today = 'unwell') AS unwell,
                       count(*) FILTER (WHERE today = 'quarantined') AS quarantined,
                       count(*) FILTER (WHERE today = 'off') AS off,
                       count(*) FILTER (WHERE today IS NULL AND before IS NULL
                                        AND {_JOINED_BEFORE}) AS silent
                  FROM p GROUP BY top),
            -- Needs and tasks are aggregated per branch first, found through `IN (down)`:
            -- a join with `down` lets SQLite build a Bloom filter over the whole table,
            -- which makes a leaf's digest cost as much as the organization's history.
            nd0 AS (
                SELECT n.branch_id AS branch_id,
                       count(*) FILTER (WHERE n.created_at >= :start) AS opened,
                       count(*) FILTER (WHERE n.status = 'resolved' AND n.closed_at >= :start
                                        AND n.closed_at < :end) AS resolved,
                       count(*) FILTER (WHERE {_NEED_OPEN}) AS open,
                       count(*) FILTER (WHERE {_NEED_OPEN} AND n.urgency = 'critical')
                           AS critical,
                       count(*) FILTER (WHERE {_NEED_OPEN} AND n.created_at < :stale) AS stale
                  FROM needs n INDEXED BY needs_branch_status
                 WHERE n.branch_id IN (SELECT id FROM down)
                   AND n.created_at < :end AND (n.closed_at IS NULL OR n.closed_at >= :start)
                 GROUP BY n.branch_id),
            nd AS (
                SELECT down.top AS top, sum(opened) AS opened, sum(resolved) AS resolved,
                       sum(open) AS open, sum(critical) AS critical, sum(stale) AS stale
                  FROM nd0 JOIN down ON down.id = nd0.branch_id GROUP BY down.top),
            tk0 AS (
                SELECT t.branch_id AS branch_id,
                       count(*) FILTER (WHERE a.assigned_at >= :start) AS assigned,
                       count(DISTINCT t.id) FILTER (WHERE a.assigned_at >= :start) AS tasks,
                       count(*) FILTER (WHERE a.state IN ('accepted', 'done')
                                        AND a.answered_at >= :start AND a.answered_at < :end)
                           AS accepted,
                       count(*) FILTER (WHERE a.state = 'declined' AND a.answered_at >= :start
                                        AND a.answered_at < :end) AS declined,
                       count(*) FILTER (WHERE a.done_at >= :start AND a.done_at < :end) AS done,
                       count(*) FILTER (WHERE {_OVERDUE}) AS overdue
                  FROM tasks t INDEXED BY tasks_branch_status
                  JOIN assignments a ON a.task_id = t.id
                 WHERE t.branch_id IN (SELECT id FROM down) AND a.assigned_at < :end
                   AND (t.closed_at IS NULL OR t.closed_at >= :start
                        OR a.assigned_at >= :start)
                 GROUP BY t.branch_id),
            tk AS (
                SELECT down.top AS top, sum(assigned) AS assigned, sum(tasks) AS tasks,
                       sum(accepted) AS accepted,
                       sum(declined) AS declined, sum(done) AS done, sum(overdue) AS overdue
                  FROM tk0 JOIN down ON down.id = tk0.branch_id GROUP BY down.top)
            SELECT tops.top, b.name,
                   COALESCE(ck.members, 0), COALESCE(ck.checked, 0),
                   COALESCE(ck.checked_before, 0), COALESCE(ck.on_duty, 0),
                   COALESCE(ck.available, 0), COALESCE(ck.unwell, 0),
                   COALESCE(ck.quarantined, 0), COALESCE(ck.off, 0), COALESCE(ck.silent, 0),
                   COALESCE(nd.opened, 0), COALESCE(nd.resolved, 0), COALESCE(nd.open, 0),
                   COALESCE(nd.critical, 0), COALESCE(nd.stale, 0),
                   COALESCE(tk.assigned, 0), COALESCE(tk.accepted, 0),
                   COALESCE(tk.declined, 0), COALESCE(tk.done, 0), COALESCE(tk.overdue, 0),
                   COALESCE(ck.members_before, 0), COALESCE(tk.tasks, 0),
                   CASE WHEN tops.top = :root THEN (
                       SELECT json_group_array(json_array(
                           kind, id, name, branch, rn,
                           (SELECT max(day) FROM checkins
                             WHERE member_id = named.id AND day < :day)))
                         FROM named) END
              FROM (SELECT DISTINCT top FROM down WHERE depth <= 1) tops
              JOIN branches b ON b.id = tops.top
              LEFT JOIN ck ON ck.top = tops.top
              LEFT JOIN nd ON nd.top = tops.top
              LEFT JOIN tk ON tk.top = tops.top
             ORDER BY tops.top != :root, tops.top""",
            {"root": root_id, "day": day.isoformat(), "yesterday": yesterday.isoformat(),
             "start": iso(start), "end": iso(end), "as_of": iso(as_of),
             "stale": iso(as_of - timedelta(days=1)),
             "joined_before": iso(joined_before), "limit": names})
        people: list[DigestPerson] = []
        for row in rows:
            if row[-1] is not None:
                found = sorted(json.loads(row[-1]), key=lambda p: (p[0], p[4]))
                people = [DigestPerson(p[0], p[1], p[2], p[3],
                                       date.fromisoformat(p[5]) if p[5] else None)
                          for p in found]
        return [DigestCounts(*row[:-1]) for row in rows], people

    async def waiting(self, root_id: int, *, at: datetime, now: datetime) -> dict[int, int]:
        """People of the roster not yet joined at `at` (listed by then, neither joined nor
        taken off before it), counted for the root's own branch and each direct sub-branch's
        subtree (by `top`; parts with none left out). At `now` or later, the roster as it is
        (the partial index of the waiting); before it, the claims and removals since."""
        if at >= now:
            rows = await self.db.fetchall(
                f"""WITH RECURSIVE {sql.subtree_tops()}
                SELECT down.top, count(*) FROM down JOIN roster r INDEXED BY roster_waiting
                    ON r.branch_id = down.id AND r.member_id IS NULL AND r.removed_at IS NULL
                 GROUP BY down.top""", {"root": root_id})
        else:
            rows = await self.db.fetchall(
                f"""WITH RECURSIVE {sql.subtree_tops()}
                SELECT down.top, count(*) FROM down JOIN roster r ON r.branch_id = down.id
                 WHERE r.created_at < :at AND (r.claimed_at IS NULL OR r.claimed_at >= :at)
                   AND (r.removed_at IS NULL OR r.removed_at >= :at)
                 GROUP BY down.top""", {"root": root_id, "at": iso(at)})
        return {r[0]: r[1] for r in rows}

    async def people(self, root_id: int, day: date, yesterday: date, *,
                            joined_before: datetime, kinds: Sequence[str],
                            limit: int | None) -> list[DigestPerson]:
        """Members of the subtree unwell or quarantined on `day`, or silent on both days.

        At most `limit` of each kind (None: all), by branch and name.
        """
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()},
            today AS MATERIALIZED (
                SELECT ms.member_id AS id, ms.branch_id AS branch_id, ms.joined_at AS joined,
                       (SELECT status FROM checkins c
                         WHERE c.member_id = ms.member_id AND c.day = :day) AS status
                  FROM down JOIN memberships ms ON ms.branch_id = down.id),
            p AS (
                SELECT COALESCE(t.status, 'silent') AS kind, t.id AS id, {_NAME} AS name,
                       b.name AS branch, b.id AS branch_id
                  FROM today t JOIN members m ON m.id = t.id
                  JOIN branches b ON b.id = t.branch_id
                 WHERE t.status IN ('unwell', 'quarantined')
                    OR (t.status IS NULL AND t.joined < :joined_before
                        AND NOT EXISTS (SELECT 1 FROM checkins y
                                         WHERE y.member_id = t.id AND y.day = :yesterday))),
            ranked AS (
                SELECT p.*, row_number() OVER (PARTITION BY kind
                                               ORDER BY branch, branch_id, name, id) AS rn
                  FROM p WHERE kind IN (SELECT value FROM json_each(:kinds)))
            SELECT kind, id, name, branch,
                   (SELECT max(day) FROM checkins WHERE member_id = ranked.id AND day < :day)
              FROM ranked WHERE :limit IS NULL OR rn <= :limit
             ORDER BY kind, rn""",
            {"root": root_id, "day": day.isoformat(), "yesterday": yesterday.isoformat(),
             "joined_before": iso(joined_before), "kinds": json.dumps(list(kinds)),
             "limit": limit})
        return [DigestPerson(r[0], r[1], r[2], r[3],
                             date.fromisoformat(r[4]) if r[4] else None) for r in rows]

    async def open_needs(self, root_id: int, *, as_of: datetime,
                                limit: int) -> list[DigestNeed]:
        """Needs of the subtree open at `as_of`: critical first, then urgent, oldest first."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()}
            SELECT n.id, n.urgency, n.category, b.name, n.created_at, n.details
              FROM needs n INDEXED BY needs_branch_status
              JOIN branches b ON b.id = n.branch_id
             WHERE n.branch_id IN (SELECT id FROM down) AND {_NEED_OPEN}
             ORDER BY {sql.URGENT_FIRST}, n.created_at, n.id
             LIMIT :limit""",
            {"root": root_id, "as_of": iso(as_of), "limit": limit})
        return [DigestNeed(*r) for r in rows]

    async def declines(self, root_id: int, *, start: datetime, end: datetime,
                              limit: int) -> list[DigestDecline]:
        """Assignments of the subtree's tasks declined in [start, end), in order."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()}
            SELECT t.id, t.title, {_NAME}, b.name, a.decline_reason
              FROM tasks t INDEXED BY tasks_branch_status
              JOIN assignments a ON a.task_id = t.id
              JOIN members m ON m.id = a.member_id
              JOIN branches b ON b.id = t.branch_id
             WHERE t.branch_id IN (SELECT id FROM down) AND a.state = 'declined'
               AND a.answered_at >= :start AND a.answered_at < :end
             ORDER BY a.answered_at, t.id, m.id
             LIMIT :limit""",
            {"root": root_id, "start": iso(start), "end": iso(end), "limit": limit})
        return [DigestDecline(*r) for r in rows]

    async def acks(self, root_id: int, *, start: datetime,
                          end: datetime) -> tuple[int, int, int]:
        """(broadcasts asking for acknowledgement, member recipients, acknowledgements).

        Broadcasts of the subtree's branches sent in [start, end); acknowledgements so far.
        """
        row = await self.db.fetchone(
            f"""WITH RECURSIVE {sql.subtree_tops()},
            -- Through the indexes whatever the statistics say: most outbox rows belong to no
            -- broadcast (prompts, reminders), which makes outbox_broadcast look useless to
            -- the planner, and a scan of the outbox reads the whole history.
            bc AS MATERIALIZED (
                SELECT br.id FROM broadcasts br INDEXED BY broadcasts_branch
                 WHERE br.branch_id IN (SELECT id FROM down) AND br.ack_required
                   AND br.created_at >= :start AND br.created_at < :end),
            rc AS MATERIALIZED (
                SELECT DISTINCT o.broadcast_id, o.member_id
                  FROM outbox o INDEXED BY outbox_broadcast
                 WHERE o.broadcast_id IN (SELECT id FROM bc) AND o.member_id IS NOT NULL)
            -- Only the recipients' acknowledgements count (a group's reader may press too).
            SELECT (SELECT count(*) FROM bc), (SELECT count(*) FROM rc),
                   (SELECT count(*) FROM acks a JOIN rc ON rc.broadcast_id = a.broadcast_id
                                                       AND rc.member_id = a.member_id)""",
            {"root": root_id, "start": iso(start), "end": iso(end)})
        return int(row[0]), int(row[1]), int(row[2])
