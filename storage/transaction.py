"""The write path's pieces: a transaction on the writer connection, what a write did, and
how the writer's lock has been used (see `storage.db`)."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.connect import StorageError

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Written:
    """What a writing statement did: the last row id it inserted and how many rows changed."""

    lastrowid: int
    rowcount: int


# The transaction the current task holds, if any: a write through the database's own
# methods from inside it would wait for the lock it holds.
holding: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
    "frontline_transaction", default=None)


class Transaction:
    """An open write transaction; every statement of it runs on the writer connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn: aiosqlite.Connection | None = conn

    def _live(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("the transaction is over")
        return self._conn

    async def execute(self, sql: str, params: Params = ()) -> Written:
        """Run one statement inside the transaction."""
        cursor = await self._live().execute(sql, params)
        return Written(cursor.lastrowid or 0, cursor.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for many rows; returns the rows changed."""
        cursor = await self._live().executemany(sql, rows)
        return cursor.rowcount

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        """Run one statement (a read, or a write with RETURNING) and return its rows."""
        return list(await self._live().execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        """Like `fetchall`, the first row or None."""
        return next(iter(await self.fetchall(sql, params)), None)


@dataclass
class LockStats:
    """How the writer's lock has been used: for benchmarks, health and metrics."""

    writes: int = 0  # times the lock was taken
    waited_s: float = 0.0  # total time spent waiting for it
    longest_wait_s: float = 0.0
    longest_hold_s: float = 0.0
    held_s: float = 0.0  # total time it was held
    # Told how long each take waited for the lock (the metrics' histogram: storage knows
    # nothing of them, the wiring sets this).
    on_wait: Callable[[float], None] | None = None


class WriteLock:
    """The one writer's lock (fair: first come, first served), counting how long it was
    waited for and held."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self.stats = LockStats()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold the lock for the block."""
        asked = time.perf_counter()
        async with self._lock:
            got = time.perf_counter()
            if self.stats.on_wait is not None:
                self.stats.on_wait(got - asked)
            try:
                yield
            finally:
                done = time.perf_counter()
                stats = self.stats
                stats.writes += 1
                stats.waited_s += got - asked
                stats.held_s += done - got
                stats.longest_wait_s = max(stats.longest_wait_s, got - asked)
                stats.longest_hold_s = max(stats.longest_hold_s, done - got)
