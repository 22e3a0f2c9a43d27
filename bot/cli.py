"""The `frontline` command line: run, demo, init, invite, branch, households, backup, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import __doc__ as package_doc
from bot.config import (
    TOKEN_ENV,
    Config,
    ConfigError,
    load_config,
    require_token,
    valid_timezone,
)
from bot.i18n import LANGUAGES
from bot.rules.invites import create_invite, deep_link, parse_duration
from storage.db import BUSY_TIMEOUT_MS, DatabaseBusy, StorageError, is_busy, schema_version
from storage.store import Store

CONFIG_ENV = "FRONTLINE_CONFIG"
DEFAULT_CONFIG = "config.toml"
EXIT_FAILURE = 1  # it failed now and may work later (the network, a locked database)
EXIT_USAGE = 2  # fix the command or the configuration first


class CliError(Exception):
    """A failure to report in one line (exit code in `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _config_path(args: argparse.Namespace) -> str:
    return args.config or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG


def _load(args: argparse.Namespace) -> Config:
    try:
        return load_config(_config_path(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _existing_database(config: Config) -> Path:
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


async def _with_store(config: Config, work: Callable[[Store], Awaitable[None]], *,
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
    from bot.runtime.app import store_for

    if not create:
        _existing_database(config)
    store = store_for(config)
    try:
        await store.initialize(create=create, migrate=migrate)
        if current and not migrate:
            version = await store.db.user_version()
            if version < schema_version():
                raise CliError(
                    f"{config.storage.path}: the database has schema version {version}, this "
                    f"Frontline needs {schema_version()}; run: frontline migrate (with the bot "
                    "stopped), or restart the bot, which migrates", EXIT_USAGE)
        await work(store)
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
    finally:
        await store.shutdown()


@contextmanager
def _hold(config: Config, command: str) -> Iterator[None]:
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


def _now() -> Any:
    from bot.clock import SystemClock

    return SystemClock().now()


# --- subcommands ---------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> None:
    """Run the bot with long polling."""
    config = _load(args)
    try:
        token = require_token(config)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    # Before anything can log: no line may show the token, even with -v.
    _setup_logging(args.verbose, token=token)
    from telegram import Update
    from telegram.error import TelegramError

    from bot.runtime.app import build_application, stopped_by_conflict
    from bot.runtime.logs import redact, secret_forms

    # Check the database before talking to Telegram, so a bad file stops start-up cleanly,
    # and hold it, so that a second bot on it is refused before it sends anything.
    _existing_database(config)
    with _hold(config, "run"):
        asyncio.run(_with_store(config, _no_op, migrate=True))
        username = _get_me(config, token)
        application = build_application(config, token=token)
        logging.getLogger(__name__).info("Frontline is starting as @%s (long polling)",
                                         username)
        try:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
        except TelegramError as exc:  # Telegram failed between getMe and the first poll
            raise CliError(f"{_api_name(config)}: {redact(str(exc), secret_forms(token))}; "
                           "try again") from None
        conflict = stopped_by_conflict(application)
    if conflict is not None:
        raise CliError(
            f"stopped: Telegram answers getUpdates with “{conflict}”: another process is "
            "polling this bot's updates with the same token; stop it, or give each bot its own "
            "token (@BotFather)", EXIT_USAGE)


async def _no_op(store: Store) -> None:
    return None


def cmd_demo(args: argparse.Namespace) -> None:
    """Play a scripted day in the sandbox."""
    from bot.demo.script import run_demo

    _setup_logging(args.verbose, quiet=not args.verbose)
    asyncio.run(run_demo(language=args.lang, out=sys.stdout))


def cmd_init(args: argparse.Namespace) -> None:
    """Create the database and the root branch."""
    config = _load(args)
    name = args.org.strip()
    if not name:
        raise CliError("--org: expected the organization's name", EXIT_USAGE)

    async def work(store: Store) -> None:
        roots = await store.branches.roots()
        if roots:
            raise CliError(f"{config.storage.path}: already initialized: root branch "
                           f"#{roots[0].id} “{roots[0].name}”")
        branch_id = await store.branches.create(name, None, at=_now())
        await store.audit.record(None, "init", branch_id=branch_id, allowed=True,
                                 detail={"name": name}, at=_now())
        print(f"created {config.storage.path} with root branch #{branch_id} “{name}”")
        print(f"next: frontline invite --config {_config_path(args)} --branch {branch_id} "
              "--role secretary")

    asyncio.run(_with_store(config, work, create=True, migrate=True))


def cmd_invite(args: argparse.Namespace) -> None:
    """Print an invite link."""
    config = _load(args)
    try:
        expires = parse_duration(args.expires) if args.expires else None
    except ValueError:
        raise CliError(f"--expires: expected a duration like 30m, 12h, 7d or 2w, got "
                       f"{args.expires!r}", EXIT_USAGE) from None
    if args.uses is not None and args.uses < 1:
        raise CliError("--uses: expected a whole number of at least 1", EXIT_USAGE)
    username = config.telegram.username or _ask_username(config)

    async def work(store: Store) -> None:
        branch = await store.branches.get(args.branch)
        if branch is None:
            raise CliError(f"--branch: there is no branch #{args.branch} "
                           "(see: frontline branch list)")
        kwargs: dict[str, Any] = {}
        if args.uses is not None:
            kwargs["uses"] = args.uses
        if expires is not None:
            kwargs["expires_in"] = expires
        invite = await create_invite(store, branch.id, args.role, created_by=None, now=_now(),
                                     **kwargs)
        uses = "unlimited uses" if invite.uses_left is None else f"{invite.uses_left} use(s)"
        until = invite.expires_at.isoformat(timespec="minutes") if invite.expires_at else "never"
        print(f"{args.role} invite for #{branch.id} “{branch.name}” ({uses}, expires {until})")
        print(deep_link(username, invite.code))
        print(f"code: {invite.code}")

    asyncio.run(_with_store(config, work))


def _ask_username(config: Config) -> str:
    """The bot's username from Telegram (getMe), when the config does not give it."""
    try:
        token = require_token(config)
    except ConfigError as exc:
        raise CliError(f"{exc} (or set [telegram] username to make invites offline)",
                       EXIT_USAGE) from None
    try:
        return _get_me(config, token)
    except CliError as exc:
        raise CliError(f"{exc} (or set [telegram] username in {config.source} to make invites "
                       "offline)", exc.code) from None


# How long start-up waits for the Bot API to connect, and then to answer getMe (PTB's own
# default for every call): a server that never answers is reported after this, not retried.
STARTUP_WAIT_S = 5.0


def _api_name(config: Config) -> str:
    """The Bot API server, named without the token: Telegram, or [telegram] base_url."""
    if config.telegram.base_url:
        return f"the Bot API server at {config.telegram.base_url.rstrip('/')}"
    return "Telegram (https://api.telegram.org)"


def _get_me(config: Config, token: str) -> str:
    """Ask the Bot API who the bot is, once; its username, or one line on what failed.

    A rejected token exits with 2 (fix the configuration); a network failure or a server
    that does not answer exits with 1 (it may work later). The token is never shown.
    """
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
    from telegram.request import HTTPXRequest

    from bot.runtime.logs import redact, secret_forms

    async def get_me() -> str:
        kwargs: dict[str, Any] = {}
        if config.telegram.base_url:
            root = config.telegram.base_url.rstrip("/")
            kwargs = {"base_url": f"{root}/bot", "base_file_url": f"{root}/file/bot"}
        request = HTTPXRequest(connect_timeout=STARTUP_WAIT_S, read_timeout=STARTUP_WAIT_S)
        async with Bot(token, request=request, **kwargs) as bot:
            return bot.username

    where = _api_name(config)
    if os.environ.get(TOKEN_ENV, "").strip():
        check_token = f"check {TOKEN_ENV} (it replaces [telegram] token in {config.source})"
    else:
        check_token = f"check [telegram] token in {config.source} (or set {TOKEN_ENV})"
    check_url = (f"[telegram] base_url in {config.source}" if config.telegram.base_url
                 else "this machine's network connection (a proxy? a firewall?)")
    secrets = secret_forms(token)
    try:
        return asyncio.run(get_me())
    except InvalidToken as exc:
        # PTB's own message names the token; the server's answer is in the cause.
        why = str(exc.__cause__ or "Unauthorized")
        raise CliError(redact(f"{where} rejected the token ({why}); {check_token}", secrets),
                       EXIT_USAGE) from None
    except TimedOut:
        raise CliError(f"{where} did not answer within {STARTUP_WAIT_S:g} s; check "
                       f"{check_url}") from None
    except NetworkError as exc:
        raise CliError(redact(f"cannot reach {where} ({exc}); check {check_url}", secrets)
                       ) from None
    except TelegramError as exc:
        raise CliError(redact(f"{where} answered getMe with an error ({exc}); check "
                              f"{check_url}", secrets)) from None


def cmd_branch_add(args: argparse.Namespace) -> None:
    """Add a branch under a parent."""
    config = _load(args)
    name = " ".join(args.name).strip()
    if not name:
        raise CliError("NAME: expected the new branch's name", EXIT_USAGE)

    async def work(store: Store) -> None:
        parent = await store.branches.get(args.parent)
        if parent is None:
            raise CliError(f"--parent: there is no branch #{args.parent}")
        branch_id = await store.branches.create(name, parent.id, at=_now())
        await store.audit.record(None, "branch_add", branch_id=branch_id, allowed=True,
                                 detail={"parent": parent.id, "name": name}, at=_now())
        print(f"created branch #{branch_id} “{name}” under #{parent.id} “{parent.name}”")

    asyncio.run(_with_store(config, work))


def cmd_branch_list(args: argparse.Namespace) -> None:
    """Print the branch tree."""
    config = _load(args)

    async def work(store: Store) -> None:
        nodes = await store.branches.whole_tree()
        if not nodes:
            print("no branches yet: run frontline init")
        for node in nodes:
            print(f"{'  ' * node.depth}#{node.id} {node.name}  "
                  f"({node.members} members, {node.timezone})")

    asyncio.run(_with_store(config, work))


def cmd_households_import(args: argparse.Namespace) -> None:
    """Import households from a CSV or XLSX file: all rows, or none if one is bad."""
    from bot.i18n import Translator
    from bot.rules.household_import import import_households
    from bot.rules.households import MAX_BYTES

    config = _load(args)
    translate = Translator(config.defaults.locale)
    language = translate.default  # the problems are told in the config's default locale
    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CliError(f"{path}: the file is over {MAX_BYTES // 1024 // 1024} MB; "
                           "split it or remove columns")
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read the file ({exc.strerror})", EXIT_USAGE) from None

    async def work(store: Store) -> None:
        branch = await store.branches.get(args.branch)
        if branch is None:
            raise CliError(f"--branch: there is no branch #{args.branch} "
                           "(see: frontline branch list)")
        result = await import_households(store, branch.id, data, now=_now(),
                                         only_good=args.only_good, file_name=path.name)
        for error in result.errors:
            print(f"{path}: {error.describe(translate, language)}", file=sys.stderr)
        if result.written:
            await store.audit.record(None, "households_import", branch_id=branch.id, allowed=True,
                                     detail={"created": result.created, "updated": result.updated,
                                      "skipped": len(result.errors), "file": path.name},
                                     at=_now())
            skipped = f", {len(result.errors)} bad row(s) skipped" if result.errors else ""
            print(f"imported {path.name} into #{branch.id} “{branch.name}”: "
                  f"{result.created} created, {result.updated} updated{skipped}")
        elif result.errors:
            raise CliError(f"{path}: nothing imported ({len(result.errors)} problem(s); "
                           "fix them, or use --only-good to import the good rows)")

    asyncio.run(_with_store(config, work))


def cmd_backup(args: argparse.Namespace) -> None:
    """Copy the database with SQLite's online backup API."""
    config = _load(args)
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

    asyncio.run(_with_store(config, work, current=False))  # a backup before migrating


def cmd_migrate(args: argparse.Namespace) -> None:
    """Apply pending migrations and report the schema version."""
    config = _load(args)

    async def work(store: Store) -> None:
        version = await store.db.user_version()
        print(f"{config.storage.path}: schema version {version}, up to date")

    _existing_database(config)
    with _hold(config, "migrate"):  # never under a running bot
        asyncio.run(_with_store(config, work, migrate=True))


# --- parser --------------------------------------------------------------------------------

def _setup_logging(verbose: bool, *, quiet: bool = False, token: str | None = None) -> None:
    from bot.runtime import logs

    level = logging.DEBUG if verbose else (logging.ERROR if quiet else logging.INFO)
    logs.setup(level, token=token)


def _branch_id(text: str) -> int:
    if not (text.lstrip("#").isascii() and text.lstrip("#").isdigit()):
        raise argparse.ArgumentTypeError(f"expected a branch id (a number), got {text!r}")
    return int(text.lstrip("#"))


def _timezone(text: str) -> str:
    if not valid_timezone(text):
        raise argparse.ArgumentTypeError(f"expected an IANA timezone, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with --help on every subcommand."""
    parser = argparse.ArgumentParser(prog="frontline", description=package_doc)
    parser.add_argument("--version", action="version", version=f"frontline {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def config_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", metavar="PATH",
                       help=f"configuration file (default: ${CONFIG_ENV} or {DEFAULT_CONFIG})")

    p = sub.add_parser("run", help="run the bot (long polling)",
                       description="Run the bot with long polling against Telegram, or the "
                       "Bot API server at [telegram] base_url.")
    config_arg(p)
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="a scripted day in the built-in sandbox (no token)",
                       description="Play a scripted day of a small organization on the "
                       "built-in fake Telegram: no token, no network.")
    p.add_argument("--lang", choices=LANGUAGES, default="zh",
                   help="language of the demo's people (default: zh)")
    p.add_argument("-v", "--verbose", action="store_true", help="show the bot's log as well")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("init", help="create the database and the root branch",
                       description="Create the database and the organization's root branch.")
    config_arg(p)
    p.add_argument("--org", required=True, metavar="NAME", help="the organization's name")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("invite", help="print an invite link",
                       description="Print an invite link (t.me deep link) and its code.")
    config_arg(p)
    p.add_argument("--branch", required=True, type=_branch_id, metavar="ID")
    p.add_argument("--role", required=True, choices=("member", "secretary"))
    p.add_argument("--uses", type=int, metavar="N",
                   help="how many people may use it (default: member unlimited, secretary 1)")
    p.add_argument("--expires", metavar="DURATION", default="7d",
                   help="validity, e.g. 12h, 7d, 2w (default: 7d)")
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser("branch", help="add or list branches",
                       description="Add a branch, or list the branch tree.")
    bsub = p.add_subparsers(dest="branch_command", required=True, metavar="ACTION")
    q = bsub.add_parser("add", help="add a branch under a parent",
                        description="Add a branch under a parent branch.")
    config_arg(q)
    q.add_argument("--parent", required=True, type=_branch_id, metavar="ID")
    q.add_argument("name", nargs="+", metavar="NAME")
    q.set_defaults(func=cmd_branch_add)
    q = bsub.add_parser("list", help="print the branch tree",
                        description="Print the branch tree with member counts.")
    config_arg(q)
    q.set_defaults(func=cmd_branch_list)

    p = sub.add_parser("households", help="import households from a CSV or XLSX file",
                       description="Manage the households of a branch's zones.")
    hsub = p.add_subparsers(dest="households_command", required=True, metavar="ACTION")
    q = hsub.add_parser(
        "import", help="import households from a CSV or XLSX file",
        description="Import households from a CSV file (UTF-8 or GBK) or an Excel .xlsx "
        "workbook (its first sheet), at most 10 MB, with the columns zone, label, address, "
        "people, notes, responsible (or 区域, 门牌, 地址, 人数, 备注, 责任人). Nothing is "
        "written if a row is bad, unless --only-good; importing the same file again updates "
        "the households instead of adding them twice. Problems are reported in the language "
        "of [defaults] locale.")
    config_arg(q)
    q.add_argument("--branch", required=True, type=_branch_id, metavar="ID",
                   help="the branch whose zones the households belong to")
    q.add_argument("--only-good", action="store_true",
                   help="import the good rows even if some are bad")
    q.add_argument("file", metavar="FILE", help="the CSV or XLSX file to import")
    q.set_defaults(func=cmd_households_import)

    p = sub.add_parser("backup", help="copy the database safely while the bot runs",
                       description="Copy the database with SQLite's online backup API.")
    config_arg(p)
    p.add_argument("dest", metavar="DEST", help="the backup file to write")
    p.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("migrate", help="bring the database schema up to date",
                       description="Apply pending migrations (start-up does this too).")
    config_arg(p)
    p.set_defaults(func=cmd_migrate)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frontline")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `frontline` console script."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CliError as exc:
        print(f"frontline: {exc}", file=sys.stderr)
        return exc.code
    except StorageError as exc:
        print(f"frontline: {exc}", file=sys.stderr)
        return EXIT_FAILURE if isinstance(exc, DatabaseBusy) else EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _stdout_gone()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return _stdout_gone()
    return 0


def _stdout_gone() -> int:
    """The reader of our output went away (e.g. `frontline demo | head`): stop quietly.

    Python would otherwise report the failed flush of stdout at exit, so point stdout at
    /dev/null first (the recipe in the `signal` module's documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
