"""Shared fixtures: a started SandboxBot, optionally with an organization in it."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import pytest

from bot.sandbox import vtime
from bot.sandbox.harness import SandboxBot
from storage.store import Store
from tests.helpers import Org, build_org, make_bot

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
SLOW = Path(__file__).resolve().parent / "slow"


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
    """Async tests run on virtual time (`bot.sandbox.vtime.VirtualTimeLoop`): a wait on the
    loop's clock (the outbox's pacing and backoff, a 429's retry_after, the sandbox's latency,
    the JobQueue) costs no real time. Those marked `real_time` run on asyncio's own loop."""
    if item.get_closest_marker("real_time") is not None:
        return {"real": asyncio.SelectorEventLoop}
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
