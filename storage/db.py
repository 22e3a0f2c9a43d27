"""The SQLite connection: pragmas, versioned migrations, transactions, backup.

All writes go through one aiosqlite connection (one thread), serialized by an
asyncio lock around multi-statement transactions; single statements run in
autocommit mode. WAL with `synchronous=NORMAL` keeps a commit cheap.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 65536


class StorageError(Exception):
    """The database cannot be used (too new, unreadable, ...); the message says why."""


def migrations() -> list[tuple[int, str, str]]:
    """The bundled migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StorageError(f"migration {name} is out of sequence (expected {expected:04d})")
    return found


def schema_version() -> int:
    """The schema version this Frontline writes."""
    return len(migrations())


class Database:
    """One aiosqlite connection with Frontline's settings and migrations."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise StorageError("the database is not open")
        return self._conn

    async def initialize(self, *, migrate: bool = True) -> None:
        """Open the database, set the pragmas and apply pending migrations."""
        if self._conn is not None:
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot open the database ({exc})") from None
        self._conn = conn
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Rollups over a whole organization read many pages; 64 MiB of cache keeps them warm.
            await conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            if migrate:
                await self.migrate()
            else:
                await self.check_version()
        except sqlite3.DatabaseError as exc:
            await self.shutdown()
            raise StorageError(f"{self.path}: not a usable SQLite database ({exc})") from None
        except BaseException:
            await self.shutdown()
            raise

    async def shutdown(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def user_version(self) -> int:
        """The schema version recorded in the file."""
        rows = await self.conn.execute_fetchall("PRAGMA user_version")
        return int(next(iter(rows))[0])

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
            async with self._write_lock:
                # executescript commits first; BEGIN inside the script keeps the step atomic.
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;"
                )
            logger.info("applied migration %s", name)
            applied.append(name)
        return applied

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Run one statement and return all rows (one round trip to the database thread)."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Run one statement and return its first row, or None."""
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one writing statement (autocommit); return the last row id."""
        if self._write_lock.locked():
            async with self._write_lock:
                cursor = await self.conn.execute(sql, params)
        else:
            cursor = await self.conn.execute(sql, params)
        return cursor.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows in a single transaction."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""
        async with self._write_lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def backup(self, dest: str | Path) -> None:
        """Copy the live database to `dest` with SQLite's online backup API."""
        dest_path = Path(dest)
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(str(dest_path))
        try:
            await self.conn.backup(target)
        finally:
            await target.close()
