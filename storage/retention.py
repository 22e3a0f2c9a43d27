"""Retention: pruning and anonymising old rows, one bounded piece per call.

Each function does one piece (at most `piece` rows) in one short write transaction and says
how much it did; `bot.rules.retention` calls them until they do nothing more, so that the bot
keeps answering between pieces. Every function is idempotent: run again after a crash, it
finds what is left.

- **Outbox**: a row delivered (or given up on: sent, skipped, unreachable, failed) and queued
  before the cutoff is deleted, unless it belongs to a broadcast: then it stays, as the record
  of whom the broadcast reached (acknowledgement figures, `/broadcasts`, records and the
  leaders' figures count those rows), with its text and buttons emptied. Pending rows are never
  touched. Rows are walked in id order (ids grow with time) from the first, each run: what
  is left of the old rows (the broadcasts', the pending ones) is all a run walks again.
- **Attachments** queued before the cutoff that no outbox row refers to any more are deleted.
- **Audit log** entries before the cutoff are deleted.
- **Check-ins** of local days before the cutoff day: the day's counts by branch and status go
  to `checkin_counts` (in the transaction of the day's first piece), then each check-in's
  status becomes `checked_in` and its note is dropped.
- **Free text that may tell of someone's health**: a need closed (resolved or cancelled)
  before the cutoff loses its details, who it was for, its location and the secretary's note
  (its category, urgency, household and times stay); a visit before the cutoff loses its note
  (its outcome stays); an answer to an assignment before the cutoff loses its decline reason
  and done note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage import sql
from storage.db import Database
from storage.rows import STATUSES
from storage.times import iso

ANONYMISED = "checked_in"  # the status of a check-in whose status is no longer kept
PIECE = 5000


@dataclass(frozen=True, slots=True)
class OutboxPiece:
    """What one piece of the outbox's walk did."""

    upto: int  # the last id walked: the next piece starts after it
    deleted: int
    emptied: int
    more: bool  # rows older than the cutoff may remain to be walked


@dataclass(frozen=True, slots=True)
class CheckinPiece:
    """One piece of a day's check-ins anonymised (`counted`: the day's counts kept now)."""

    day: str
    anonymised: int
    counted: bool


class Retention:
    """Pruning and anonymising old rows, and the counts kept of anonymised check-ins."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- the outbox -----------------------------------------------------------------------

    async def prune_outbox(self, before: datetime, piece: int = PIECE, *,
                           after: int = 0) -> OutboxPiece:
        """Walk the next `piece` outbox rows after the id `after` that were queued before
        `before`: delete the delivered ones of no broadcast, empty the text of a broadcast's
        delivered ones, leave pending ones."""
        cutoff = iso(before)
        async with self.db.transaction() as tx:
            walked = await tx.fetchall(
                "SELECT id, created_at FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                (after, piece))
            old = [r[0] for r in walked if r[1] < cutoff]
            # Ids grow with time: the walk stops at the first row queued after the cutoff.
            young = len(old) < len(walked)
            if not old:
                return OutboxPiece(after, 0, 0, False)
            upto = old[-1] if not young else next(r[0] for r in walked if r[1] >= cutoff) - 1
            deleted = await tx.execute(
                "DELETE FROM outbox WHERE id > ? AND id <= ? AND broadcast_id IS NULL"
                " AND state != 'pending' AND created_at < ?", (after, upto, cutoff))
            emptied = await tx.execute(
                "UPDATE outbox SET text = '', buttons = NULL WHERE id > ? AND id <= ?"
                " AND broadcast_id IS NOT NULL AND state != 'pending' AND created_at < ?"
                " AND (text != '' OR buttons IS NOT NULL)", (after, upto, cutoff))
        return OutboxPiece(upto, deleted.rowcount, emptied.rowcount,
                           not young and len(walked) == piece)

    async def prune_attachments(self, before: datetime, piece: int = PIECE) -> int:
        """Delete attachments stored before `before` that no outbox row refers to."""
        written = await self.db.execute_counted(
            "DELETE FROM attachments WHERE id IN (SELECT a.id FROM attachments a"
            " WHERE a.created_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o INDEXED BY"
            " outbox_attachment WHERE o.attachment_id = a.id) LIMIT ?)", (iso(before), piece))
        return written.rowcount

    # --- the audit log --------------------------------------------------------------------

    async def prune_audit(self, before: datetime, piece: int = PIECE) -> int:
        """Delete audit entries made before `before`."""
        written = await self.db.execute_counted(
            "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log INDEXED BY"
            " audit_log_at WHERE at < ? ORDER BY at LIMIT ?)", (iso(before), piece))
        return written.rowcount

    # --- check-ins --------------------------------------------------------------------------

    async def _next_day(self, before: date) -> str | None:
        """The first local day before `before` with check-ins still to anonymise."""
        row = await self.db.fetchone("SELECT max(day) FROM checkin_counts")
        day = row[0] if row and row[0] else None
        if day is None:
            row = await self.db.fetchone("SELECT min(day) FROM checkins")
            day = row[0] if row else None
        while day is not None and day < before.isoformat():
            left = await self.db.fetchone(
                "SELECT 1 FROM checkins INDEXED BY checkins_day WHERE day = ?"
                " AND status != ? LIMIT 1", (day, ANONYMISED))
            if left:
                return str(day)
            row = await self.db.fetchone(
                "SELECT min(day) FROM checkins INDEXED BY checkins_day WHERE day > ?", (day,))
            day = row[0] if row else None
        return None

    async def anonymise_checkins(self, before: date,
                                 piece: int = PIECE) -> CheckinPiece | None:
        """Anonymise one piece of the first day before `before` that has check-ins with a
        status; its counts are kept first. None when no such day is left."""
        day = await self._next_day(before)
        if day is None:
            return None
        counts = ", ".join(f"count(*) FILTER (WHERE status = '{s}')" for s in STATUSES)
        async with self.db.transaction() as tx:
            counted = await tx.execute(
                "INSERT INTO checkin_counts(branch_id, day, checked_in,"
                f" {', '.join(STATUSES)}) SELECT branch_id, day, count(*), {counts}"
                " FROM checkins INDEXED BY checkins_day WHERE day = :day"
                " AND NOT EXISTS (SELECT 1 FROM checkin_counts WHERE day = :day)"
                " GROUP BY branch_id", {"day": day})
            done = await tx.execute(
                "UPDATE checkins INDEXED BY checkins_day SET status = :anon, note = NULL"
                " WHERE day = :day AND member_id IN (SELECT member_id FROM checkins"
                " INDEXED BY checkins_day WHERE day = :day AND status != :anon LIMIT :piece)",
                {"day": day, "anon": ANONYMISED, "piece": piece})
        return CheckinPiece(day, done.rowcount, counted.rowcount > 0)

    async def anonymised_through(self) -> date | None:
        """The last local day whose check-in counts are kept (its statuses are gone or
        going), or None."""
        row = await self.db.fetchone("SELECT max(day) FROM checkin_counts")
        return date.fromisoformat(row[0]) if row and row[0] else None

    async def kept_statuses(self, root_id: int, day: date) -> dict[int, dict[str, int]]:
        """The kept counts of a day's check-ins by status, for the root's own branch and each
        direct sub-branch's subtree (by branch id, as `storage.digest` parts them); empty if
        the day's counts were not kept (its statuses are all still there)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()}
               SELECT down.top, {', '.join(f'sum(k.{s})' for s in STATUSES)}
                 FROM down JOIN checkin_counts k ON k.day = :day AND k.branch_id = down.id
                GROUP BY down.top""", {"root": root_id, "day": day.isoformat()})
        return {int(r[0]): dict(zip(STATUSES, map(int, r[1:]), strict=True)) for r in rows}

    # --- free text --------------------------------------------------------------------------

    async def clear_needs(self, before: datetime, piece: int = PIECE) -> int:
        """Clear the free text of needs closed before `before`."""
        written = await self.db.execute_counted(
            "UPDATE needs SET details = '', for_whom = NULL, location = NULL,"
            " latitude = NULL, longitude = NULL, status_note = NULL"
            " WHERE id IN (SELECT id FROM needs WHERE status IN ('resolved', 'cancelled')"
            " AND closed_at < ? AND (details != '' OR for_whom IS NOT NULL"
            " OR location IS NOT NULL OR latitude IS NOT NULL OR status_note IS NOT NULL)"
            " LIMIT ?)", (iso(before), piece))
        return written.rowcount

    async def clear_visits(self, before: datetime, piece: int = PIECE) -> int:
        """Clear the notes of visits made before `before`."""
        written = await self.db.execute_counted(
            "UPDATE visits SET note = NULL WHERE id IN (SELECT id FROM visits INDEXED BY"
            " visits_noted WHERE note IS NOT NULL AND at < ? LIMIT ?)", (iso(before), piece))
        return written.rowcount

    async def clear_answers(self, before: datetime, piece: int = PIECE) -> int:
        """Clear the decline reasons and done notes of assignments answered before
        `before`."""
        written = await self.db.execute_counted(
            "UPDATE assignments SET decline_reason = NULL, done_note = NULL"
            " WHERE (task_id, member_id) IN (SELECT task_id, member_id FROM assignments"
            " WHERE coalesce(done_at, answered_at) < ?"
            " AND (decline_reason IS NOT NULL OR done_note IS NOT NULL) LIMIT ?)",
            (iso(before), piece))
        return written.rowcount
