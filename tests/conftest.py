"""Shared fixtures (a started SandboxBot, optionally with an organization in it), virtual time,
and what `slow` means.

Layout: `unit/` (rules, parsers, i18n, text, the layers: no database), `storage/` (real SQLite
in tmp_path), `e2e/<feature>/` (the real application through the sandbox, and the command
line run in this process), `slow/` (real processes: the CLI, `frontline run` against a fake
Bot API, SIGKILLed children; a write lock held past SQLite's busy timeout; big data: the
biggest workbooks and imports, every command's answer over maximal data). Helpers are in
tests/helpers.py.

Virtual time: every async test runs on `bot.sandbox.vtime.VirtualTimeLoop`, whose clock jumps
over idle waits. Everything that waits in the application waits on the loop's clock (the
outbox's pacing, backoff and retry_after pauses, the sandbox's latency and flood control, the
JobQueue), so a test of a minute of paced sending takes the milliseconds its work takes. Work
outside the loop (aiosqlite's thread, `asyncio.to_thread`) is waited for in real time, so
nothing runs ahead of the database. Dates and times of day come from the ManualClock
(`bot.clock`), which moves only when a test moves it.

Slow: `.venv/bin/pytest` (the README's command) runs everything except tests/slow/, in well
under a minute; `.venv/bin/pytest -m slow` runs tests/slow/ (about two minutes, most of it
waiting on real processes and timeouts); `.ci/run` runs both, and `-m "slow or not slow"`
runs all at once. A test is slow because it waits in real time or starts processes, never
because it could have waited on the loop's clock: a `slow` mark outside tests/slow/ is an
error, and everything in tests/slow/ is marked.

Where the test databases live: on a memory-backed filesystem when the machine has one
(`/dev/shm` on Linux), unless `--basetemp` says otherwise. The tests are about behaviour; an
fsync to a real disk adds a fifth to their time and nothing to what they check (SIGKILL loses
nothing on tmpfs either: the page cache survives the process). Elsewhere, the system's temporary
folder.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import pytest

from bot.sandbox import vtime
from bot.sandbox.harness import SandboxBot
from storage.store import Store
from tests.helpers import Org, build_org, make_bot

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
MEMORY = Path("/dev/shm")
SLOW = Path(__file__).resolve().parent / "slow"


def pytest_configure(config: pytest.Config) -> None:
    """Test databases on a memory-backed filesystem when there is one (see the docstring)."""
    if config.option.basetemp is None and MEMORY.is_dir() and os.access(MEMORY, os.W_OK):
        folder = tempfile.mkdtemp(prefix="frontline-tests-", dir=MEMORY)
        config.option.basetemp = str(Path(folder) / "tmp")
        # The migrated database each process copies (tests.helpers.migrated_database) goes here
        # too, child processes' included, so that the session's cleanup removes them all even
        # when a child is SIGKILLed before its own cleanup.
        os.environ["FRONTLINE_TESTS_TMP"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in tests/slow/ is marked `slow`, and only those: a `slow` mark elsewhere
    is an error (move the test, or make it fast)."""
    for item in items:
        if SLOW in item.path.parents:
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("slow") is not None:
            raise pytest.UsageError(f"{item.nodeid} is marked slow but is not in tests/slow/")


def pytest_asyncio_loop_factories(
        config: pytest.Config, item: pytest.Item) -> Mapping[str, LoopFactory]:
    """Async tests run on virtual time (see the module docstring)."""
    return {"virtual": vtime.VirtualTimeLoop}


@pytest.fixture(scope="session", autouse=True)
def _database_work_is_real() -> Iterator[None]:
    """On virtual time, the loop waits for real while aiosqlite's thread runs a statement."""
    with vtime.counting_database_work():
        yield


@pytest.fixture
async def bot() -> AsyncIterator[SandboxBot]:
    """The real application on the sandbox, started, with an empty database."""
    async with make_bot() as running:
        yield running


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store on a real SQLite file in a temporary directory (no bot)."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    yield s
    await s.shutdown()


@pytest.fixture
async def org(bot: SandboxBot) -> Org:
    """An organization of three levels in `bot` (people speak Chinese)."""
    return await build_org(bot)


def _lingering_threads(seconds: float = 10.0) -> list[threading.Thread]:
    """Threads that would keep the interpreter from exiting, after waiting a little for them."""
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon]
    for thread in others:
        thread.join(timeout=seconds / max(1, len(others)))
    return [t for t in others if t.is_alive()]


def pytest_unconfigure(config: pytest.Config) -> None:
    """A run must end. A database connection left open (a bot a failed setup never stopped)
    keeps a thread alive that is not a daemon, and the interpreter would wait for it forever
    after the summary: say so and end the process, as a failure."""
    left = _lingering_threads()
    if left:
        sys.stdout.flush()
        sys.stderr.write(f"\n{len(left)} thread(s) left running after the tests (a bot or "
                         f"database not closed): {', '.join(t.name for t in left[:5])}\n")
        sys.stderr.flush()
        os._exit(1)
