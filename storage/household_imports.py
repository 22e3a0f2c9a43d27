"""A household import written in short pieces, all or nothing even across a crash.

A file of 200,000 households cannot be written in one transaction without holding the
writer's lock for seconds, while every check-in waits behind it. So the write
(`HouseholdImports.write`) is split:

1. **Staging**: `stage` records the import (`household_imports`, state
   'staging', owned by this process) and copies its checked rows into
   `household_import_rows` in pieces, each its own short transaction. Households are not
   touched yet; a crash here leaves an import nobody was told of, which is thrown away.
2. **Deciding**: `apply` first sets the state to 'applying' in one tiny
   transaction, once every row is staged. From this commit on the import *will* happen.
3. **Applying**: then, piece by piece, each in one transaction, it creates the piece's
   zones, upserts its households (by zone name and label, as `Households.upsert` does) and
   advances `applied` and the counts in the import's record, so a piece is applied exactly
   once. The last piece sets 'done'; the staged rows are then deleted, in pieces too.
4. **Recovery**: `finish` (run when the Store opens) finishes every import
   left 'applying' by a process that is gone (rolls it forward: it had been decided, its rows
   are all staged) and throws away every one left 'staging'. An import whose process still
   runs (a `frontline households import` beside the bot) is left to it.

Each piece holds the lock for about `PIECE_SECONDS`: its size adapts to how long the last
one took, so a slow disk gets smaller pieces. While an import is applied, readers may see
some of its households new and others not yet (for a few seconds); they never see a
decided import undone, nor a staged one applied in part after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Transaction
from storage.households import HouseholdInput
from storage.times import iso

logger = logging.getLogger(__name__)

PIECE_SECONDS = 0.05  # the lock hold a piece aims at
FIRST_PIECE = 2_000  # rows
LEAST_PIECE = 100
MOST_PIECE = 20_000

# Imports this process is writing now, by database file: recovery leaves them alone.
_RUNNING: set[tuple[str, int]] = set()
# One import applied at a time per database in this process: imports of overlapping files
# end as the later one says, not as a mix of both.
_APPLYING: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()

_UPSERT = """
INSERT INTO households(zone_id, label, address, people, notes, responsible_id, backup_id,
                       vulnerable, created_at, updated_at)
SELECT z.id, s.label, s.address, s.people, s.notes,
       (SELECT m.id FROM members m WHERE m.id = s.responsible_id),
       (SELECT m.id FROM members m WHERE m.id = s.backup_id),
       s.vulnerable, :at, :at
  FROM household_import_rows s JOIN zones z ON z.branch_id = :branch AND z.name = s.zone
 WHERE s.import_id = :id AND s.seq >= :lo AND s.seq < :hi
ON CONFLICT(zone_id, label) DO UPDATE SET
    address = excluded.address, people = excluded.people, notes = excluded.notes,
    responsible_id = excluded.responsible_id, backup_id = excluded.backup_id,
    vulnerable = excluded.vulnerable, updated_at = excluded.updated_at"""


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """An import as recorded: its state and how far it got."""

    id: int
    branch_id: int
    state: str  # staging, applying, done
    owner_pid: int
    actor_id: int | None
    file: str
    staged: int
    applied: int
    created: int
    updated: int
    at: str


class _Pacer:
    """Rows per piece, adapted so that a piece holds the lock about `PIECE_SECONDS`."""

    def __init__(self) -> None:
        self.size = FIRST_PIECE

    def took(self, rows: int, seconds: float) -> None:
        if rows < self.size:
            return  # a short last piece says little
        wanted = rows * PIECE_SECONDS / max(seconds, 1e-4)
        self.size = int(min(MOST_PIECE, max(LEAST_PIECE, wanted, self.size / 2),
                            self.size * 2))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class HouseholdImports:
    """Staging, applying and recovering household imports."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _key(self, import_id: int) -> tuple[str, int]:
        return os.path.abspath(self.db.path), import_id

    async def write(self, branch_id: int,
                                     households: Sequence[HouseholdInput], *,
                                     actor_id: int | None, file_name: str,
                                     at: datetime) -> ImportRecord | None:
        """Stage, decide and apply an import (see the module docstring); its final record,
        or None if its branch was deleted meanwhile."""
        import_id = await self.stage(branch_id, households, actor_id=actor_id,
                                                      file_name=file_name, at=at)
        try:
            return await self.apply(import_id)
        finally:
            _RUNNING.discard(self._key(import_id))  # in case it never started

    async def stage(self, branch_id: int, households: Sequence[HouseholdInput],
                                     *, actor_id: int | None, file_name: str,
                                     at: datetime) -> int:
        """Record an import and copy its rows in pieces; its id. Nothing is applied yet."""
        import_id = await self.db.execute(
            "INSERT INTO household_imports(branch_id, owner_pid, actor_id, file, at)"
            " VALUES (?, ?, ?, ?, ?)", (branch_id, os.getpid(), actor_id, file_name, iso(at)))
        _RUNNING.add(self._key(import_id))
        try:
            pacer, seq = _Pacer(), 0
            while seq < len(households):
                piece = households[seq:seq + pacer.size]
                params = [(import_id, seq + i, *household)
                          for i, household in enumerate(piece)]
                async with self.db.transaction() as tx:
                    started = time.perf_counter()
                    await tx.executemany(
                        "INSERT INTO household_import_rows(import_id, seq, zone, label, address,"
                        " people, notes, responsible_id, vulnerable, backup_id)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        params)
                    await tx.execute(
                        "UPDATE household_imports SET staged = staged + ? WHERE id = ?",
                        (len(params), import_id))
                pacer.took(len(params), time.perf_counter() - started)
                seq += len(params)
                logger.debug("household import #%d: %d of %d rows staged", import_id, seq,
                             len(households))
        except BaseException:
            _RUNNING.discard(self._key(import_id))
            raise
        return import_id

    async def get(self, import_id: int) -> ImportRecord | None:
        """One import's record, or None."""
        row = await self.db.fetchone(
            "SELECT id, branch_id, state, owner_pid, actor_id, file, staged, applied, created,"
            " updated, at FROM household_imports WHERE id = ?", (import_id,))
        return ImportRecord(*row) if row else None

    async def apply(self, import_id: int) -> ImportRecord | None:
        """Decide a staged import, apply it piece by piece and clean up; its final record.

        None if the import is gone (its branch was deleted meanwhile).
        """
        key = self._key(import_id)
        _RUNNING.add(key)
        try:
            async with _APPLYING.setdefault(self.db, asyncio.Lock()):
                # The decision (or, in recovery, taking over a decided import).
                await self.db.execute(
                    "UPDATE household_imports SET state = 'applying', owner_pid = ?"
                    " WHERE id = ? AND state != 'done'", (os.getpid(), import_id))
                await self._apply(import_id)
            await self._clean(import_id)
        finally:
            _RUNNING.discard(key)
        return await self.get(import_id)

    async def _apply(self, import_id: int) -> None:
        pacer = _Pacer()
        while True:
            async with self.db.transaction() as tx:
                started = time.perf_counter()
                piece = await self._apply_piece(tx, import_id, pacer.size)
            if piece is None:
                return
            pacer.took(piece[0], time.perf_counter() - started)
            logger.debug("household import #%d: %d rows applied", import_id, piece[1])

    async def _apply_piece(self, tx: Transaction, import_id: int,
                           size: int) -> tuple[int, int] | None:
        """Apply the next `size` rows: how many, and how many in all so far (None: nothing
        left to do)."""
        row = await tx.fetchone(
            "SELECT branch_id, staged, applied, at FROM household_imports"
            " WHERE id = ? AND state = 'applying'", (import_id,))
        if row is None:
            return None
        branch_id, staged, lo, at = row
        hi = min(lo + size, staged)
        names = {"id": import_id, "branch": branch_id, "at": at, "lo": lo, "hi": hi}
        await tx.execute(
            "INSERT INTO zones(branch_id, name, created_at)"
            " SELECT DISTINCT :branch, zone, :at FROM household_import_rows"
            " WHERE import_id = :id AND seq >= :lo AND seq < :hi"
            " ON CONFLICT(branch_id, name) DO NOTHING", names)
        # New households get ids above every existing one (SQLite's rowid rule), so those
        # above the largest id before the upsert are the ones it created.
        (before,) = await tx.fetchone("SELECT coalesce(max(id), 0) FROM households")
        await tx.execute(_UPSERT, names)
        (created,) = await tx.fetchone("SELECT count(*) FROM households WHERE id > ?",
                                       (before,))
        await tx.execute(
            "UPDATE household_imports SET applied = :hi, created = created + :created,"
            " updated = updated + :updated,"
            " state = CASE WHEN :hi >= staged THEN 'done' ELSE state END WHERE id = :id",
            {"hi": hi, "created": created, "updated": hi - lo - created, "id": import_id})
        return hi - lo, hi

    async def _clean(self, import_id: int) -> None:
        """Delete the import's staged rows, in pieces."""
        pacer = _Pacer()
        while True:
            async with self.db.transaction() as tx:
                started = time.perf_counter()
                (lo,) = await tx.fetchone(
                    "SELECT min(seq) FROM household_import_rows WHERE import_id = ?",
                    (import_id,))
                if lo is not None:
                    deleted = (await tx.execute(
                        "DELETE FROM household_import_rows"
                        " WHERE import_id = ? AND seq >= ? AND seq < ?",
                        (import_id, lo, lo + pacer.size))).rowcount
            if lo is None:
                return
            pacer.took(deleted, time.perf_counter() - started)

    async def finish(self) -> list[ImportRecord]:
        """Finish the imports that dead processes left decided, throw away those they left
        staging, delete leftover staged rows; the imports finished here."""
        rows = await self.db.fetchall(
            "SELECT id FROM household_imports WHERE state != 'done'"
            " UNION SELECT DISTINCT import_id FROM household_import_rows ORDER BY 1")
        finished = []
        for (import_id,) in rows:
            record = await self.get(import_id)
            if record is not None and record.state != "done" and self._owned(record):
                continue
            if record is None or record.state == "done":
                await self._clean(import_id)
            elif record.state == "staging":
                logger.warning("throwing away household import #%d: its process %d died while "
                               "staging it", import_id, record.owner_pid)
                await self._clean(import_id)
                await self.db.execute("DELETE FROM household_imports WHERE id = ?",
                                      (import_id,))
            else:
                logger.warning("finishing household import #%d (%d of %d rows applied) left "
                               "by process %d", import_id, record.applied, record.staged,
                               record.owner_pid)
                done = await self.apply(import_id)
                if done is not None:
                    finished.append(done)
        return finished

    def _owned(self, record: ImportRecord) -> bool:
        """True if a live process is writing the import (this one, or another)."""
        if record.owner_pid == os.getpid():
            return self._key(record.id) in _RUNNING
        return _alive(record.owner_pid)
