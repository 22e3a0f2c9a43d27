"""The database file: `frontline backup` (a checked copy while the bot runs), `restore` (a
copy put back, with the bot stopped) and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.common import (
    EXIT_USAGE,
    CliError,
    existing_database,
    hold,
    load,
    now,
    with_store,
)
from bot.config import Config
from bot.rules import backups
from storage import backup as copies
from storage.db import schema_version
from storage.store import Store


def cmd_backup(args: argparse.Namespace) -> None:
    """Copy the database with SQLite's online backup API, checked."""
    config = load(args)
    if args.dest is None:
        _backup_into_folder(config)
        return
    dest = Path(args.dest)
    if dest.is_dir():
        raise CliError(f"{dest}: is a directory; expected the backup file's name")
    if dest.exists() and not args.force:
        raise CliError(f"{dest}: already exists (use --force to overwrite)")
    if dest.resolve() == config.storage.path.resolve():
        raise CliError(f"{dest}: is the live database itself; choose another file")

    async def work(store: Store) -> None:
        try:
            # A copy that fails its check never replaces an older file of that name.
            await store.db.backup(dest)
        except copies.CopyFailed as exc:
            raise CliError(str(exc)) from None
        print(f"backed up {config.storage.path} to {dest}")

    asyncio.run(with_store(config, work, current=False))  # a backup before migrating


def _backup_into_folder(config: Config) -> None:
    """`frontline backup` without DEST: the daily backup now, into [backup] folder."""
    folder = config.backup.folder
    if folder is None:
        raise CliError(f"give the backup file's name, or set [backup] folder in "
                       f"{config.source}", EXIT_USAGE)

    async def work(store: Store) -> None:
        result = await backups.back_up(store, folder, config.backup.keep, now=now(),
                                       zone=ZoneInfo(config.defaults.timezone))
        if not result.ok:
            raise CliError(result.error or "the backup failed")
        print(f"backed up {config.storage.path} to {result.path}; "
              f"{len(result.pruned)} older copies deleted (keep = {config.backup.keep})")

    asyncio.run(with_store(config, work, current=False))


def cmd_restore(args: argparse.Namespace) -> None:
    """Put a copy of the database in place of the current one, which is kept aside."""
    config = load(args)
    source = Path(args.file)
    target = config.storage.path
    if not source.is_file():
        raise CliError(f"{source}: no such file", EXIT_USAGE)
    if target.exists() and source.resolve() == target.resolve():
        raise CliError(f"{source}: is the live database itself; name a backup", EXIT_USAGE)
    if target.is_dir():
        raise CliError(f"{target}: is a folder, not a database file; check [storage] path in "
                       f"{config.source}", EXIT_USAGE)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with hold(config, "restore"):  # never under a running bot
        print(_restore(config, source, target))


def _restore(config: Config, source: Path, target: Path) -> str:
    """Check the copy, keep the current file aside, put the copy in place; what was done."""
    staged = target.with_name(f".{target.name}.restoring")
    try:
        copies.copy_database(source, staged)  # checked: integrity and every page
    except copies.CopyFailed as exc:
        raise CliError(f"{source}: cannot restore it: {exc.reason}", EXIT_USAGE) from None
    try:
        version = copies.schema_version_of(staged)
        if version > schema_version():
            raise CliError(f"{source}: has schema version {version}, but this Frontline knows "
                           f"only up to {schema_version()}; upgrade Frontline first",
                           EXIT_USAGE)
        if version == 0 or not copies.has_table(staged, "branches"):
            raise CliError(f"{source}: is not a Frontline database", EXIT_USAGE)
        aside = _put_aside(config, target)
        os.replace(staged, target)
        copies.fsync(target.parent)
    finally:
        staged.unlink(missing_ok=True)
    before = (f"the database it replaced is kept as {aside}" if aside is not None
              else "there was no database before")
    migrate = "; `frontline run` migrates it" if version < schema_version() else ""
    return f"restored {target} from {source} (schema version {version}{migrate}); {before}"


def _put_aside(config: Config, target: Path) -> Path | None:
    """Rename the current database (its WAL written back first) to
    `NAME.before-restore-YYYYMMDD-HHMMSS`; None if there is none."""
    if not target.exists():
        return None
    # The file alone then holds every commit; a damaged one (why restore, else?) is kept
    # aside as it is, with its WAL.
    with contextlib.suppress(sqlite3.Error):
        copies.checkpoint(target)
    stamp = now().astimezone(ZoneInfo(config.defaults.timezone)).strftime("%Y%m%d-%H%M%S")
    aside = target.with_name(f"{target.name}.before-restore-{stamp}")
    os.replace(target, aside)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{target}{suffix}")
        if suffix == "-wal" and side.exists() and side.stat().st_size > 0:
            os.replace(side, Path(f"{aside}{suffix}"))  # it belongs to the file kept aside
        else:
            side.unlink(missing_ok=True)
    return aside


def cmd_migrate(args: argparse.Namespace) -> None:
    """Apply pending migrations and report the schema version."""
    config = load(args)

    async def work(store: Store) -> None:
        version = await store.db.user_version()
        print(f"{config.storage.path}: schema version {version}, up to date")

    existing_database(config)
    with hold(config, "migrate"):  # never under a running bot
        asyncio.run(with_store(config, work, migrate=True))
