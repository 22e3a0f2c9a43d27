"""Test helpers: a small organization on the sandbox, and people in it; the catalogue's texts to
assert through (`t`; press a button by its label: `bot.press(user, t("broadcast.button_send"))`);
the command line run in this process."""

from __future__ import annotations

import asyncio
import atexit
import io
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import weakref
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.cli import main
from bot.clock import ManualClock
from bot.config import Config
from bot.i18n import Translator
from bot.sandbox import html_to_plain
from bot.sandbox.harness import SandboxBot
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent  # the checkout: bot/, handlers/, storage/, tests/

ADMIN = 100
SEC_A, SEC_A1, SEC_B = 201, 202, 203
MEM_A1, MEM_A2, MEM_A1X, MEM_B1 = 301, 302, 303, 304
OUTSIDER = 999

# 2026-03-02 08:30 in Shanghai (UTC+8).
MORNING = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


_TRANSLATE = Translator()


def t(key: str, language: str = "zh", /, **values: object) -> str:
    """The catalogue's text of `key` in `language` (Chinese, as build_org's people speak unless
    told otherwise), filled with `values`, as the plain text `SandboxMessage.plain` and button
    labels show: assert through it rather than copying a text. An unknown key fails."""
    assert _TRANSLATE.has(key), f"no text {key!r} in the catalogues"
    return html_to_plain(_TRANSLATE(language, key, **values))


@dataclass
class Org:
    """Root ─┬─ A ── A1
              └─ B
    with secretaries SEC_A (A), SEC_A1 (A1), SEC_B (B) and members MEM_A1, MEM_A2 (A),
    MEM_A1X (A1), MEM_B1 (B)."""

    root: int
    a: int
    a1: int
    b: int


def loop_time() -> float:
    """The running event loop's clock, in seconds: the clock the outbox, the sandbox's latency
    and the JobQueue wait on (virtual time in the tests, see tests/conftest.py)."""
    return asyncio.get_running_loop().time()


_migrated: Path | None = None


def migrated_database() -> Path:
    """A new database file the migrations ran on, made once per process: the tests start
    hundreds of bots, and copying it costs half of migrating a new one."""
    global _migrated
    if _migrated is None:
        # Beside the tests' own databases (tests/conftest.py), else the system's temp folder.
        where = os.environ.get("FRONTLINE_TESTS_TMP")
        folder = tempfile.mkdtemp(prefix="frontline-migrated-", dir=where)
        atexit.register(shutil.rmtree, folder, True)
        path = Path(folder) / "frontline.db"

        async def create() -> None:
            store = Store(path)
            await store.initialize()
            await store.shutdown()

        with ThreadPoolExecutor(1) as pool:  # (an event loop may be running in this thread)
            pool.submit(asyncio.run, create()).result()
        _migrated = path
    return _migrated


def make_bot(*, admins: frozenset[int] = frozenset({ADMIN}), start: datetime = MORNING,
             config: Config | None = None) -> SandboxBot:
    """A SandboxBot with a manual clock (not started), on a copy of `migrated_database()` in
    a temporary folder of its own (removed with the bot)."""
    config = config or Config(admins=admins)
    folder = tempfile.mkdtemp(prefix="frontline-")
    db = Path(folder) / "frontline.db"
    shutil.copyfile(migrated_database(), db)
    bot = SandboxBot(config, clock=ManualClock(start), db_path=db)
    weakref.finalize(bot, shutil.rmtree, folder, True)
    return bot


async def build_org(bot: SandboxBot, *, english: tuple[int, ...] = ()) -> Org:
    """Create the branches and let everyone join through real invite links."""
    store, now = bot.store, bot.clock.now()
    root = await store.branches.create("Root", None, at=now)
    a = await store.branches.create("Alpha", root, at=now)
    a1 = await store.branches.create("Alpha-1", a, at=now)
    b = await store.branches.create("Beta", root, at=now)
    people = [
        (ADMIN, "Ada", None, None), (SEC_A, "Sa", a, "secretary"),
        (SEC_A1, "Sb", a1, "secretary"), (SEC_B, "Sc", b, "secretary"),
        (MEM_A1, "Mia", a, "member"), (MEM_A2, "Max", a, "member"),
        (MEM_A1X, "Mo", a1, "member"), (MEM_B1, "Mel", b, "member"),
        (OUTSIDER, "Otto", None, None),
    ]
    for user_id, name, branch, role in people:
        bot.user(user_id, name, username=name.lower(),
                 language_code="en" if user_id in english else "zh")
        if branch is not None and role is not None:
            await bot.join(user_id, branch, role)
    return Org(root, a, a1, b)


async def all_pages(bot: SandboxBot, user_id: int) -> list[str]:
    """The plain text of every page of the long list just sent to the user (pressing ▶ on
    its last message until there is no next page); one item if it had no pages."""
    message = bot.sandbox.last(user_id)
    texts = [message.plain]
    while any(label.endswith("▶") for label, _ in message.button_list):
        message = await bot.press(user_id, "▶")
        texts.append(message.plain)
    return texts


# --- the command line -----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A finished `frontline` command."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The non-empty lines of stderr."""
        return [line for line in self.err.splitlines() if line.strip()]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus anything Frontline reads, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTLINE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def frontline(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run `frontline ARGS` in `cwd` in this process (`bot.cli.main`, what the installed
    command calls), with the environment of `clean_env(env)`: its exit code, stdout, stderr.

    What the command changes for the process is put back afterwards: the working directory,
    the environment, the root logger's handlers and level (`run` sets up logging to stderr,
    which is captured here too), `sys.excepthook`. tests/slow/ runs real processes where the
    process is the point (signals, a closed pipe, the lock another program holds)."""
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_env, saved_cwd, saved_hook = dict(os.environ), os.getcwd(), sys.excepthook
    os.environ.clear()
    os.environ.update(clean_env(env))
    root.handlers.clear()  # so that `run` logs to the captured stderr, as in a process
    try:
        os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, a bad argument
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        sys.excepthook = saved_hook
    return Result(code, out.getvalue(), err.getvalue())


def sql(db: Path, query: str) -> list[tuple[object, ...]]:
    """Run one statement on a SQLite file and close it again."""
    with closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute(query).fetchall()
