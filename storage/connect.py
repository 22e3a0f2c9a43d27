"""Opening SQLite files: the errors that say why one cannot be used, the pragmas every
connection gets, and files created readable by their owner only (0600, folders 0700): they
hold members' health statuses and households' addresses."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import aiosqlite

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 32768  # per connection
FILE_MODE = 0o600
DIR_MODE = 0o700


class StorageError(Exception):
    """The database cannot be used (missing, too new, unreadable, ...); the message says why."""


class DatabaseBusy(StorageError):
    """Another program held the database's lock for longer than the busy timeout."""


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" (try again later)."""
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc))


def create_private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600 (and missing folders 0700); False if it existed."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):  # Path.mkdir(parents=True) gives parents the default mode
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _uri(path: Path, mode: str = "rw") -> str:
    """An SQLite URI that opens `path` for reading and writing (`mode=rw`), never creating
    it, or only reading (`ro`), or creating it (`rwc`)."""
    return f"file:{quote(os.path.abspath(path))}?mode={mode}"


def open_file(path: Path, mode: str = "ro") -> sqlite3.Connection:
    """A plain, blocking connection to a database file, for the copies of `storage.backup`
    (not the bot's: those are `connect`'s); `mode` as in `_uri`."""
    conn = sqlite3.connect(_uri(path, mode), uri=True, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn




def try_write_lock(path: str, timeout_s: float) -> None:
    """Take SQLite's write lock on `path` and give it back at once, on a connection of its
    own (`BEGIN IMMEDIATE`, `ROLLBACK`: nothing is written, so the one write path is not
    bypassed); the write probe of readiness and the alerts (`Health.writable`). Raises
    `sqlite3.Error` if the file cannot be opened for writing or the lock is not had within
    `timeout_s`."""
    conn = sqlite3.connect(_uri(Path(path)), uri=True, timeout=timeout_s, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def checked_path(path: str) -> Path:
    """`path` as a Path, refused if no writer and readers can share it."""
    if "\x00" in path:
        raise StorageError("the database path contains a NUL character; check [storage] path")
    if path == ":memory:":
        raise StorageError("an in-memory database cannot be shared by the writer and the "
                           "readers; use a file")
    return Path(path)


async def _is_new(conn: aiosqlite.Connection) -> bool:
    """True for a file with nothing in it yet (read without taking any lock)."""
    async with conn.execute("SELECT 1 FROM sqlite_master LIMIT 1") as cursor:
        return await cursor.fetchone() is None


async def connect(path: str, *, query_only: bool,
                  read_only: bool = False) -> aiosqlite.Connection:
    """Open `path` (never creating it) with Frontline's pragmas; a reader with
    `query_only`, the writer (in WAL mode) without; with `read_only`, a reader that SQLite
    itself opens read-only (a process that must never write: `frontline status`, the
    export's child; `storage.readonly`)."""
    # mode=rw: never create the file here (Database.initialize did, with the right mode).
    uri = _uri(Path(path), "ro" if read_only else "rw")
    query_only = query_only or read_only
    try:
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open the database ({exc})") from None
    try:
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not query_only:
            if await _is_new(conn):
                # Takes effect only in a file without tables (a new database): it can then
                # give its free pages back (`storage.retention`). An older file is converted
                # once, by the migration to version 16 (see `Database.migrate`). Never set on
                # an existing file: the pragma takes the write lock even where it changes
                # nothing, so every process opening the database (a `frontline backup` beside
                # a busy bot) would queue for the lock just to start.
                await conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
            await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        # Rollups over a whole organization read many pages; keep them warm.
        await conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        if query_only:
            await conn.execute("PRAGMA query_only=ON")
    except BaseException:
        await conn.close()
        raise
    return conn
