"""The export's reads: everything of a subtree over a period, in pieces.

A workbook of 100,000 members over 30 days holds three million check-ins: nothing here returns
them at once. Members come in one list (one small row each); their check-ins, records and
conduct are read for a slice of members at a time (`json_each` over their ids, through the
primary keys); needs, tasks and visits come in pages after an id (`after`, `limit`). The
per-branch figures of the summary are aggregated in SQLite, one row per branch, but for those
of the check-ins, which the export counts as it reads them for its check-ins sheet.

Instants are ISO UTC text (`storage.times.iso`): [start, end) bound the period, `as_of` is the
moment "still open" and "overdue" are judged at.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage import sql
from storage.db import Database
from storage.export_branches import BranchFigures, branch_figures
from storage.records import RecordFigures
from storage.times import iso

_NAME = sql.display_name("m")


@dataclass(frozen=True, slots=True)
class ExportMember:
    """A member of the subtree: who, where, since when."""

    id: int
    name: str
    branch_id: int
    role: str
    joined_at: str  # ISO UTC


@dataclass(frozen=True, slots=True)
class MemberCheckins:
    """A member's check-ins over some days: `days[n]` (ISO) has the status `statuses[n]`;
    `notes` of them carry a note."""

    member_id: int
    days: list[str]
    statuses: list[str]
    notes: int


def _ids(members: Sequence[int]) -> str:
    return json.dumps(list(members))


class Export:
    """Bulk reads over a subtree for a period."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def members(self, root_id: int) -> list[ExportMember]:
        """Every member of the subtree (in no particular order)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT m.id, {_NAME}, ms.branch_id, ms.role, ms.joined_at
                 FROM down JOIN memberships ms INDEXED BY memberships_branch_member
                    ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id""", {"root": root_id})
        return [ExportMember(*r) for r in rows]

    async def checkins(self, members: Sequence[int], first: date,
                       last: date) -> list[MemberCheckins]:
        """Each of these members' check-ins over the days (members with none left out)."""
        # One row a member, not one a check-in: three million rows for 100,000 members over
        # 30 days cost twice as long to turn into Python values as to find.
        rows = await self.db.fetchall(
            """SELECT c.member_id, group_concat(c.day), group_concat(c.status),
                      count(c.note)
                 FROM json_each(:ids) j CROSS JOIN checkins c
                   ON c.member_id = j.value AND c.day BETWEEN :first AND :last
                GROUP BY j.key""",
            {"ids": _ids(members), "first": first.isoformat(), "last": last.isoformat()})
        # Both lists are aggregated over the same rows in the same order: they pair up.
        return [MemberCheckins(member, days.split(","), statuses.split(","), notes)
                for member, days, statuses, notes in rows]

    async def checkin_notes(self, members: Sequence[int], first: date,
                            last: date) -> list[tuple[int, str, str]]:
        """(member, day, note) of these members' check-ins with a note, by member and day."""
        return await self.db.fetchall(
            """SELECT c.member_id, c.day, c.note
                 FROM json_each(:ids) j CROSS JOIN checkins c
                   ON c.member_id = j.value AND c.day BETWEEN :first AND :last
                WHERE c.note IS NOT NULL
                ORDER BY c.member_id, c.day""",
            {"ids": _ids(members), "first": first.isoformat(), "last": last.isoformat()})

    async def member_figures(self, members: Sequence[int], *, start: datetime, end: datetime,
                             now: datetime) -> dict[int, RecordFigures]:
        """The `/record` figures of each of these members (as `storage.records.figures`
        counts them for one), but for the days checked in and the statuses, left empty: the
        export counts them from the check-ins it reads for its own sheet (`checkins`)."""
        params = {"ids": _ids(members), "start": iso(start), "end": iso(end), "now": iso(now)}
        tasks = {r[0]: r[1:] for r in await self.db.fetchall(
            """SELECT a.member_id, count(*),
                      count(*) FILTER (WHERE a.state IN ('accepted', 'done')),
                      count(*) FILTER (WHERE a.state = 'declined'),
                      count(*) FILTER (WHERE a.state = 'done'),
                      count(*) FILTER (WHERE t.due_at IS NOT NULL AND a.state != 'declined'
                                       AND ((a.state != 'done' AND t.due_at < :now
                                             AND t.status = 'open')
                                            OR a.done_at > t.due_at))
                 FROM json_each(:ids) j CROSS JOIN assignments a INDEXED BY assignments_member
                   ON a.member_id = j.value
                 JOIN tasks t ON t.id = a.task_id
                WHERE a.assigned_at >= :start AND a.assigned_at < :end
                GROUP BY a.member_id""", params)}
        answers: dict[int, list[float]] = {}
        for member, seconds in await self.db.fetchall(
                """SELECT a.member_id,
                          (julianday(a.answered_at) - julianday(a.assigned_at)) * 86400.0
                     FROM json_each(:ids) j CROSS JOIN assignments a INDEXED BY assignments_member
                       ON a.member_id = j.value
                    WHERE a.answered_at IS NOT NULL
                      AND a.assigned_at >= :start AND a.assigned_at < :end""", params):
            answers.setdefault(member, []).append(float(seconds))
        needs = dict(await self.db.fetchall(
            """SELECT n.reporter_id, count(*)
                 FROM json_each(:ids) j CROSS JOIN needs n INDEXED BY needs_reporter
                   ON n.reporter_id = j.value
                WHERE n.created_at >= :start AND n.created_at < :end
                GROUP BY n.reporter_id""", params))
        out = {}
        for member in members:
            task = tasks.get(member, (0, 0, 0, 0, 0))
            out[member] = RecordFigures(0, {}, task[0], task[1], task[2], task[3], task[4],
                                        answers.get(member, []), needs.get(member, 0))
        return out

    async def conduct(self, members: Sequence[int], *, start: datetime, end: datetime,
                      kinds: tuple[str, ...]) -> list[tuple[int, str, str, str, str]]:
        """(member, kind, text, author, at) of these members' entries of these kinds in
        [start, end), oldest first."""
        return await self.db.fetchall(
            f"""SELECT c.member_id, c.kind, c.text, COALESCE({sql.display_name('a')}, ''), c.at
                  FROM json_each(:ids) j CROSS JOIN conduct c INDEXED BY conduct_member
                    ON c.member_id = j.value
                  LEFT JOIN members a ON a.id = c.author_id
                 WHERE c.at >= :start AND c.at < :end
                   AND c.kind IN (SELECT value FROM json_each(:kinds))
                 ORDER BY c.member_id, c.at, c.id""",
            {"ids": _ids(members), "start": iso(start), "end": iso(end),
             "kinds": json.dumps(list(kinds))})

    async def branch_figures(self, root_id: int, *, start: datetime, end: datetime,
                             as_of: datetime) -> dict[int, BranchFigures]:
        """Each branch's own figures over the period (branches with none are left out)."""
        return await branch_figures(self.db, root_id, start=start, end=end, as_of=as_of)

    async def needs(self, root_id: int, *, start: datetime, end: datetime, after: int,
                    limit: int) -> list[tuple[object, ...]]:
        """Needs of the subtree open at some moment of [start, end), after the id `after`,
        by id: (id, branch, reporter, for whom, category, urgency, status, details, location,
        household, created, first task given for it, closed, the secretary's note)."""
        return await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT n.id, n.branch_id, {_NAME}, n.for_whom, n.category, n.urgency, n.status,
                      n.details, n.location, h.label, n.created_at,
                      (SELECT min(t.created_at) FROM tasks t INDEXED BY tasks_need
                        WHERE t.need_id = n.id), n.closed_at, n.status_note
                 FROM needs n INDEXED BY needs_branch_status
                 JOIN members m ON m.id = n.reporter_id
                 LEFT JOIN households h ON h.id = n.household_id
                WHERE n.branch_id IN (SELECT id FROM down) AND n.id > :after
                  AND n.created_at < :end AND (n.closed_at IS NULL OR n.closed_at >= :start)
                ORDER BY n.id LIMIT :limit""",
            {"root": root_id, "start": iso(start), "end": iso(end), "after": after,
             "limit": limit})

    async def tasks(self, root_id: int, *, start: datetime, end: datetime, after: int,
                    limit: int) -> list[tuple[object, ...]]:
        """Tasks of the subtree open at some moment of [start, end), after the id `after`,
        `limit` tasks by id, one row per assignment (one for a task without any): (task,
        branch, title, given by, team, need, created, due, status, closed, assignee, state,
        assigned, answered, decline reason, done, done note)."""
        return await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
            tk AS MATERIALIZED (
                SELECT t.* FROM tasks t INDEXED BY tasks_branch_status
                 WHERE t.branch_id IN (SELECT id FROM down) AND t.id > :after
                   AND t.created_at < :end AND (t.closed_at IS NULL OR t.closed_at >= :start)
                 ORDER BY t.id LIMIT :limit)
            SELECT tk.id, tk.branch_id, tk.title, {sql.display_name('g')}, tm.name, tk.need_id,
                   tk.created_at, tk.due_at, tk.status, tk.closed_at, {_NAME}, a.state,
                   a.assigned_at, a.answered_at, a.decline_reason, a.done_at, a.done_note
              FROM tk LEFT JOIN members g ON g.id = tk.created_by
              LEFT JOIN teams tm ON tm.id = tk.team_id
              LEFT JOIN assignments a ON a.task_id = tk.id
              LEFT JOIN members m ON m.id = a.member_id
             ORDER BY tk.id, a.assigned_at, a.member_id""",
            {"root": root_id, "start": iso(start), "end": iso(end), "after": after,
             "limit": limit})

    async def visits(self, root_id: int, *, start: datetime, end: datetime, after: int,
                     limit: int) -> list[tuple[object, ...]]:
        """Visits to the subtree's households in [start, end), after the id `after`, by id:
        (id, branch, zone, household, member, outcome, at, the household's contact before,
        note)."""
        # Visits walked by id from `after` (each page goes on where the last one stopped),
        # the subtree's households looked up in a set made once per page.
        return await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
            hh AS MATERIALIZED (
                SELECT h.id, h.label, z.name AS zone, z.branch_id
                  FROM down JOIN zones z ON z.branch_id = down.id
                  JOIN households h ON h.zone_id = z.id)
               SELECT v.id, hh.branch_id, hh.zone, hh.label, {_NAME}, v.outcome, v.at,
                      (SELECT max(p.at) FROM visits p INDEXED BY visits_household_at
                        WHERE p.household_id = v.household_id AND p.at < v.at), v.note
                 FROM visits v CROSS JOIN hh ON hh.id = v.household_id
                 LEFT JOIN members m ON m.id = v.member_id
                WHERE v.id > :after AND v.at >= :start AND v.at < :end
                ORDER BY v.id LIMIT :limit""",
            {"root": root_id, "start": iso(start), "end": iso(end), "after": after,
             "limit": limit})


__all__ = ["BranchFigures", "Export", "ExportMember", "MemberCheckins", "RecordFigures"]
