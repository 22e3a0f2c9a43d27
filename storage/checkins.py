"""Daily check-ins: a member's status for their branch's local day."""

from __future__ import annotations

from datetime import date, datetime

from storage.db import Database
from storage.rows import Checkin
from storage.times import iso


class Checkins:
    """One check-in per member and local day, with an optional note."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        member_id: int,
        branch_id: int,
        day: date,
        status: str,
        *,
        note: str | None = None,
        at: datetime,
    ) -> None:
        """Record the member's status for the local day, replacing an earlier one that day.

        A changed status drops the old note (it described the old status); the same
        status keeps it unless a new note is given.
        """
        stamp = iso(at)
        await self.db.execute(
            """INSERT INTO checkins(member_id, day, branch_id, status, note, created_at,
                                    updated_at)
               VALUES (:m, :day, :branch, :status, :note, :at, :at)
               ON CONFLICT(member_id, day) DO UPDATE SET
                   branch_id = excluded.branch_id, status = excluded.status,
                   note = CASE WHEN excluded.note IS NOT NULL THEN excluded.note
                               WHEN checkins.status = excluded.status THEN checkins.note
                               ELSE NULL END,
                   updated_at = excluded.updated_at""",
            {"m": member_id, "day": day.isoformat(), "branch": branch_id, "status": status,
             "note": note, "at": stamp},
        )

    async def set_note(self, member_id: int, day: date, note: str | None, *,
                       at: datetime) -> bool:
        """Attach a note to the member's check-in of that day; False if there is none."""
        row = await self.db.write_one(
            "UPDATE checkins SET note = ?, updated_at = ? WHERE member_id = ? AND day = ?"
            " RETURNING 1", (note, iso(at), member_id, day.isoformat()))
        return row is not None

    async def get(self, member_id: int, day: date) -> Checkin | None:
        """The member's check-in of that day, or None."""
        row = await self.db.fetchone(
            "SELECT member_id, day, status, note, updated_at FROM checkins"
            " WHERE member_id = ? AND day = ?", (member_id, day.isoformat()))
        if row is None:
            return None
        return Checkin(row[0], date.fromisoformat(row[1]), row[2], row[3],
                       datetime.fromisoformat(row[4]))

    async def days(self, member_id: int, *, until: date, limit: int = 366) -> list[date]:
        """The days (newest first, up to `until`) on which the member checked in."""
        rows = await self.db.fetchall(
            "SELECT day FROM checkins WHERE member_id = ? AND day <= ? ORDER BY day DESC LIMIT ?",
            (member_id, until.isoformat(), limit))
        return [date.fromisoformat(r[0]) for r in rows]

    async def latest_status(self, member_id: int) -> str | None:
        """The status of the member's latest check-in, or None."""
        row = await self.db.fetchone(
            "SELECT status FROM checkins WHERE member_id = ? ORDER BY day DESC LIMIT 1",
            (member_id,))
        return row[0] if row else None
