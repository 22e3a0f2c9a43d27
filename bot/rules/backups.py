"""Backups (`[backup]`): a checked copy of the database every day, the newest `keep` kept.

Once per local day of `[defaults] timezone`, at `[backup] time` (03:30 unless set), the
scheduler's run copies the live database into `[backup] folder` as
`frontline-YYYYMMDD-HHMMSS.db` (the local time of the copy) with SQLite's online backup API,
in a thread and in steps, while the bot goes on answering (see `storage.backup`). The copy
is written under a temporary name, flushed, checked (SQLite's integrity check must say "ok"),
and only then renamed; only after that are the copies beyond the newest `keep` deleted.
A copy that fails (its check, a full disk) is removed, every older copy is kept, the failure
is logged at error level and returned (`BackupResult.ok` false, with the reason) for the
admins' alerts.

The day's run is recorded in the ledger of runs (kind `backup`, keyed by the local day) with
what it did, once it is over, whether the copy succeeded or not: a restart does not copy
twice, and a time missed while the bot was stopped is caught up once, at the next start
(not once per missed day: one copy of the database as it is now is all there is to make).
A copy made whose older copies cannot be deleted is a failure too (the folder would fill),
and so is an unexpected error: each is recorded, so that the admins hear of it.
A failed copy is not retried the same day (a full disk would fail every minute); `frontline
backup` makes one at any time (not recorded in the ledger: it is not the daily run). Only
files named like the daily copies are ever deleted.

`last_backup` reads the latest daily backup back from the ledger, and `backup_problem` says
what is red about it: `frontline status` prints both, and the admins' alerts watch the
failures (from the ledger, not from memory: a failure before a restart is still seen).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import BackupConfig
from bot.rules.health import BACKUP_STALE_AFTER
from storage.backup import CopyFailed, copy_database, schema_version_of
from storage.store import Store

logger = logging.getLogger(__name__)

KIND = "backup"
# A daily copy's name: frontline-20260302-033000.db (a second copy within the same second
# gets -2, -3, ...). Nothing else in the folder is ever deleted.
COPY_NAME = re.compile(r"^frontline-\d{8}-\d{6}(-\d+)?\.db$")


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What a backup did: the copy (when `ok`), its size, the older copies deleted, or why
    it failed (`error`, one line)."""

    ok: bool
    at: datetime
    path: Path | None = None
    size: int = 0
    pruned: tuple[Path, ...] = field(default_factory=tuple)
    error: str | None = None


def copy_name(folder: Path, local: datetime) -> Path:
    """A new daily copy's path in `folder` for the local time `local`."""
    stem = f"frontline-{local.strftime('%Y%m%d-%H%M%S')}"
    path = folder / f"{stem}.db"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.db"
    return path


def copies(folder: Path) -> list[Path]:
    """The daily copies in `folder`, oldest first (by name: the time they were made)."""
    try:
        found = [p for p in folder.iterdir() if COPY_NAME.match(p.name) and p.is_file()]
    except FileNotFoundError:
        return []

    def key(path: Path) -> tuple[str, int]:
        # "frontline-" (10), the time (15), then "-N" for a second copy in that second.
        return path.stem[10:25], int(path.stem[26:] or 1)

    return sorted(found, key=key)


def prune(folder: Path, keep: int) -> tuple[Path, ...]:
    """Delete the daily copies beyond the newest `keep`; the deleted ones."""
    old = copies(folder)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return tuple(old)


async def back_up(store: Store, folder: Path, keep: int, *, now: datetime, zone: ZoneInfo,
                  before_check: Callable[[Path], None] | None = None) -> BackupResult:
    """Copy the database into `folder` now, check the copy, then prune to `keep` copies."""
    try:
        await asyncio.to_thread(folder.mkdir, mode=0o700, parents=True, exist_ok=True)
        dest = copy_name(folder, now.astimezone(zone))
        copied = await asyncio.to_thread(copy_database, Path(store.db.path), dest,
                                         before_check=before_check)
    except (CopyFailed, OSError) as exc:
        error = str(exc) if isinstance(exc, CopyFailed) else (
            f"{folder}: cannot write a backup there ({exc.strerror or exc})")
        logger.error("backup failed, older copies kept: %s", error)
        return BackupResult(False, now, error=error)
    try:
        pruned = await asyncio.to_thread(prune, folder, keep)
    except OSError as exc:
        # The copy is good, but the folder keeps growing: a failure the admins must hear of.
        error = (f"{folder}: made {copied.path.name}, but cannot delete the copies beyond "
                 f"keep = {keep} ({exc.strerror or exc})")
        logger.error("backup: %s", error)
        return BackupResult(False, now, copied.path, copied.size, error=error)
    logger.info("backed up the database to %s (%d bytes); %d older copies deleted",
                copied.path, copied.size, len(pruned))
    return BackupResult(True, now, copied.path, copied.size, pruned)


async def run_due(store: Store, config: BackupConfig, now: datetime, *, zone: ZoneInfo,
                  before_check: Callable[[Path], None] | None = None) -> BackupResult | None:
    """Make today's backup if it is due at `now` and not in the ledger yet; None if none
    was due (backups off, before the time, already made today, no organization yet)."""
    if config.folder is None:
        return None
    local = now.astimezone(zone)
    if local.time().replace(tzinfo=None) < config.at:
        return None
    day = local.date()
    root = await store.runs.upkeep_root()
    if root is None or await store.runs.upkeep(KIND, day) is not None:
        return None
    try:
        result = await back_up(store, config.folder, config.keep, now=now, zone=zone,
                               before_check=before_check)
    except Exception as exc:
        # Whatever went wrong, the day's run ends in the ledger as failed: the admins are
        # told (their alert reads the ledger), and it is not tried again every minute.
        logger.exception("backup failed unexpectedly, older copies kept")
        result = BackupResult(False, now, error=f"unexpected error: {type(exc).__name__}: "
                                                f"{exc}")
    detail: dict[str, object] = {"ok": result.ok, "pruned": [p.name for p in result.pruned]}
    if result.path is not None:
        detail.update(file=result.path.name, size=result.size)
    if result.error is not None:
        detail["error"] = result.error
    await store.runs.record_upkeep(root, KIND, day, at=now, detail=detail, done=True)
    return result


def before_migration(database: Path, folder: Path | None, *, known: int,
                     stamp: str) -> Path | None:
    """Copy a database that has data and an older schema than `known` before it is migrated:
    into `folder` ([backup] folder) when set, else beside the database, as
    `frontline.db.before-migration-<from>-<to>` (with `-<stamp>` if that name is taken: an
    earlier attempt's copy is never overwritten). None when there is nothing to migrate, or
    nothing in the file yet (version 0). Blocking: call it in a thread. Raises `CopyFailed`.
    """
    version = schema_version_of(database)
    if version == 0 or version >= known:
        return None
    where = folder or database.parent
    name = f"{database.name}.before-migration-{version}-{known}"
    dest = where / name
    if dest.exists():
        dest = where / f"{name}-{stamp}"
    copy_database(database, dest)
    return dest


@dataclass(frozen=True, slots=True)
class LastBackup:
    """The latest daily backup in the ledger: when, whether it succeeded, the copy's file
    name and size and the older copies deleted, or why it failed (`error`)."""

    day: str  # the local day it was the backup of
    at: datetime
    ok: bool
    file: str | None = None
    size: int = 0
    pruned: int = 0
    error: str | None = None


async def last_backup(store: Store) -> LastBackup | None:
    """The latest daily backup recorded in the ledger; None if there is none."""
    found = await store.runs.latest_upkeep(KIND)
    if found is None:
        return None
    detail = dict(found.detail)
    return LastBackup(found.day, found.at, bool(detail.get("ok")), detail.get("file"),
                      int(detail.get("size", 0)), len(detail.get("pruned", ())),
                      detail.get("error"))


def backup_problem(last: LastBackup | None, *, on: bool, now: datetime) -> str | None:
    """What is red about the backups, in a few words; None when nothing is (backups off, or
    none made yet: when the folder was set is not known, and the first copy comes at the
    next [backup] time or at start-up after it)."""
    if not on or last is None:
        return None
    if not last.ok:
        return "last backup failed"
    if now - last.at > BACKUP_STALE_AFTER:
        hours = int(BACKUP_STALE_AFTER.total_seconds() // 3600)
        return f"no backup for over {hours} hours"
    return None
