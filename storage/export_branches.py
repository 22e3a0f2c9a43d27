"""The export's summary: each branch's own figures over a period, aggregated in SQLite (one
row per branch); `bot.rules.export.summary` rolls them up, with the check-ins' figures (a rate
per day, members unwell or quarantined), which the export counts as it reads the check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import sql
from storage.db import Database
from storage.times import iso

# A need open at :as_of; an assignment overdue at :as_of (as the digest judges them).
_NEED_OPEN = "n.created_at < :as_of AND (n.closed_at IS NULL OR n.closed_at > :as_of)"
_OVERDUE = """t.due_at IS NOT NULL AND t.due_at < :as_of AND a.assigned_at < :as_of
              AND a.state != 'declined' AND (a.done_at IS NULL OR a.done_at > :as_of)
              AND (t.closed_at IS NULL OR t.closed_at > :as_of)"""


@dataclass(frozen=True, slots=True)
class BranchFigures:
    """A branch's own figures over the period (its needs, tasks, households and broadcasts,
    not those of the branches below it)."""

    branch_id: int
    needs_opened: int
    needs_resolved: int
    needs_open: int
    given: int  # assignments given in the period
    done: int
    declined: int
    overdue: int
    households: int
    visited: int  # households contacted in the period
    recipients: int  # members a broadcast asking for acknowledgement went to
    acks: int


async def branch_figures(db: Database, root_id: int, *, start: datetime, end: datetime,
                         as_of: datetime) -> dict[int, BranchFigures]:
    """Each branch's own figures over the period (branches with none are left out)."""
    params = {"root": root_id, "start": iso(start), "end": iso(end), "as_of": iso(as_of)}
    subtree = f"WITH RECURSIVE {sql.subtree()}"
    needs = {r[0]: r[1:] for r in await db.fetchall(
        f"""{subtree} SELECT n.branch_id,
                   count(*) FILTER (WHERE n.created_at >= :start),
                   count(*) FILTER (WHERE n.status = 'resolved' AND n.closed_at >= :start
                                    AND n.closed_at < :end),
                   count(*) FILTER (WHERE {_NEED_OPEN})
              FROM needs n INDEXED BY needs_branch_status
             WHERE n.branch_id IN (SELECT id FROM down)
               AND n.created_at < :end AND (n.closed_at IS NULL OR n.closed_at >= :start)
             GROUP BY n.branch_id""", params)}
    tasks = {r[0]: r[1:] for r in await db.fetchall(
        f"""{subtree} SELECT t.branch_id,
                   count(*) FILTER (WHERE a.assigned_at >= :start),
                   count(*) FILTER (WHERE a.done_at >= :start AND a.done_at < :end),
                   count(*) FILTER (WHERE a.state = 'declined' AND a.answered_at >= :start
                                    AND a.answered_at < :end),
                   count(*) FILTER (WHERE {_OVERDUE})
              FROM tasks t INDEXED BY tasks_branch_status
              JOIN assignments a ON a.task_id = t.id
             WHERE t.branch_id IN (SELECT id FROM down) AND a.assigned_at < :end
               AND (t.closed_at IS NULL OR t.closed_at >= :start
                    OR a.assigned_at >= :start)
             GROUP BY t.branch_id""", params)}
    homes = {r[0]: r[1:] for r in await db.fetchall(
        f"""{subtree} SELECT z.branch_id, count(*),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM visits v INDEXED BY visits_household_at
                        WHERE v.household_id = h.id AND v.at >= :start AND v.at < :end))
              FROM down JOIN zones z ON z.branch_id = down.id
              JOIN households h ON h.zone_id = z.id
             GROUP BY z.branch_id""", params)}
    acks = {r[0]: r[1:] for r in await db.fetchall(
        f"""{subtree},
        bc AS MATERIALIZED (
            SELECT br.id, br.branch_id FROM broadcasts br INDEXED BY broadcasts_branch
             WHERE br.branch_id IN (SELECT id FROM down) AND br.ack_required
               AND br.created_at >= :start AND br.created_at < :end),
        rc AS MATERIALIZED (
            SELECT DISTINCT bc.branch_id, o.broadcast_id, o.member_id
              FROM bc JOIN outbox o INDEXED BY outbox_broadcast ON o.broadcast_id = bc.id
             WHERE o.member_id IS NOT NULL)
        SELECT rc.branch_id, count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM acks a WHERE a.broadcast_id = rc.broadcast_id
                                          AND a.member_id = rc.member_id))
          FROM rc GROUP BY rc.branch_id""", params)}
    out = {}
    for branch in {*needs, *tasks, *homes, *acks}:
        out[branch] = BranchFigures(
            branch, *needs.get(branch, (0, 0, 0)), *tasks.get(branch, (0, 0, 0, 0)),
            *homes.get(branch, (0, 0)), *acks.get(branch, (0, 0)))
    return out
