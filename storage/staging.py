"""An import written in short pieces, all or nothing even across a crash: what the
households import (`storage.household_imports`) and the roster import
(`storage.roster_imports`) share.

A file of 200,000 rows cannot be written in one transaction without holding the writer's
lock for seconds, while every check-in waits behind it. So the write (`StagedImports.write`)
is split:

1. **Staging**: `stage` records the import (its table, state 'staging', owned by this
   process) and copies its checked rows into its rows' table in pieces, each its own short
   transaction. Nothing else is touched yet; a crash here leaves an import nobody was told
   of, which is thrown away.
2. **Deciding**: `apply` first sets the state to 'applying' in one tiny transaction, once
   every row is staged. From this commit on the import *will* happen.
3. **Applying**: then, piece by piece, each in one transaction, it applies the piece's rows
   (what that means is the kind's `_apply_rows`) and advances `applied` and the counts in the
   import's record, so a piece is applied exactly once. The last piece sets 'done'; the
   staged rows are then deleted, in pieces too.
4. **Recovery**: `finish` (run when the Store opens) finishes every import left 'applying'
   by a process that is gone (rolls it forward: it had been decided, its rows are all
   staged) and throws away every one left 'staging'. An import whose process still runs
   (a `frontline ... import` beside the bot) is left to it.

Each piece holds the lock for about `PIECE_SECONDS`: its size adapts to how long the last
one took, so a slow disk gets smaller pieces. While an import is applied, readers may see
some of its rows applied and others not yet (for a few seconds); they never see a decided
import undone, nor a staged one applied in part after a restart.

A kind names its two tables (`IMPORTS`, `ROWS`: the import's record, with the columns of
`ImportRecord`, and its rows, keyed by (import_id, seq)), the staged rows' columns
(`COLUMNS`, after import_id and seq) and what it is called in the log (`NOUN`).
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
from typing import Any

from storage.db import Database, Transaction
from storage.times import iso

PIECE_SECONDS = 0.05  # the lock hold a piece aims at
FIRST_PIECE = 2_000  # rows
LEAST_PIECE = 100
MOST_PIECE = 20_000

# Imports this process is writing now, by database file and table: recovery leaves them alone.
_RUNNING: set[tuple[str, str, int]] = set()
# One import applied at a time per database in this process: imports of overlapping files
# end as the later one says, not as a mix of both.
_APPLYING: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


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


class StagedImports:
    """Staging, applying and recovering the imports of one kind (see the module docstring)."""

    IMPORTS = ""  # the imports' table
    ROWS = ""  # their staged rows' table
    COLUMNS: tuple[str, ...] = ()  # a staged row's columns after (import_id, seq)
    NOUN = "import"  # in the log: "<noun> #<id>: ..." (the id and counts are its arguments)

    def __init__(self, db: Database) -> None:
        self.db = db
        self.log = logging.getLogger(type(self).__module__)

    def _key(self, import_id: int) -> tuple[str, str, int]:
        return os.path.abspath(self.db.path), self.IMPORTS, import_id

    async def write(self, branch_id: int, rows: Sequence[Sequence[Any]], *,
                    actor_id: int | None, file_name: str, at: datetime) -> ImportRecord | None:
        """Stage, decide and apply an import (see the module docstring); its final record,
        or None if its branch was deleted meanwhile."""
        import_id = await self.stage(branch_id, rows, actor_id=actor_id, file_name=file_name,
                                     at=at)
        try:
            return await self.apply(import_id)
        finally:
            self._done(import_id)

    def _done(self, import_id: int) -> None:
        """This process no longer writes the import (in case its applying never started)."""
        _RUNNING.discard(self._key(import_id))

    async def stage(self, branch_id: int, rows: Sequence[Sequence[Any]], *,
                    actor_id: int | None, file_name: str, at: datetime) -> int:
        """Record an import and copy its rows in pieces; its id. Nothing is applied yet."""
        import_id = await self.db.execute(
            f"INSERT INTO {self.IMPORTS}(branch_id, owner_pid, actor_id, file, at)"
            " VALUES (?, ?, ?, ?, ?)", (branch_id, os.getpid(), actor_id, file_name, iso(at)))
        _RUNNING.add(self._key(import_id))
        insert = (f"INSERT INTO {self.ROWS}(import_id, seq, {', '.join(self.COLUMNS)})"
                  f" VALUES (?, ?{', ?' * len(self.COLUMNS)})")
        try:
            pacer, seq = _Pacer(), 0
            while seq < len(rows):
                piece = rows[seq:seq + pacer.size]
                params = [(import_id, seq + i, *row) for i, row in enumerate(piece)]
                async with self.db.transaction() as tx:
                    started = time.perf_counter()
                    await tx.executemany(insert, params)
                    await tx.execute(
                        f"UPDATE {self.IMPORTS} SET staged = staged + ? WHERE id = ?",
                        (len(params), import_id))
                pacer.took(len(params), time.perf_counter() - started)
                seq += len(params)
                self.log.debug(self.NOUN + " #%d: %d of %d rows staged", import_id, seq,
                               len(rows))
        except BaseException:
            _RUNNING.discard(self._key(import_id))
            raise
        return import_id

    async def get(self, import_id: int) -> ImportRecord | None:
        """One import's record, or None."""
        row = await self.db.fetchone(
            "SELECT id, branch_id, state, owner_pid, actor_id, file, staged, applied, created,"
            f" updated, at FROM {self.IMPORTS} WHERE id = ?", (import_id,))
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
                    f"UPDATE {self.IMPORTS} SET state = 'applying', owner_pid = ?"
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
            self.log.debug(self.NOUN + " #%d: %d rows applied", import_id, piece[1])

    async def _apply_piece(self, tx: Transaction, import_id: int,
                           size: int) -> tuple[int, int] | None:
        """Apply the next `size` rows: how many, and how many in all so far (None: nothing
        left to do)."""
        row = await tx.fetchone(
            f"SELECT branch_id, staged, applied, at FROM {self.IMPORTS}"
            " WHERE id = ? AND state = 'applying'", (import_id,))
        if row is None:
            return None
        branch_id, staged, lo, at = row
        hi = min(lo + size, staged)
        created, updated = await self._apply_rows(
            tx, {"id": import_id, "branch": branch_id, "at": at, "lo": lo, "hi": hi})
        await tx.execute(
            f"UPDATE {self.IMPORTS} SET applied = :hi, created = created + :created,"
            " updated = updated + :updated,"
            " state = CASE WHEN :hi >= staged THEN 'done' ELSE state END WHERE id = :id",
            {"hi": hi, "created": created, "updated": updated, "id": import_id})
        return hi - lo, hi

    async def _apply_rows(self, tx: Transaction, names: dict[str, Any]) -> tuple[int, int]:
        """Apply the staged rows `names["lo"]` to `names["hi"]` (seq) of import `names["id"]`
        (its branch `names["branch"]`, asked for at `names["at"]`): (created, updated)."""
        raise NotImplementedError

    async def _clean(self, import_id: int) -> None:
        """Delete the import's staged rows, in pieces."""
        pacer = _Pacer()
        while True:
            async with self.db.transaction() as tx:
                started = time.perf_counter()
                (lo,) = await tx.fetchone(
                    f"SELECT min(seq) FROM {self.ROWS} WHERE import_id = ?", (import_id,))
                if lo is not None:
                    deleted = (await tx.execute(
                        f"DELETE FROM {self.ROWS} WHERE import_id = ? AND seq >= ? AND seq < ?",
                        (import_id, lo, lo + pacer.size))).rowcount
            if lo is None:
                return
            pacer.took(deleted, time.perf_counter() - started)

    async def finish(self) -> list[ImportRecord]:
        """Finish the imports that dead processes left decided, throw away those they left
        staging, delete leftover staged rows; the imports finished here."""
        rows = await self.db.fetchall(
            f"SELECT id FROM {self.IMPORTS} WHERE state != 'done'"
            f" UNION SELECT DISTINCT import_id FROM {self.ROWS} ORDER BY 1")
        finished = []
        for (import_id,) in rows:
            record = await self.get(import_id)
            if record is not None and record.state != "done" and self._owned(record):
                continue
            if record is None or record.state == "done":
                await self._clean(import_id)
            elif record.state == "staging":
                self.log.warning("throwing away " + self.NOUN + " #%d: its process %d died while "
                                 "staging it", import_id, record.owner_pid)
                await self._clean(import_id)
                await self.db.execute(f"DELETE FROM {self.IMPORTS} WHERE id = ?", (import_id,))
            else:
                self.log.warning("finishing " + self.NOUN + " #%d (%d of %d rows applied) left by "
                                 "process %d", import_id, record.applied, record.staged,
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
