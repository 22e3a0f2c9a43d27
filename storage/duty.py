"""Members off duty and their households: hand-overs, members away, who could take over.

A member is off duty when marked away or when their latest check-in says unwell or
quarantined (`storage.sql.off_duty`); see `storage.coverage` for what that does to coverage.
"""

from __future__ import annotations

from datetime import date, datetime

from storage import sql
from storage.coverage import Candidate, DutyState, OffDuty
from storage.db import Database
from storage.times import from_iso, iso

_NAME = sql.display_name("m")

# Members off duty (`off`: id, branch_id, away) with the households they are responsible
# for: how many, how many handed, and the name of one holder; by name.
_OFF_DUTY = f"""
resp AS (SELECT off.id AS id, off.branch_id AS branch_id, off.away AS away,
                count(*) AS n, count(h.handed_to) AS handed, max(h.handed_to) AS to_id,
                sum(h.handed_to IS NULL AND h.backup_id IS NOT NULL AND
                    (SELECT NOT {sql.off_duty("b")} FROM members b WHERE b.id = h.backup_id))
                    AS backed
           FROM off JOIN households h ON h.responsible_id = off.id GROUP BY off.id)
SELECT m.id, {_NAME}, resp.branch_id,
       CASE WHEN resp.away IS NOT NULL THEN 'away'
            ELSE (SELECT c.status FROM checkins c WHERE c.member_id = m.id
                   ORDER BY c.day DESC LIMIT 1) END,
       resp.n, resp.handed,
       (SELECT {sql.display_name("t")} FROM members t WHERE t.id = resp.to_id),
       coalesce(resp.backed, 0)
  FROM resp JOIN members m ON m.id = resp.id
 ORDER BY {_NAME}, m.id"""


class Duty:
    """Who is off duty, who holds their households, and hand-overs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def off_duty_holders(self, root_id: int) -> list[OffDuty]:
        """Members of the subtree who are off duty and responsible for households (all of
        theirs, wherever they are), by name."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
                -- The few members off duty first (one check-in lookup per member of the
                -- subtree), then their households through households_responsible.
                off AS MATERIALIZED (
                    SELECT m.id AS id, ms.branch_id AS branch_id, m.away_since AS away
                      FROM down JOIN memberships ms ON ms.branch_id = down.id
                      JOIN members m ON m.id = ms.member_id WHERE {sql.off_duty("m")}),
                {_OFF_DUTY}""", {"root": root_id})
        return [OffDuty(*r) for r in rows]

    async def hand_over(self, from_member: int, to_member: int, *, at: datetime) -> int:
        """Hand every household `from_member` is responsible for to `to_member` until they
        return (re-handing moves them on); how many were handed."""
        stamp = iso(at)
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE handovers SET returned_at = ? WHERE returned_at IS NULL AND"
                " household_id IN (SELECT id FROM households WHERE responsible_id = ?)",
                (stamp, from_member))
            handed = (await tx.execute(
                "INSERT INTO handovers(household_id, from_member, to_member, at)"
                " SELECT id, ?, ?, ? FROM households WHERE responsible_id = ?",
                (from_member, to_member, stamp, from_member))).rowcount
            await tx.execute("UPDATE households SET handed_to = ? WHERE responsible_id = ?",
                               (to_member, from_member))
        return handed

    async def return_households(self, member_id: int, *, at: datetime) -> list[tuple[int, int]]:
        """Give back the member's households that were handed to others: (holder, count)."""
        async with self.db.transaction() as tx:
            held = [(int(r[0]), int(r[1])) for r in await tx.fetchall(
                "SELECT handed_to, count(*) FROM households"
                " WHERE responsible_id = ? AND handed_to IS NOT NULL"
                " GROUP BY handed_to ORDER BY handed_to", (member_id,))]
            if held:
                await tx.execute(
                    "UPDATE handovers SET returned_at = ? WHERE returned_at IS NULL AND"
                    " household_id IN (SELECT id FROM households WHERE responsible_id = ?)",
                    (iso(at), member_id))
                await tx.execute(
                    "UPDATE households SET handed_to = NULL WHERE responsible_id = ?",
                    (member_id,))
        return held

    async def set_away(self, member_id: int, since: datetime | None) -> bool:
        """Mark the member away since then (None: back); False if nothing changed."""
        sql = ("UPDATE members SET away_since = NULL WHERE id = ? AND away_since IS NOT NULL"
               if since is None else
               "UPDATE members SET away_since = ? WHERE id = ? AND away_since IS NULL")
        params = (member_id,) if since is None else (iso(since), member_id)
        async with self.db.transaction() as tx:
            changed = (await tx.execute(sql, params)).rowcount
        return changed > 0

    async def state(self, member_id: int) -> DutyState | None:
        """Whether the member is away and how many households they have and have handed."""
        row = await self.db.fetchone(
            """SELECT m.away_since,
                      (SELECT count(*) FROM households WHERE responsible_id = m.id),
                      (SELECT count(*) FROM households
                        WHERE responsible_id = m.id AND handed_to IS NOT NULL)
                 FROM members m WHERE m.id = ?""", (member_id,))
        return DutyState(from_iso(row[0]), int(row[1]), int(row[2])) if row else None

    async def off_duty_member(self, member_id: int) -> OffDuty | None:
        """The member if they are off duty and responsible for households (anywhere), else
        None."""
        row = await self.db.fetchone(
            f"""WITH off AS (
                    SELECT m.id AS id, ms.branch_id AS branch_id, m.away_since AS away
                      FROM members m JOIN memberships ms ON ms.member_id = m.id
                     WHERE m.id = :m AND {sql.off_duty("m")}),
                {_OFF_DUTY}""", {"m": member_id})
        return OffDuty(*row) if row else None

    async def handover_candidates(self, branch_id: int, day: date, *,
                                  excluding: int) -> list[Candidate]:
        """Members of exactly this branch who are not off duty (and not `excluding`):
        those on duty or available on `day` first, then by name."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {_NAME}, c.status
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                  LEFT JOIN checkins c ON c.member_id = m.id AND c.day = :day
                 WHERE ms.branch_id = :branch AND m.id != :excluding
                   AND NOT coalesce({sql.off_duty("m")}, 0)
                 ORDER BY coalesce(c.status IN ('on_duty', 'available'), 0) DESC,
                          {_NAME}, m.id""",
            {"branch": branch_id, "day": day.isoformat(), "excluding": excluding})
        return [Candidate(r[0], r[1], r[2]) for r in rows]
