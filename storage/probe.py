"""What readiness and the metrics ask the database: can it be written now, and how long is
the outbox's queue. Cheap enough to ask at every probe and scrape.

The write probe opens a connection of its own, takes SQLite's write lock (`BEGIN
IMMEDIATE`) and gives it back (`ROLLBACK`): nothing is written and nobody's transaction is
disturbed, but a lock another process or connection holds for longer than `timeout_s` is
seen, and so is a file that cannot be opened for writing. A write that is rolled back never
reaches the disk, so a full disk is seen by the free space beside the file instead
(`MIN_FREE_BYTES`): SQLite needs room for the write-ahead log before it can commit.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.connect import try_write_lock
from storage.db import Database
from storage.times import from_iso

MIN_FREE_BYTES = 16 * 1024 * 1024  # below this, the disk is as good as full
PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Writable:
    """The write probe's answer: `ok`, and one line saying what was seen."""

    ok: bool
    detail: str
    free_bytes: int | None = None


@dataclass(frozen=True)
class Backlog:
    """The outbox's queue: rows pending and failed, and when the oldest pending was queued."""

    pending: int
    failed: int
    oldest_pending: datetime | None


class Probe:
    """The questions readiness and the metrics ask of one database."""

    def __init__(self, db: Database, *, min_free_bytes: int = MIN_FREE_BYTES) -> None:
        self.db = db
        self.min_free_bytes = min_free_bytes

    async def writable(self, timeout_s: float = PROBE_TIMEOUT_S) -> Writable:
        """Whether a write could start now (see the module's docstring)."""
        return await asyncio.to_thread(self._writable, Path(self.db.path), timeout_s)

    def _writable(self, path: Path, timeout_s: float) -> Writable:
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError as exc:
            return Writable(False, f"cannot look at the database's folder ({exc.strerror})")
        if free < self.min_free_bytes:
            return Writable(False, f"the disk is full ({free // 1024} KiB free)", free)
        try:
            try_write_lock(str(path), timeout_s)
        except sqlite3.Error as exc:
            return Writable(False, f"cannot take the write lock within {timeout_s:g} s ({exc})",
                            free)
        return Writable(True, f"writable ({free // (1024 * 1024)} MiB free)", free)

    async def backlog(self) -> Backlog:
        """The outbox's pending and failed rows, and when the oldest pending was queued."""
        row = await self.db.fetchone(
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'),"
            " (SELECT count(*) FROM outbox WHERE state = 'failed'),"
            " (SELECT created_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1)")
        return Backlog(int(row[0]), int(row[1]), from_iso(row[2]))
