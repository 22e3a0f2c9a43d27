"""Needs: reported, listed, assigned, resolved, cancelled, escalated."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import sql
from storage.db import Database
from storage.times import from_iso, iso

CLOSED = ("resolved", "cancelled")


@dataclass(frozen=True, slots=True)
class NeedRow:
    """A need as stored, with the names of its branch and reporter."""

    id: int
    branch_id: int
    branch_name: str
    reporter_id: int
    reporter_name: str
    category: str
    urgency: str
    for_self: bool
    for_whom: str | None
    details: str
    location: str | None
    latitude: float | None
    longitude: float | None
    status: str
    status_note: str | None
    status_by: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    household_id: int | None = None  # the household it is for, if reported after a visit


@dataclass(frozen=True, slots=True)
class CriticalNeed:
    """An open critical need not yet escalated."""

    id: int
    branch_id: int
    category: str
    details: str
    reporter: str
    created_at: datetime


_COLUMNS = f"""n.id, n.branch_id, b.name, n.reporter_id,
              {sql.display_name("m")},
              n.category, n.urgency, n.for_self, n.for_whom, n.details, n.location,
              n.latitude, n.longitude, n.status, n.status_note, n.status_by,
              n.created_at, n.updated_at, n.closed_at, n.household_id
         FROM needs n JOIN branches b ON b.id = n.branch_id
         JOIN members m ON m.id = n.reporter_id"""

# Critical first, then urgent, then normal; oldest first within each.
_ORDER = f"ORDER BY {sql.URGENT_FIRST}, n.created_at, n.id"

_SUBTREE_FILTER = f"""WITH RECURSIVE {sql.subtree()}
    SELECT {{what}} FROM needs n JOIN down ON down.id = n.branch_id
      JOIN branches b ON b.id = n.branch_id JOIN members m ON m.id = n.reporter_id
     WHERE n.status IN (SELECT value FROM json_each(:statuses))
       AND (:category IS NULL OR n.category = :category)
       AND (:urgency IS NULL OR n.urgency = :urgency)"""


def _need(row: Sequence[Any]) -> NeedRow:
    created, updated = from_iso(row[16]), from_iso(row[17])
    assert created is not None and updated is not None
    return NeedRow(
        id=row[0], branch_id=row[1], branch_name=row[2], reporter_id=row[3],
        reporter_name=row[4], category=row[5], urgency=row[6], for_self=bool(row[7]),
        for_whom=row[8], details=row[9], location=row[10], latitude=row[11],
        longitude=row[12], status=row[13], status_note=row[14], status_by=row[15],
        created_at=created, updated_at=updated, closed_at=from_iso(row[18]),
        household_id=row[19])


class Needs:
    """Needs: reported, listed, assigned, resolved, cancelled, escalated."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        branch_id: int,
        reporter_id: int,
        category: str,
        urgency: str,
        for_self: bool,
        for_whom: str | None,
        details: str,
        location: str | None,
        latitude: float | None,
        longitude: float | None,
        at: datetime,
        household_id: int | None = None,
    ) -> int:
        """Save a new open need (for a household, if given); return its id."""
        stamp = iso(at)
        return await self.db.execute(
            """INSERT INTO needs(branch_id, reporter_id, category, urgency, for_self, for_whom,
                                 details, location, latitude, longitude, created_at,
                                 updated_at, household_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (branch_id, reporter_id, category, urgency, int(for_self), for_whom, details,
             location, latitude, longitude, stamp, stamp, household_id))

    async def get(self, need_id: int) -> NeedRow | None:
        """One need, or None."""
        row = await self.db.fetchone(f"SELECT {_COLUMNS} WHERE n.id = ?", (need_id,))
        return _need(row) if row else None

    async def set_status(self, need_id: int, status: str, *, note: str | None,
                         by: int | None, at: datetime) -> bool:
        """Move an open or assigned need to `status`, in one statement.

        False (and nothing changed) if the need does not exist, is closed already, or has
        that status already; so two presses racing each other make one change.
        """
        stamp = iso(at)
        row = await self.db.write_one(
            """UPDATE needs SET status = :status, status_note = :note, status_by = :by,
                      updated_at = :at,
                      closed_at = CASE WHEN :status IN ('resolved', 'cancelled') THEN :at
                                       ELSE NULL END
                WHERE id = :id AND status NOT IN ('resolved', 'cancelled')
                  AND status <> :status
               RETURNING id""",
            {"status": status, "note": note, "by": by, "at": stamp, "id": need_id})
        return row is not None

    async def in_subtree(
        self,
        root_id: int,
        *,
        statuses: Sequence[str],
        category: str | None = None,
        urgency: str | None = None,
        limit: int = 5,
        offset: int = 0,
    ) -> tuple[list[NeedRow], int]:
        """A page of the subtree's needs with these statuses, and how many there are in all.

        Critical first, then urgent, then normal; the oldest first within each.
        """
        params: dict[str, Any] = {"root": root_id, "statuses": json.dumps(list(statuses)),
                                  "category": category, "urgency": urgency}
        total = await self.db.fetchone(_SUBTREE_FILTER.format(what="count(*)"), params)
        columns = _COLUMNS.split("FROM needs", 1)[0]
        rows = await self.db.fetchall(
            _SUBTREE_FILTER.format(what=columns) + f" {_ORDER} LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset})
        return [_need(r) for r in rows], int(total[0])

    async def of_reporter(self, reporter_id: int, limit: int = 10) -> list[NeedRow]:
        """The needs a member reported, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} WHERE n.reporter_id = ? ORDER BY n.id DESC LIMIT ?",
            (reporter_id, limit))
        return [_need(r) for r in rows]

    async def critical_not_escalated(self) -> list[CriticalNeed]:
        """Open critical needs not yet escalated, oldest first.

        `escalated_at` is written with the escalation's ledger row, and an index holds only
        the open critical needs without it: the minute tick reads those few, not the history.
        """
        rows = await self.db.fetchall(
            f"""SELECT n.id, n.branch_id, n.category, n.details, {sql.display_name("m")},
                       n.created_at
                  FROM needs n INDEXED BY needs_to_escalate
                  CROSS JOIN members m ON m.id = n.reporter_id
                 WHERE n.urgency = 'critical' AND n.status = 'open'
                   AND n.escalated_at IS NULL
                 ORDER BY n.created_at, n.id""")
        return [CriticalNeed(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]))
                for r in rows]
