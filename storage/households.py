"""Queries of zones and households (mixed into `Store`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.times import iso


@dataclass(frozen=True, slots=True)
class HouseholdInput:
    """A household to create or update, keyed by (zone name, label) within a branch."""

    zone: str
    label: str
    address: str
    people: int
    notes: str
    responsible_id: int
    vulnerable: bool


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone of a branch with how many households it has."""

    id: int
    branch_id: int
    name: str
    households: int


@dataclass(frozen=True, slots=True)
class Household:
    """A household as stored, with its zone's name."""

    id: int
    zone_id: int
    zone: str
    label: str
    address: str
    people: int
    notes: str
    responsible_id: int | None
    backup_id: int | None
    vulnerable: bool


class HouseholdQueries:
    """Zones, households, and the bulk import of households."""

    db: Database

    async def members_in_subtree(self, root_id: int, ids: Iterable[int],
                                 usernames: Iterable[str]) -> list[tuple[int, str | None]]:
        """Members of the subtree among the given ids or @usernames, as (id, username)."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id) AS (
                   SELECT :root UNION ALL
                   SELECT b.id FROM branches b JOIN down ON b.parent_id = down.id)
               SELECT m.id, m.username
                 FROM down JOIN memberships ms ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id
                WHERE m.id IN (SELECT value FROM json_each(:ids))
                   OR lower(m.username) IN (SELECT lower(value) FROM json_each(:names))""",
            {"root": root_id, "ids": json.dumps(sorted(set(ids))),
             "names": json.dumps(sorted(set(usernames)))})
        return [(r[0], r[1]) for r in rows]

    async def upsert_households(self, branch_id: int, households: Sequence[HouseholdInput], *,
                                at: datetime) -> tuple[int, int]:
        """Create or update the households (and their zones) in one transaction.

        A household is found again by its zone's name and its label, so the same file
        imported twice updates rather than duplicates. Returns (created, updated).
        """
        stamp = iso(at)
        created = updated = 0
        zone_ids: dict[str, int] = {}
        async with self.db.transaction() as conn:
            for item in households:
                zone_id = zone_ids.get(item.zone)
                if zone_id is None:
                    cursor = await conn.execute(
                        "INSERT INTO zones(branch_id, name, created_at) VALUES (?, ?, ?)"
                        " ON CONFLICT(branch_id, name) DO UPDATE SET name = excluded.name"
                        " RETURNING id", (branch_id, item.zone, stamp))
                    row = await cursor.fetchone()
                    await cursor.close()
                    assert row is not None
                    zone_id = zone_ids[item.zone] = int(row[0])
                cursor = await conn.execute(
                    "SELECT 1 FROM households WHERE zone_id = ? AND label = ?",
                    (zone_id, item.label))
                exists = await cursor.fetchone() is not None
                await cursor.close()
                await conn.execute(
                    """INSERT INTO households(zone_id, label, address, people, notes,
                                              responsible_id, vulnerable, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(zone_id, label) DO UPDATE SET
                           address = excluded.address, people = excluded.people,
                           notes = excluded.notes, responsible_id = excluded.responsible_id,
                           vulnerable = excluded.vulnerable, updated_at = excluded.updated_at""",
                    (zone_id, item.label, item.address, item.people, item.notes,
                     item.responsible_id, int(item.vulnerable), stamp, stamp))
                if exists:
                    updated += 1
                else:
                    created += 1
        return created, updated

    async def zones(self, branch_id: int) -> list[Zone]:
        """The branch's zones by name, with their household counts."""
        rows = await self.db.fetchall(
            "SELECT z.id, z.branch_id, z.name, count(h.id) FROM zones z"
            " LEFT JOIN households h ON h.zone_id = z.id WHERE z.branch_id = ?"
            " GROUP BY z.id ORDER BY z.name, z.id", (branch_id,))
        return [Zone(r[0], r[1], r[2], r[3]) for r in rows]

    async def branch_households(self, branch_id: int) -> list[Household]:
        """Every household of the branch's own zones, by zone name then label."""
        rows = await self.db.fetchall(
            """SELECT h.id, h.zone_id, z.name, h.label, h.address, h.people, h.notes,
                      h.responsible_id, h.backup_id, h.vulnerable
                 FROM households h JOIN zones z ON z.id = h.zone_id
                WHERE z.branch_id = ? ORDER BY z.name, h.label, h.id""", (branch_id,))
        return [Household(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]))
                for r in rows]
