"""Copies of the database file: made with SQLite's online backup API, checked, and put in
place by a rename, so that a copy either is whole and checked or is not there at all.

A copy is read from one snapshot: the source connection opens a read transaction first and
every step of the backup reads through it, so a write by the running bot between two steps
neither blocks (WAL lets readers and the writer run side by side) nor makes the copy start
over (which is what the backup API does when another connection changes the source between
steps, and with a bot writing every second it could start over for ever). While the copy
runs, the WAL cannot be checkpointed past its snapshot; it is checkpointed afterwards.

These functions block: call them in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.connect import StorageError, create_private_file, open_file

PAGES_PER_STEP = 1024  # 4 MiB of the usual 4 KiB pages per step of the backup


class CopyFailed(StorageError):
    """A copy could not be made, or failed its check; the message says why in one line,
    naming the copy; `reason` is the why alone."""

    def __init__(self, dest: Path, reason: str) -> None:
        super().__init__(f"{dest}: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Copied:
    """A copy made and checked: where, its size, its pages and the backup's steps."""

    path: Path
    size: int
    pages: int
    steps: int


def integrity(path: Path) -> str:
    """"ok" if SQLite's `PRAGMA integrity_check` finds nothing wrong with the file, else the
    first problem it (or opening the file) reports."""
    try:
        conn = open_file(path)
        try:
            row = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return str(row[0]) if row else "no answer"


def schema_version_of(path: Path) -> int:
    """The schema version (`user_version`) recorded in a database file."""
    conn = open_file(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def has_table(path: Path, name: str) -> bool:
    """True if the database file has a table of that name."""
    conn = open_file(path)
    try:
        return conn.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
                            (name,)).fetchone() is not None
    finally:
        conn.close()


def checkpoint(path: Path) -> None:
    """Copy the WAL of a database nobody else has open into the file and empty it, so that
    the file alone holds everything (before it is renamed or replaced)."""
    conn = open_file(path, "rw")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_database(source: Path, dest: Path, *, pages: int = PAGES_PER_STEP,
                  before_check: Callable[[Path], None] | None = None,
                  on_step: Callable[[int, int], None] | None = None) -> Copied:
    """Copy the database `source` to `dest` (created 0600), checked.

    The copy is written to a temporary name beside `dest` (`.NAME.partial`) in steps of
    `pages` pages from one snapshot of `source`, made a self-contained file (rollback
    journal, no -wal beside it), flushed to disk, then checked: `PRAGMA integrity_check`
    must say "ok" and the copy must have as many pages as the snapshot. Only then is it
    renamed to `dest` (replacing a file of that name) and the folder flushed. A copy that
    fails is removed and `CopyFailed` says why.

    Args:
        before_check: called with the temporary file just before it is checked (tests use
            it to damage the copy, as a failing disk would).
        on_step: called after each step with (pages remaining, pages in all).
    """
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        steps, total = _backup(source, partial, pages, on_step)
        fsync(partial)
        if before_check is not None:
            before_check(partial)
        problem = integrity(partial)
        if problem != "ok":
            raise CopyFailed(dest, f"the copy failed its integrity check ({problem})")
        copied_pages = _page_count(partial)
        if copied_pages != total:
            raise CopyFailed(dest, f"the copy has {copied_pages} pages, the database {total}")
        os.replace(partial, dest)
        fsync(dest.parent)
        return Copied(dest, dest.stat().st_size, total, steps)
    except OSError as exc:
        raise CopyFailed(dest, f"cannot write the copy ({exc.strerror or exc})") from None
    except sqlite3.Error as exc:
        raise CopyFailed(dest, f"cannot copy the database ({exc})") from None
    finally:
        for leftover in (partial, Path(f"{partial}-journal"), Path(f"{partial}-wal"),
                         Path(f"{partial}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)


def _backup(source: Path, partial: Path, pages: int,
            on_step: Callable[[int, int], None] | None) -> tuple[int, int]:
    """Write the snapshot of `source` into `partial`; (steps, pages copied)."""
    src = open_file(source, "rw")
    steps = 0
    total = 0
    try:
        src.execute("PRAGMA query_only=ON")
        # One read transaction for every step: the snapshot is taken here.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        dst = open_file(partial, "rw")
        try:
            def progress(status: int, remaining: int, count: int) -> None:
                nonlocal steps, total
                steps += 1
                total = count
                if on_step is not None:
                    on_step(remaining, count)

            src.backup(dst, pages=max(1, pages), progress=progress)
            # The source is in WAL mode, and so is the copy's header: make it a file that
            # needs nothing beside it.
            dst.execute("PRAGMA journal_mode=DELETE").fetchall()
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    return steps, total


def _page_count(path: Path) -> int:
    conn = open_file(path)
    try:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()
