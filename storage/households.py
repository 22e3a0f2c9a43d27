"""Households: kept by zone, visited, reached (zones themselves: `storage.zones`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from storage import sql
from storage.db import Database
from storage.times import from_iso, iso


class HouseholdInput(NamedTuple):
    """A household to create or update, keyed by (zone name, label) within a branch.

    A tuple, in the order of the import's staged columns: an import makes 200,000 of them.
    """

    zone: str
    label: str
    address: str
    people: int
    notes: str
    responsible_id: int
    vulnerable: bool
    backup_id: int | None = None  # None: no backup (a re-import clears one)


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
    branch_id: int
    handed_to: int | None  # who holds it while the responsible member is off duty
    last_reached_at: datetime | None  # latest contact that reached it
    last_visit_at: datetime | None  # latest contact of any outcome
    last_outcome: str | None

    def holders(self) -> set[int]:
        """The members who may see its address and log visits to it."""
        return {m for m in (self.responsible_id, self.backup_id, self.handed_to) if m}


# The columns of `Household`, in order, for `h` households joined with `z` zones.
HOUSEHOLD_COLUMNS = """h.id, h.zone_id, z.name, h.label, h.address, h.people, h.notes,
    h.responsible_id, h.backup_id, h.vulnerable, z.branch_id, h.handed_to,
    h.last_reached_at, h.last_visit_at, h.last_outcome"""
# One household of a branch by zone name (case ignored, an exact match preferred) and
# label; parameters: branch id, zone name, label, zone name.
_NAMED = """FROM households h JOIN zones z ON z.id = h.zone_id
           WHERE z.branch_id = ? AND lower(z.name) = lower(?) AND h.label = ?
           ORDER BY z.name = ? DESC, z.id LIMIT 1"""
# `bk(branch_id, k)`: for each branch of a CTE `zb(branch_id)`, the days between contacts:
# `visit_every_days` inherited down the tree (:default where no branch up the tree sets
# one), at most :most.
INTERVALS = """
up(start, parent_id, v, depth) AS (
    SELECT b.id, b.parent_id, b.visit_every_days, 0
      FROM zb CROSS JOIN branches b ON b.id = zb.branch_id
    UNION ALL
    SELECT up.start, b.parent_id, b.visit_every_days, up.depth + 1
      FROM up JOIN branches b ON b.id = up.parent_id WHERE up.v IS NULL),
bk(branch_id, k) AS (
    SELECT zb.branch_id, min(:most, coalesce(
        (SELECT v FROM up WHERE up.start = zb.branch_id AND v IS NOT NULL
          ORDER BY depth LIMIT 1), :default)) FROM zb)"""
OUTCOMES = ("well", "needs_help", "no_answer", "refused")
REACHED = ("well", "needs_help", "refused")  # outcomes that count as having reached it


def household_row(r: Sequence[Any]) -> Household:
    """A `Household` from the first 15 columns of a row selected with HOUSEHOLD_COLUMNS."""
    return Household(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), r[10],
                     r[11], from_iso(r[12]), from_iso(r[13]), r[14])


class Households:
    """Households, their holders, and the visits to them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, branch_id: int, households: Sequence[HouseholdInput], *,
                                at: datetime) -> tuple[int, int]:
        """Create or update the households (and their zones) in one transaction.

        A household is found again by its zone's name and its label, so the same file
        imported twice updates rather than duplicates. Returns (created, updated).
        """
        stamp = iso(at)
        created = updated = 0
        zone_ids: dict[str, int] = {}
        async with self.db.transaction() as tx:
            for item in households:
                zone_id = zone_ids.get(item.zone)
                if zone_id is None:
                    row = await tx.fetchone(
                        "INSERT INTO zones(branch_id, name, created_at) VALUES (?, ?, ?)"
                        " ON CONFLICT(branch_id, name) DO UPDATE SET name = excluded.name"
                        " RETURNING id", (branch_id, item.zone, stamp))
                    assert row is not None
                    zone_id = zone_ids[item.zone] = int(row[0])
                exists = await tx.fetchone(
                    "SELECT 1 FROM households WHERE zone_id = ? AND label = ?",
                    (zone_id, item.label)) is not None
                await tx.execute(
                    """INSERT INTO households(zone_id, label, address, people, notes,
                                              responsible_id, backup_id, vulnerable,
                                              created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(zone_id, label) DO UPDATE SET
                           address = excluded.address, people = excluded.people,
                           notes = excluded.notes, responsible_id = excluded.responsible_id,
                           backup_id = excluded.backup_id, vulnerable = excluded.vulnerable,
                           updated_at = excluded.updated_at""",
                    (zone_id, item.label, item.address, item.people, item.notes,
                     item.responsible_id, item.backup_id, int(item.vulnerable), stamp, stamp))
                if exists:
                    updated += 1
                else:
                    created += 1
        return created, updated

    async def of_branch(self, branch_id: int) -> list[Household]:
        """Every household of the branch's own zones, by zone name then label."""
        rows = await self.db.fetchall(
            f"""SELECT {HOUSEHOLD_COLUMNS}
                 FROM households h JOIN zones z ON z.id = h.zone_id
                WHERE z.branch_id = ? ORDER BY z.name, h.label, h.id""", (branch_id,))
        return [household_row(r) for r in rows]

    async def named(self, branch_id: int, zone: str, label: str) -> Household | None:
        """The household of that label in the branch's zone of that name (the name's case
        ignored, an exact match preferred), or None."""
        row = await self.db.fetchone(f"SELECT {HOUSEHOLD_COLUMNS} {_NAMED}",
                                     (branch_id, zone, label, zone))
        return household_row(row) if row else None

    async def remove(self, branch_id: int, zone: str, label: str
                               ) -> tuple[Household, int] | None:
        """Delete one household of the branch's zones (found as `household_named`), with its
        visits and hand-overs (ON DELETE CASCADE), in one transaction.

        Returns the household as it was and how many visits went with it; None if the
        branch has no such household.
        """
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                f"""SELECT {HOUSEHOLD_COLUMNS},
                          (SELECT count(*) FROM visits v WHERE v.household_id = h.id)
                     {_NAMED}""", (branch_id, zone, label, zone))
            if row is None:
                return None
            household = household_row(row)
            await tx.execute("DELETE FROM households WHERE id = ?", (household.id,))
        return household, int(row[15])

    async def of_member(self, member_id: int) -> list[Household]:
        """The households a member is responsible for, backup of, or holds while handed to
        them, by zone name then label."""
        rows = await self.db.fetchall(
            f"""SELECT {HOUSEHOLD_COLUMNS}
                 FROM households h JOIN zones z ON z.id = h.zone_id
                WHERE h.responsible_id = :m OR h.backup_id = :m OR h.handed_to = :m
                ORDER BY z.name, h.label, h.id""", {"m": member_id})
        return [household_row(r) for r in rows]

    async def of_zone(self, zone_id: int) -> list[tuple[Household, str | None]]:
        """The zone's households by label, each with its responsible member's name."""
        rows = await self.db.fetchall(
            f"""SELECT {HOUSEHOLD_COLUMNS},
                      {sql.display_name("m")}
                 FROM households h JOIN zones z ON z.id = h.zone_id
                 LEFT JOIN members m ON m.id = h.responsible_id
                WHERE h.zone_id = ? ORDER BY h.label, h.id""", (zone_id,))
        return [(household_row(r), r[15]) for r in rows]

    async def get(self, household_id: int) -> Household | None:
        """One household, or None."""
        row = await self.db.fetchone(
            f"""SELECT {HOUSEHOLD_COLUMNS} FROM households h JOIN zones z ON z.id = h.zone_id
                WHERE h.id = ?""", (household_id,))
        return household_row(row) if row else None

    async def record_visit(self, household_id: int, member_id: int, outcome: str,
                           note: str | None, *, at: datetime) -> int:
        """Log a contact with a household and update its latest contact; the visit's id."""
        if outcome not in OUTCOMES:
            raise ValueError(f"not a visit outcome: {outcome}")
        stamp = iso(at)
        async with self.db.transaction() as tx:
            visit_id = (await tx.execute(
                "INSERT INTO visits(household_id, member_id, outcome, note, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (household_id, member_id, outcome, note, stamp))).lastrowid
            await tx.execute(
                """UPDATE households SET
                       last_visit_at = max(coalesce(last_visit_at, ''), :at),
                       last_outcome = CASE WHEN coalesce(last_visit_at, '') <= :at
                                           THEN :outcome ELSE last_outcome END,
                       last_reached_at = CASE WHEN :reached
                           THEN max(coalesce(last_reached_at, ''), :at)
                           ELSE last_reached_at END
                    WHERE id = :id""",
                {"at": stamp, "outcome": outcome, "reached": outcome in REACHED,
                 "id": household_id})
        assert visit_id is not None
        return int(visit_id)

    async def visits(self, household_id: int, limit: int = 10
                               ) -> list[tuple[datetime, str, str | None, str | None]]:
        """The household's latest visits, newest first: (at, outcome, note, member's name)."""
        rows = await self.db.fetchall(
            f"""SELECT v.at, v.outcome, v.note, {sql.display_name("m")}
                 FROM visits v LEFT JOIN members m ON m.id = v.member_id
                WHERE v.household_id = ? ORDER BY v.at DESC, v.id DESC LIMIT ?""",
            (household_id, limit))
        return [(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in rows]

    async def of_member_with_intervals(self, member_id: int, *, default: int, most: int
                                         ) -> list[tuple[Household, int]]:
        """The member's households (as `member_households`), each with its interval in days:
        1 if vulnerable, else its branch's `visit_every_days` inherited down the tree
        (`default` where no branch up the tree sets one), at most `most`."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE mine(id, branch_id) AS (
                    SELECT h.id, z.branch_id FROM households h JOIN zones z ON z.id = h.zone_id
                     WHERE h.responsible_id = :m OR h.backup_id = :m OR h.handed_to = :m),
                zb(branch_id) AS (SELECT DISTINCT branch_id FROM mine),
                {INTERVALS}
                SELECT {HOUSEHOLD_COLUMNS}, CASE WHEN h.vulnerable THEN 1 ELSE bk.k END
                  FROM households h JOIN zones z ON z.id = h.zone_id
                  JOIN bk ON bk.branch_id = z.branch_id
                 WHERE h.id IN (SELECT id FROM mine)
                 ORDER BY z.name, h.label, h.id""",
            {"m": member_id, "default": default, "most": most})
        return [(household_row(r), int(r[15])) for r in rows]
