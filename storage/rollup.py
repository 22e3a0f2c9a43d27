"""Queries of `/who` and `/roster` over a large subtree: today's answers counted by direct
sub-branch, every member of a subtree with their status, one branch's own members, and what
`/roster NAME` finds (members' statuses, people on the roster not yet joined).

The rollup is one grouped statement, whatever the number of branches: the recursive CTE
carries `top` (the direct sub-branch a branch lies under, the root for itself), each member's
check-in of their branch's day is looked up by primary key, and SQLite returns one row per
(top, status), so that Python gets a few dozen rows for 100,000 members.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from storage import sql
from storage.db import Database
from storage.roster import RosterEntry
from storage.rows import STATUSES, RosterRow

# Each branch's local day, from the parameter `:days` (see `_days`).
_DAYS = """days(branch_id, day) AS (
                   SELECT CAST(key AS INTEGER), value FROM json_each(:days))"""


def _days(days: Mapping[int, date]) -> str:
    return json.dumps({str(k): v.isoformat() for k, v in days.items()})


def _roster_row(r: Sequence[Any]) -> RosterRow:
    return RosterRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7])


@dataclass(frozen=True, slots=True)
class BranchTally:
    """Today's answers in one part of a subtree: the root's own members, or the whole
    subtree of one direct sub-branch."""

    branch_id: int
    members: int = 0
    statuses: Mapping[str, int] = field(default_factory=dict)  # check-ins by status

    @property
    def checked(self) -> int:
        """Members who have checked in."""
        return sum(self.statuses.values())

    @property
    def missing(self) -> int:
        """Members who have not checked in."""
        return self.members - self.checked


class Rollup:
    """Counts of a subtree by direct sub-branch, and rosters."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def status(self, root_id: int, days: Mapping[int, date]) -> list[BranchTally]:
        """Members and today's check-ins by status, for the root's own members and for each
        direct sub-branch's subtree; only the parts that have members.

        Args:
            root_id: the subtree's top branch.
            days: the local day to look at for each branch id of the subtree.
        """
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()},
               {_DAYS},
               branch_day AS MATERIALIZED (
                   SELECT down.id AS id, down.top AS top, days.day AS day
                     FROM down JOIN days ON days.branch_id = down.id),
               -- A scalar lookup by primary key per member, not a join: a join lets SQLite
               -- build a Bloom filter over the whole checkins table (see storage.digest).
               answer AS (
                   SELECT bd.top AS top,
                          (SELECT status FROM checkins c
                            WHERE c.member_id = ms.member_id AND c.day = bd.day) AS status
                     FROM branch_day bd
                     JOIN memberships ms INDEXED BY memberships_branch
                       ON ms.branch_id = bd.id)
               SELECT top, status, count(*) FROM answer GROUP BY top, status""",
            {"root": root_id, "days": _days(days)},
        )
        members: dict[int, int] = {}
        statuses: dict[int, dict[str, int]] = {}
        for top, status, n in rows:
            members[top] = members.get(top, 0) + n
            if status is not None:
                statuses.setdefault(top, {})[status] = n
        return [BranchTally(top, n, {s: statuses[top][s] for s in STATUSES
                                     if statuses.get(top, {}).get(s)})
                for top, n in members.items()]

    async def own_roster(self, branch_id: int, day: date) -> list[RosterRow]:
        """The branch's own members (not those of its sub-branches) with their status on
        `day`, in the order of `roster`."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {sql.display_name('m')}, m.username, ms.role, ms.branch_id,
                      m.reachable, c.status, c.note
                 FROM memberships ms
                 JOIN members m ON m.id = ms.member_id
                 LEFT JOIN checkins c ON c.member_id = m.id AND c.day = :day
                WHERE ms.branch_id = :branch
                ORDER BY ms.role DESC, 2, m.id""",
            {"branch": branch_id, "day": day.isoformat()},
        )
        return [_roster_row(r) for r in rows]

    async def roster(self, root_id: int, days: Mapping[int, date], *,
                     missing_only: bool = False) -> list[RosterRow]:
        """Every member of the subtree with their status on their branch's day.

        Args:
            root_id: the subtree's top branch.
            days: the local day to look at for each branch id of the subtree.
            missing_only: only the members without a check-in that day.
        """
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
               {_DAYS},
               -- Each branch's day first, once per branch: joined per member, the days
               -- (unindexed) were scanned once per member (3 s for 100,000 in 1,000 branches).
               branch_day AS MATERIALIZED (
                   SELECT down.id AS id, days.day AS day
                     FROM down LEFT JOIN days ON days.branch_id = down.id)
               SELECT m.id, {sql.display_name('m')}, m.username, ms.role, ms.branch_id,
                      m.reachable, c.status, c.note
                 FROM branch_day bd
                 JOIN memberships ms INDEXED BY memberships_branch ON ms.branch_id = bd.id
                 JOIN members m ON m.id = ms.member_id
                 LEFT JOIN checkins c ON c.member_id = m.id AND c.day = bd.day
                WHERE NOT :missing_only OR c.status IS NULL
                ORDER BY ms.branch_id, ms.role DESC, 2, m.id""",
            {"root": root_id, "missing_only": missing_only, "days": _days(days)},
        )
        return [_roster_row(r) for r in rows]

    async def of_members(self, member_ids: Sequence[int],
                         days: Mapping[int, date]) -> list[RosterRow]:
        """The given members (those still members) with their status on their branch's day
        (`days`, by branch id), in no particular order."""
        rows = await self.db.fetchall(
            f"""WITH {_DAYS}
               SELECT m.id, {sql.display_name('m')}, m.username, ms.role, ms.branch_id,
                      m.reachable, c.status, c.note
                 FROM memberships ms JOIN members m ON m.id = ms.member_id
                 LEFT JOIN days ON days.branch_id = ms.branch_id
                 LEFT JOIN checkins c ON c.member_id = m.id AND c.day = days.day
                WHERE ms.member_id IN (SELECT value FROM json_each(:ids))""",
            {"ids": json.dumps(list(member_ids)), "days": _days(days)})
        return [_roster_row(r) for r in rows]

    async def waiting_named(self, root_id: int, text: str, phone: str | None,
                            limit: int) -> list[RosterEntry]:
        """People of the subtree's roster not yet joined whose name holds `text` (any ASCII
        case) or whose phone is `phone`; the whole name first, then by name."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT r.id, r.branch_id, b.name, r.role, r.name, r.phone
                 FROM down JOIN roster r INDEXED BY roster_waiting
                   ON r.branch_id = down.id AND r.member_id IS NULL AND r.removed_at IS NULL
                 JOIN branches b ON b.id = r.branch_id
                WHERE r.name LIKE :pattern ESCAPE '\\' OR r.phone = :phone
                ORDER BY r.name = :text COLLATE NOCASE DESC, r.name, r.id LIMIT :limit""",
            {"root": root_id, "pattern": pattern, "phone": phone, "text": text,
             "limit": limit})
        return [RosterEntry(*r) for r in rows]
