"""The file's upkeep: the query planner's statistics, and giving free pages back to the disk
(SQLite's incremental vacuum).

Rows deleted by retention leave free pages inside the file; SQLite reuses them, so the file
stops growing, but it shrinks only if the database keeps `auto_vacuum = INCREMENTAL` and
someone runs `PRAGMA incremental_vacuum(N)`, which moves up to N pages from the end of the
file into free ones and truncates the end (in WAL mode at the next checkpoint).

A new database gets `auto_vacuum = INCREMENTAL` when it is created (`storage.connect`). A
database created by an older Frontline is converted once, by the migration to version 16
(`VACUUM`, which rewrites the whole file: it takes a while on a big database, holds it for
that time, and needs free disk space of about the database's size for its temporary copy,
and as much again for the WAL). If that fails (a full disk), the bot starts anyway, logs how
to do it by hand, and the file merely stops growing instead of shrinking.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Database

logger = logging.getLogger(__name__)

# ANALYZE reads about this many rows of each index: statistics good enough for the planner
# at a bounded cost, whatever the size of the table (SQLite's advice for PRAGMA optimize).
ANALYSIS_LIMIT = 1000
UPKEEP_VERSION = 16  # the schema version whose migration converts an older file
INCREMENTAL = 2  # PRAGMA auto_vacuum: 0 none, 1 full, 2 incremental


async def optimize(db: Database) -> list[str]:
    """Bring the query planner's statistics up to date; returns the tables analysed.

    Without statistics SQLite guesses how selective an index is, and guesses badly on a
    big organization (the root's /who takes four times longer). `PRAGMA optimize` is
    meant for this, but before SQLite 3.46 it only looks at tables the same connection
    has queried, which a freshly opened writer has not; so each table is analysed here,
    `ANALYSIS_LIMIT` rows of each index, one table per hold of the writer's lock (a few
    milliseconds each). Frontline calls it at start and once a day.
    """
    rows = await db.fetchall(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")
    tables = [str(r[0]) for r in rows]
    for table in tables:
        await db.script(f'PRAGMA analysis_limit={ANALYSIS_LIMIT}; ANALYZE "{table}";')
    await db.script("PRAGMA optimize;")
    return tables


async def auto_vacuum(db: Database) -> int:
    """The file's auto_vacuum mode (0 none, 1 full, 2 incremental)."""
    rows = await db.write("PRAGMA auto_vacuum")
    return int(rows[0][0])


async def incremental(db: Database) -> bool:
    """Convert the file to `auto_vacuum = INCREMENTAL` if it is not yet; True if done now."""
    if await auto_vacuum(db) == INCREMENTAL:
        return False
    logger.info("compacting %s once (VACUUM) so that it can give free pages back; on a big "
                "database this takes minutes", db.path)
    try:
        await db.script("PRAGMA auto_vacuum=INCREMENTAL; VACUUM;")
        await db.write("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        logger.warning(
            "could not compact %s (%s): it will stop growing but not shrink; with the bot "
            "stopped and free disk space of twice its size, run: sqlite3 %s "
            "'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'", db.path, exc, db.path)
        return False
    return await auto_vacuum(db) == INCREMENTAL


async def free_pages(db: Database) -> int:
    """Pages of the file that hold nothing (SQLite's freelist)."""
    row = await db.fetchone("PRAGMA freelist_count")
    return int(row[0])


async def give_back(db: Database, pages: int) -> int:
    """Move up to `pages` free pages to the end of the file and cut them off, holding the
    writer's lock for that step only; how many pages were freed (0 without
    auto_vacuum = INCREMENTAL, where the pragma does nothing)."""
    before = await free_pages(db)
    # Run to its end: one step of the statement moves one page.
    await db.script(f"PRAGMA incremental_vacuum({int(pages)});")
    return max(0, before - await free_pages(db))


async def checkpoint(db: Database) -> None:
    """Write the WAL back into the file and empty it: the file is cut to its new size, and
    the WAL, which the moved pages went through, does not keep their room."""
    await db.write("PRAGMA wal_checkpoint(TRUNCATE)")
