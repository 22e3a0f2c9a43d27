"""The roster (名册): people the organization lists, before they join.

A row is waiting (not yet joined) while `member_id` and `removed_at` are NULL. Joining by a
personal link claims it (`claim`), in the same transaction as the membership: the member gets
the row's name, phone and notes (`members.name`, `.phone`, `.notes`). See
`storage/migrations/0012_roster.sql`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import sql
from storage.db import Database, Transaction
from storage.times import from_iso, iso

_COLUMNS = """r.id, r.branch_id, b.name, r.role, r.name, r.phone, r.notes, r.member_id,
              r.claimed_at, r.removed_at"""


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One person on the roster."""

    id: int
    branch_id: int
    branch_name: str
    role: str
    name: str
    phone: str | None
    notes: Mapping[str, str] = field(default_factory=dict)
    member_id: int | None = None  # who claimed it (a member now); None: not yet joined
    claimed_at: datetime | None = None
    removed_at: datetime | None = None

    @property
    def waiting(self) -> bool:
        """True while the person has not joined and is still on the roster."""
        return self.member_id is None and self.removed_at is None


def _entry(r: Any) -> RosterEntry:
    return RosterEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {},
                       r[7], from_iso(r[8]), from_iso(r[9]))


def notes_json(notes: Mapping[str, str] | None) -> str | None:
    """The free columns as stored (None when there are none)."""
    return json.dumps(dict(notes), ensure_ascii=False, sort_keys=True) if notes else None


class Roster:
    """People listed before they join: added, read, claimed, taken off."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, branch_id: int, role: str, name: str, *, phone: str | None = None,
                  notes: Mapping[str, str] | None = None, at: datetime) -> int:
        """List a person in a branch; their roster id."""
        stamp = iso(at)
        return await self.db.execute(
            "INSERT INTO roster(branch_id, role, name, phone, notes, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (branch_id, role, name, phone, notes_json(notes), stamp, stamp))

    async def get(self, roster_id: int) -> RosterEntry | None:
        """A roster row by id (waiting, claimed or removed), or None."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM roster r JOIN branches b ON b.id = r.branch_id"
            " WHERE r.id = ?", (roster_id,))
        return _entry(row) if row else None

    async def of_member(self, member_id: int) -> RosterEntry | None:
        """The roster row a member claimed, if they joined by a personal link."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM roster r JOIN branches b ON b.id = r.branch_id"
            " WHERE r.member_id = ? ORDER BY r.claimed_at DESC LIMIT 1", (member_id,))
        return _entry(row) if row else None

    async def waiting(self, root_id: int, *, subtree: bool = True) -> list[RosterEntry]:
        """The people of the branch (and, with `subtree`, the branches below) who have not
        joined yet, by branch then name."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree(only_if=":sub")}
               SELECT {_COLUMNS} FROM down JOIN roster r INDEXED BY roster_waiting
                   ON r.branch_id = down.id AND r.member_id IS NULL AND r.removed_at IS NULL
                 JOIN branches b ON b.id = r.branch_id
                ORDER BY r.branch_id, r.name, r.id""",
            {"root": root_id, "sub": int(subtree)})
        return [_entry(r) for r in rows]

    async def waiting_counts(self, root_id: int) -> dict[int, int]:
        """How many people of each branch of the subtree have not joined yet (branches with
        none left out)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT r.branch_id, count(*) FROM down JOIN roster r INDEXED BY roster_waiting
                   ON r.branch_id = down.id AND r.member_id IS NULL AND r.removed_at IS NULL
                GROUP BY r.branch_id""", {"root": root_id})
        return {r[0]: r[1] for r in rows}

    async def remove(self, roster_id: int, *, at: datetime) -> bool:
        """Take a waiting person off the roster; False if they were not waiting."""
        written = await self.db.execute_counted(
            "UPDATE roster SET removed_at = ?, updated_at = ? WHERE id = ?"
            " AND member_id IS NULL AND removed_at IS NULL", (iso(at), iso(at), roster_id))
        return written.rowcount == 1


async def claim(tx: Transaction, roster_id: int, member_id: int, stamp: str) -> bool:
    """Inside the joining transaction: mark the waiting row claimed by the member and give the
    member its name, phone and notes. False (nothing changed) if it was not waiting."""
    written = await tx.execute(
        "UPDATE roster SET member_id = ?, claimed_at = ?, updated_at = ? WHERE id = ?"
        " AND member_id IS NULL AND removed_at IS NULL", (member_id, stamp, stamp, roster_id))
    if written.rowcount != 1:
        return False
    await tx.execute(
        "UPDATE members SET name = r.name, phone = r.phone, notes = r.notes, updated_at = ?"
        " FROM roster r WHERE r.id = ? AND members.id = ?", (stamp, roster_id, member_id))
    return True
