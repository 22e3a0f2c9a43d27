"""The SQLite database: one write path, separate readers, migrations, backup.

One discipline for every statement (datasette's, with asyncio instead of threads):

- **Writes** go through one connection, reachable only through `execute`, `write`,
  `executemany` and `transaction()`, each of which takes the one writer's lock for its
  whole duration. A single statement runs in a transaction of its own; a transaction
  (`async with db.transaction() as tx`) is `BEGIN IMMEDIATE ... COMMIT` and nobody else
  writes while it is open. So a write that returned has been committed, and no other
  coroutine's rollback can take it back.
- **Reads** (`fetchone`, `fetchall`) go to a small pool of other connections opened with
  `PRAGMA query_only`: they can never join a write transaction, never see uncommitted
  rows (WAL gives each statement a snapshot of what was committed), and a statement that
  tries to write through them fails ("attempt to write a readonly database"), so the wrong
  way is hard. Readers run beside the writer and beside each other.
- Long work holds the lock in short pieces (see the household import): the lock is fair
  (first come, first served), so a press queued behind a piece waits for that piece only.

Durability: WAL with `synchronous=NORMAL` makes a commit survive a crash of the process
(SIGKILL); a power cut may lose the last commits, never corrupt the file.

Files are created 0600 (see `storage.connect`); only `initialize(create=True)` makes a new
database, otherwise a missing file is an error that names it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.backup import copy_database
from storage.compact import UPKEEP_VERSION, incremental, optimize
from storage.connect import (
    BUSY_TIMEOUT_MS,
    FILE_MODE,
    DatabaseBusy,
    StorageError,
    checked_path,
    connect,
    create_private_file,
    is_busy,
)
from storage.schema import migrations, schema_version
from storage.transaction import Params, Transaction, WriteLock, Written, holding

__all__ = ["BUSY_TIMEOUT_MS", "FILE_MODE", "Database", "DatabaseBusy", "StorageError",
           "Transaction", "Written", "is_busy", "migrations", "schema_version"]

logger = logging.getLogger(__name__)

READERS = 2

class Database:
    """The writer connection, the readers, and Frontline's settings and migrations."""

    def __init__(self, path: str | Path, *, readers: int = READERS) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._reading: list[int] = []  # statements under way on each reader
        self._readers_wanted = max(1, readers)
        self._locked = WriteLock()
        self.lock_stats = self._locked.stats

    # --- opening and closing ----------------------------------------------------------------

    async def initialize(self, *, migrate: bool = True, create: bool = True) -> None:
        """Open the database, set the pragmas and apply pending migrations.

        Args:
            migrate: apply pending migrations (else only refuse a newer schema).
            create: make the file if it does not exist (0600); otherwise a missing file is
                a `StorageError` naming it.
        """
        if self._writer is not None:
            return
        path = checked_path(self.path)
        if path.is_dir():
            raise StorageError(f"{self.path}: is a folder, not a database file")
        if not path.exists():
            if not create:
                raise StorageError(f"{self.path}: no database there")
            try:
                create_private_file(path)
            except OSError as exc:
                raise StorageError(f"{self.path}: cannot create the database "
                                   f"({exc.strerror or exc})") from None
        try:
            self._writer = await connect(self.path, query_only=False)
            if migrate:
                await self.migrate()
            else:
                await self.check_version()
            for _ in range(self._readers_wanted):
                self._readers.append(await connect(self.path, query_only=True))
                self._reading.append(0)
        except sqlite3.DatabaseError as exc:
            await self.shutdown()
            if is_busy(exc):
                raise DatabaseBusy(f"{self.path}: another program holds the database's lock "
                                   f"({exc}); try again when it is done") from None
            raise StorageError(f"{self.path}: not a usable SQLite database ({exc})") from None
        except BaseException:
            await self.shutdown()
            raise

    async def shutdown(self) -> None:
        """Close every connection (idempotent)."""
        readers, self._readers, self._reading = self._readers, [], []
        for reader in readers:
            await reader.close()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await writer.close()

    @property
    def is_open(self) -> bool:
        """True between `initialize` and `shutdown`."""
        return self._writer is not None

    def _writer_conn(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StorageError("the database is not open")
        if holding.get() is not None:
            # The caller holds the lock: waiting for it again would never end.
            raise StorageError("inside a transaction, write through the transaction itself")
        return self._writer

    # --- schema -----------------------------------------------------------------------------

    async def user_version(self) -> int:
        """The schema version recorded in the file."""
        row = await self._read_or_write_one("PRAGMA user_version")
        return int(row[0])

    async def _read_or_write_one(self, sql: str) -> Any:
        # Before the readers are open (during initialize), ask the writer.
        if self._readers:
            return await self.fetchone(sql)
        rows = await self._writer_conn().execute_fetchall(sql)
        return next(iter(rows))

    async def check_version(self) -> int:
        """Refuse a database written by a newer Frontline; return its version."""
        current = await self.user_version()
        known = schema_version()
        if current > known:
            raise StorageError(
                f"{self.path}: the database has schema version {current}, but this Frontline "
                f"knows only up to {known}; upgrade Frontline (or restore a backup)"
            )
        return current

    async def migrate(self) -> list[str]:
        """Apply the migrations the file has not seen, each in its own transaction."""
        current = await self.check_version()
        applied = []
        for version, name, sql in migrations():
            if version <= current:
                continue
            async with self._locked.held():
                # executescript commits first; BEGIN inside the script keeps the step atomic.
                await self._writer_conn().executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;"
                )
            logger.info("applied migration %s", name)
            applied.append(name)
        if applied and current < UPKEEP_VERSION:
            await incremental(self)
        return applied

    # --- reads --------------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        """Run one reading statement on a reader and return all its rows.

        The reader with the fewest statements under way takes it, so a long rollup on one
        does not hold up a short lookup.
        """
        if not self._readers:
            raise StorageError("the database is not open")
        index = min(range(len(self._readers)), key=self._reading.__getitem__)
        reader = self._readers[index]
        self._reading[index] += 1
        try:
            return list(await reader.execute_fetchall(sql, params))
        finally:
            if index < len(self._reading):
                self._reading[index] -= 1

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        """Run one reading statement and return its first row, or None."""
        return next(iter(await self.fetchall(sql, params)), None)

    # --- writes -------------------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement in a transaction of its own; return the last row id."""
        return (await self.execute_counted(sql, params)).lastrowid

    async def execute_counted(self, sql: str, params: Params = ()) -> Written:
        """Like `execute`, with the number of rows changed too."""
        conn = self._writer_conn()
        async with self._locked.held():
            cursor = await conn.execute(sql, params)
            return Written(cursor.lastrowid or 0, cursor.rowcount)

    async def write(self, sql: str, params: Params = ()) -> list[Any]:
        """Run one writing statement with RETURNING in a transaction of its own; its rows."""
        conn = self._writer_conn()
        async with self._locked.held():
            return list(await conn.execute_fetchall(sql, params))

    async def write_one(self, sql: str, params: Params = ()) -> Any:
        """Like `write`, the first returned row or None."""
        return next(iter(await self.write(sql, params)), None)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows in a single transaction."""
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction: BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error.

        Nobody else writes while it is open; keep it short (no Telegram calls inside).
        """
        conn = self._writer_conn()
        async with self._locked.held():
            await conn.execute("BEGIN IMMEDIATE")
            tx = Transaction(conn)
            token = holding.set(tx)
            try:
                yield tx
            except BaseException:
                tx._conn = None
                holding.reset(token)
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            else:
                tx._conn = None
                holding.reset(token)
                try:
                    await conn.execute("COMMIT")
                except BaseException:
                    # A commit can fail (disk full): leave nothing open behind us.
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise

    # --- maintenance --------------------------------------------------------------------------

    async def optimize(self) -> list[str]:
        """Bring the query planner's statistics up to date (`storage.compact.optimize`)."""
        return await optimize(self)

    async def script(self, sql: str) -> None:
        """Run statements to their end under the writer's lock, each in a transaction of its
        own (a pragma that works in several steps, as incremental_vacuum: `execute` and
        `write` take only its first step)."""
        async with self._locked.held():
            await self._writer_conn().executescript(sql)

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call `callback` with every statement any connection runs (its parameters written
        in), from the connection's thread; None stops. For tests and diagnostics."""
        for conn in [self._writer, *self._readers]:
            if conn is not None:
                await conn.set_trace_callback(callback)  # type: ignore[arg-type]

    async def backup(self, dest: str | Path) -> None:
        """Copy the live database to `dest` (0600), checked (see `storage.backup`)."""
        await asyncio.to_thread(copy_database, Path(self.path), Path(dest))
