"""The database file: `frontline backup` (a copy while the bot runs) and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from pathlib import Path

from bot.cli.common import CliError, existing_database, hold, load, with_store
from storage.store import Store


def cmd_backup(args: argparse.Namespace) -> None:
    """Copy the database with SQLite's online backup API."""
    config = load(args)
    dest = Path(args.dest)
    if dest.is_dir():
        raise CliError(f"{dest}: is a directory; expected the backup file's name")
    if dest.exists() and not args.force:
        raise CliError(f"{dest}: already exists (use --force to overwrite)")
    if dest.resolve() == config.storage.path.resolve():
        raise CliError(f"{dest}: is the live database itself; choose another file")

    async def work(store: Store) -> None:
        try:
            # Only now, with the database open, is the old backup given up.
            await asyncio.to_thread(dest.unlink, missing_ok=True)
            await store.db.backup(dest)
        except (OSError, sqlite3.Error) as exc:
            raise CliError(f"{dest}: cannot write the backup ({exc})") from None
        print(f"backed up {config.storage.path} to {dest}")

    asyncio.run(with_store(config, work, current=False))  # a backup before migrating


def cmd_migrate(args: argparse.Namespace) -> None:
    """Apply pending migrations and report the schema version."""
    config = load(args)

    async def work(store: Store) -> None:
        version = await store.db.user_version()
        print(f"{config.storage.path}: schema version {version}, up to date")

    existing_database(config)
    with hold(config, "migrate"):  # never under a running bot
        asyncio.run(with_store(config, work, migrate=True))
