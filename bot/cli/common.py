"""What the commands share: the configuration, the database opened and closed around a
command's work, the one-line failures (`CliError`) and their exit codes, the log."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Config, ConfigError, LoggingConfig, load_config
from storage.db import BUSY_TIMEOUT_MS, DatabaseBusy, StorageError, is_busy, schema_version
from storage.store import Store

CONFIG_ENV = "FRONTLINE_CONFIG"
NOW_ENV = "FRONTLINE_NOW"  # tests only: see `now`
DEFAULT_CONFIG = "config.toml"
EXIT_FAILURE = 1  # it failed now and may work later (the network, a locked database)
EXIT_USAGE = 2  # fix the command or the configuration first


class CliError(Exception):
    """A failure to report in one line (exit code in `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def config_path(args: argparse.Namespace) -> str:
    """--config, else $FRONTLINE_CONFIG, else config.toml."""
    return args.config or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG


def load(args: argparse.Namespace) -> Config:
    """The configuration the command names, or one line saying what is wrong with it."""
    try:
        return load_config(config_path(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def existing_database(config: Config) -> Path:
    """The database file, or one line saying it is not there and what to check."""
    path = config.storage.path
    try:
        if path.is_dir():
            raise CliError(f"{path}: is a folder, not a database file; check [storage] path in "
                           f"{config.source}", EXIT_USAGE)
        if path.is_file():
            return path
    except OSError as exc:
        raise CliError(f"{path}: cannot look at the database ({exc.strerror or exc}); check "
                       f"[storage] path in {config.source}", EXIT_USAGE) from None
    # A typo in [storage] path must not quietly start an empty organization.
    raise CliError(f"{path}: no database there; check [storage] path in {config.source}, "
                   "or create it with: frontline init", EXIT_USAGE)


async def with_store(config: Config, work: Callable[[Store], Awaitable[None]], *,
                      create: bool = False, migrate: bool = False,
                      current: bool = True) -> None:
    """Open the database, run `work`, close it.

    Args:
        create: make a new database if there is none (only `init`).
        migrate: bring the schema up to date (`init`, `run` and `migrate`, which hold the
            database while they do; see bot/runtime/instance.py). The other commands run beside a
            running bot and leave its schema alone.
        current: without `migrate`, refuse a database whose schema is older than this
            Frontline's (its tables may lack what the command needs).
    """
    from bot.runtime.stores import store_for

    if not create:
        existing_database(config)
    if migrate and not create:
        await _backup_before_migration(config)
    store = store_for(config)
    with database_errors(config):
        try:
            await store.initialize(create=create, migrate=migrate)
            if current and not migrate:
                version = await store.db.user_version()
                if version < schema_version():
                    raise CliError(
                        f"{config.storage.path}: the database has schema version {version}, "
                        f"this Frontline needs {schema_version()}; run: frontline migrate (with "
                        "the bot stopped), or restart the bot, which migrates", EXIT_USAGE)
            await work(store)
        finally:
            await store.shutdown()


@contextmanager
def database_errors(config: Config) -> Iterator[None]:
    """A database's failures as the command line's one line: a lock held past the busy
    timeout (exit 1), any other storage error (exit 2)."""
    try:
        yield
    except DatabaseBusy as exc:
        raise CliError(str(exc), EXIT_FAILURE) from None
    except StorageError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            raise
        raise CliError(f"{config.storage.path}: another program held the database's lock for "
                       f"over {BUSY_TIMEOUT_MS // 1000} s ({exc}); try again when it is "
                       "done", EXIT_FAILURE) from None


async def _backup_before_migration(config: Config) -> None:
    """Copy a database with data before its schema is migrated (`run`, `migrate`): into
    [backup] folder when set, else beside it (see `bot.rules.backups.before_migration`)."""
    from bot.rules.backups import before_migration
    from storage.backup import CopyFailed

    zone = ZoneInfo(config.defaults.timezone)
    stamp = now().astimezone(zone).strftime("%Y%m%d-%H%M%S")
    try:
        copy = await asyncio.to_thread(before_migration, config.storage.path,
                                       config.backup.folder, known=schema_version(),
                                       stamp=stamp)
    except CopyFailed as exc:
        raise CliError(f"cannot back up the database before migrating it, so it was not "
                       f"migrated: {exc}", EXIT_FAILURE) from None
    except sqlite3.Error as exc:
        if is_busy(exc):
            raise CliError(f"{config.storage.path}: another program held the database's lock "
                           f"for over {BUSY_TIMEOUT_MS // 1000} s ({exc}); try again when it "
                           "is done", EXIT_FAILURE) from None
        return  # not a database SQLite can read: opening it says so, in one line
    if copy is not None:
        print(f"kept a copy of {config.storage.path} before migrating it: {copy}")


@contextmanager
def hold(config: Config, command: str) -> Iterator[None]:
    """Hold the database for this process (one `run` or `migrate` at a time), or say who does."""
    from bot.runtime.instance import InstanceLock, InUse, LockUnavailable

    lock = InstanceLock(config.storage.path, zone=ZoneInfo(config.defaults.timezone),
                        command=f"frontline {command}")
    try:
        lock.acquire()
    except (InUse, LockUnavailable) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    try:
        yield
    finally:
        lock.release()


def local_time(at: datetime, timezone: str) -> str:
    """A moment as the organization reads it: `2026-03-09 15:55 Asia/Shanghai` (the branch's
    timezone, never UTC unless the branch keeps UTC)."""
    return f"{at.astimezone(ZoneInfo(timezone)).strftime('%Y-%m-%d %H:%M')} {timezone}"


def now() -> Any:
    """The time now, from the system clock; for tests, `$FRONTLINE_NOW` if set.

    FRONTLINE_NOW (an ISO 8601 instant with its offset, `2026-03-02T08:30:00+08:00`) is a
    test-only way to run a command at a chosen moment, as the sandbox's clock does for the
    bot (`frontline status` with a stuck outbox, an invite's expiry). Never set it on a
    server: every command would then stamp what it writes with that time.
    """
    from bot.clock import SystemClock

    fixed = os.environ.get(NOW_ENV)
    if not fixed:
        return SystemClock().now()
    try:
        moment = datetime.fromisoformat(fixed)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise CliError(f"{NOW_ENV}: expected an ISO 8601 instant with its offset, such as "
                       f"2026-03-02T08:30:00+08:00, got {fixed!r}", EXIT_USAGE)
    return moment.astimezone(UTC)


class CommandClock:
    """The command line's clock, for the use cases a command calls: `now()`."""

    def now(self) -> datetime:
        """The current instant (FRONTLINE_NOW in tests), aware, in UTC."""
        moment: datetime = now()
        return moment


async def no_op(store: Store) -> None:
    """Nothing: `with_store` only opens (and migrates) the database."""
    return None


def setup_logging(verbose: bool, *, quiet: bool = False, token: str | None = None,
                  config: LoggingConfig | None = None) -> None:
    """Log as `[logging]` says (text or JSON lines, its level; the defaults without a
    config): at DEBUG with -v, ERROR if `quiet`; never showing the token or a phone number."""
    from bot.runtime import logs

    config = config or LoggingConfig()
    level = logging.DEBUG if verbose else (logging.ERROR if quiet else logs.LEVELS[config.level])
    logs.setup(level, token=token, json_lines=config.format == "json")
