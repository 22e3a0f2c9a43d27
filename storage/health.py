"""What the database says about the bot's health: the facts `frontline status` prints and the
admins' alerts watch (`bot.rules.health` holds the verdicts, `bot.rules.late` the late runs).

Every fact here is a read, cheap at any size, and none needs a writer: `frontline status`
reads them through `storage.readonly.ReadOnlyDatabase` (opened `mode=ro`, never created, no
lock that could hold up the running bot). `writable` takes the write lock and gives it back,
for readiness and the admins' alerts.

The outbox's facts stay cheap on an outbox of millions of rows (no index on `done_at` or
`state` other than the pending rows' own):
- pending, and the oldest pending row, through the pending rows' partial index;
- the last delivery (`done_at` of a sent, skipped or unreachable row) among the
  `AROUND_FRONT` rows on either side of the queue's front (the oldest pending row, else the
  newest row). The worker takes rows in queue order, so the row delivered last lies there;
  one delivered far out of order (a retry) is missed only while a newer one was delivered
  after it, which is all the verdict needs to know;
- failed rows: those queued in the last `FAILED_WITHIN` (their first id found by bisecting
  the ids, which follow the queueing time).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from storage.connect import try_write_lock
from storage.db import Database
from storage.readonly import ReadOnlyDatabase
from storage.times import from_iso, iso

AROUND_FRONT = 5000
MIN_FREE_BYTES = 16 * 1024 * 1024  # below this, the disk is as good as full
PROBE_TIMEOUT_S = 1.0
FAILED_WITHIN = timedelta(hours=24)
# A delivery: a message sent, skipped or found unreachable (nobody waits for it any more); a
# failed one (given up after its attempts) is not (`bot.rules.health.outbox_stuck`).
DELIVERED = "('sent', 'skipped', 'unreachable')"


@dataclass(frozen=True, slots=True)
class OutboxFacts:
    """The outbox at a glance."""

    pending: int
    oldest_pending: datetime | None  # when the oldest pending message was queued
    last_delivered: datetime | None  # when a message was last sent, skipped or found unreachable
    failed: int  # messages given up on, of those queued in the last FAILED_WITHIN


@dataclass(frozen=True, slots=True)
class Writable:
    """The write probe's answer: `ok`; else `reason` ("locked", "full", "readonly",
    "error"); and one line saying what was seen."""

    ok: bool
    reason: str | None
    detail: str
    free_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class FileSizes:
    """The database's files, in bytes: the main file and its write-ahead log."""

    main: int
    wal: int

    @property
    def total(self) -> int:
        """Both together: what the database takes on disk."""
        return self.main + self.wal


class Health:
    """The health facts of one database (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def file_sizes(self) -> FileSizes:
        """The sizes of the database file and its write-ahead log (0 when absent)."""
        def size(path: str) -> int:
            try:
                return os.stat(path).st_size
            except OSError:
                return 0
        return FileSizes(size(self.db.path), size(self.db.path + "-wal"))

    async def outbox(self, *, now: datetime) -> OutboxFacts:
        """The outbox's pending work, last delivery and recent failures."""
        row = await self.db.fetchone(
            "SELECT count(*), min(id) FROM outbox WHERE state = 'pending'")
        pending, front = int(row[0]), row[1]
        oldest = None
        if front is not None:
            found = await self.db.fetchone("SELECT created_at FROM outbox WHERE id = ?",
                                           (front,))
            oldest = from_iso(found[0]) if found else None
        else:
            front = await self._end_id(last=True)
        last = await self.db.fetchone(
            f"SELECT max(done_at) FROM outbox WHERE id BETWEEN ? AND ? AND state IN {DELIVERED}",
            (front - AROUND_FRONT, front + AROUND_FRONT))
        first = await self._first_queued_since(now - FAILED_WITHIN)
        failed = await self.db.fetchone(
            "SELECT count(*) FROM outbox WHERE id >= ? AND state = 'failed'", (first,))
        return OutboxFacts(pending, oldest, from_iso(last[0]) if last else None, int(failed[0]))

    async def _first_queued_since(self, since: datetime) -> int:
        """The first outbox id queued at `since` or later (ids follow the queueing time):
        a bisection of the ids, a few lookups by primary key."""
        low, high, stamp = await self._end_id(), await self._end_id(last=True) + 1, iso(since)
        while low < high:  # the first id whose row (or the next existing one) is >= since
            middle = (low + high) // 2
            found = await self.db.fetchone(
                "SELECT id, created_at FROM outbox WHERE id >= ? ORDER BY id LIMIT 1",
                (middle,))
            if found is None or found[1] >= stamp:
                high = middle
            else:
                low = int(found[0]) + 1
        return low

    async def _end_id(self, *, last: bool = False) -> int:
        """The outbox's first (or last) id, 0 if it is empty: one step down the primary key
        (`min(id), max(id)` in one statement would read the whole table)."""
        row = await self.db.fetchone(
            f"SELECT id FROM outbox ORDER BY id {'DESC' if last else 'ASC'} LIMIT 1")
        return int(row[0]) if row else 0

    async def unreachable_members(self) -> int:
        """Members (people in a branch) who blocked the bot: Telegram answered 403 to a
        message for them, and they have not written to the bot since (`members.reachable`)."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM memberships ms JOIN members m ON m.id = ms.member_id"
            " WHERE m.reachable = 0")
        return int(row[0])

    async def weekly_progress(self, since: date) -> datetime | None:
        """When a weekly report (of any branch) keyed `since` or later was last recorded:
        a big organization's reports are made over many ticks (`bot.rules.weekly`)."""
        row = await self.db.fetchone(
            "SELECT max(at) FROM runs INDEXED BY runs_kind_day"
            " WHERE kind = 'weekly' AND day >= ?", (since.isoformat(),))
        return from_iso(row[0]) if row and row[0] else None

    async def writable(self, timeout_s: float = PROBE_TIMEOUT_S) -> Writable:
        """Whether a write could start now: SQLite's write lock taken on a connection of its
        own and given back (`BEGIN IMMEDIATE`, `ROLLBACK`: nothing is written, nobody's
        transaction disturbed), so a lock another program holds beyond `timeout_s` is seen,
        and so is a file that cannot be opened for writing. A write rolled back never reaches
        the disk, so a full disk is seen by the free space beside the file instead
        (`MIN_FREE_BYTES`: SQLite needs room for the write-ahead log before it commits).
        Readiness (`/readyz`) and the admins' alerts both ask this."""
        if isinstance(self.db, ReadOnlyDatabase):
            return Writable(False, "readonly", "opened read-only")
        return await asyncio.to_thread(self._writable, Path(self.db.path), timeout_s)

    def _writable(self, path: Path, timeout_s: float) -> Writable:
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError as exc:
            return Writable(False, "error",
                            f"cannot look at the database's folder ({exc.strerror})")
        if free < MIN_FREE_BYTES:
            return Writable(False, "full", f"the disk is full ({free // 1024} KiB free)", free)
        try:
            try_write_lock(str(path), timeout_s)
        except sqlite3.Error as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                reason = "locked"
            elif "full" in text:
                reason = "full"
            elif any(word in text for word in ("readonly", "read-only", "permission",
                                               "unable to open")):
                reason = "readonly"
            else:
                reason = "error"
            return Writable(False, reason,
                            f"cannot take the write lock within {timeout_s:g} s ({exc})", free)
        return Writable(True, None, f"writable ({free // (1024 * 1024)} MiB free)", free)

    async def probe_write(self) -> str | None:
        """None if the database can be written now, else why not: "locked" (another program
        holds the write lock), "full" (the disk), "readonly" (the file, its folder or the
        file system refuses writes) or "error" (`writable`)."""
        found = await self.writable()
        return None if found.ok else found.reason
