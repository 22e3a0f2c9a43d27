"""Zones: the parts of a branch that households are kept by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.times import iso


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone of a branch with how many households it has."""

    id: int
    branch_id: int
    name: str
    households: int


class Zones:
    """A branch's zones."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def of_branch(self, branch_id: int) -> list[Zone]:
        """The branch's zones by name, with their household counts."""
        rows = await self.db.fetchall(
            "SELECT z.id, z.branch_id, z.name, count(h.id) FROM zones z"
            " LEFT JOIN households h ON h.zone_id = z.id WHERE z.branch_id = ?"
            " GROUP BY z.id ORDER BY z.name, z.id", (branch_id,))
        return [Zone(r[0], r[1], r[2], r[3]) for r in rows]

    async def named(self, branch_id: int, name: str) -> Zone | None:
        """The branch's zone of that name (case-insensitive), with its household count."""
        row = await self.db.fetchone(
            "SELECT z.id, z.branch_id, z.name, count(h.id) FROM zones z"
            " LEFT JOIN households h ON h.zone_id = z.id"
            " WHERE z.branch_id = ? AND lower(z.name) = lower(?) GROUP BY z.id"
            " ORDER BY z.name = ? DESC, z.id LIMIT 1", (branch_id, name, name))
        return Zone(row[0], row[1], row[2], row[3]) if row else None

    async def add(self, branch_id: int, name: str, *, at: datetime) -> int | None:
        """Create a zone in the branch; None if the branch already has one of that name."""
        async with self.db.transaction() as tx:
            taken = await tx.fetchone(
                "SELECT 1 FROM zones WHERE branch_id = ? AND lower(name) = lower(?)",
                (branch_id, name)) is not None
            if taken:
                return None
            zone_id = (await tx.execute(
                "INSERT INTO zones(branch_id, name, created_at) VALUES (?, ?, ?)",
                (branch_id, name, iso(at)))).lastrowid
        return int(zone_id) if zone_id else None

    async def rename(self, zone_id: int, name: str) -> bool:
        """Rename a zone; False if another zone of its branch already has that name."""
        async with self.db.transaction() as tx:
            taken = await tx.fetchone(
                "SELECT 1 FROM zones z JOIN zones o ON o.branch_id = z.branch_id"
                " WHERE z.id = ? AND o.id != z.id AND lower(o.name) = lower(?)",
                (zone_id, name)) is not None
            if taken:
                return False
            changed = (await tx.execute("UPDATE zones SET name = ? WHERE id = ?",
                                        (name, zone_id))).rowcount
        return changed > 0

    async def remove(self, zone_id: int) -> bool:
        """Delete a zone that has no households; False if it has some (or is gone)."""
        async with self.db.transaction() as tx:
            deleted = (await tx.execute(
                "DELETE FROM zones WHERE id = ?"
                " AND NOT EXISTS (SELECT 1 FROM households WHERE zone_id = zones.id)",
                (zone_id,))).rowcount
        return deleted > 0

    async def get(self, zone_id: int) -> Zone | None:
        """A zone with its number of households, or None."""
        row = await self.db.fetchone(
            """SELECT z.id, z.branch_id, z.name,
                      (SELECT count(*) FROM households h WHERE h.zone_id = z.id)
                 FROM zones z WHERE z.id = ?""", (zone_id,))
        return Zone(*row) if row else None
