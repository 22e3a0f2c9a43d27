"""The one scheduler tick: each due item is computed once, big runs are written in pieces (and
resumed after a stop), the statistics are kept, and whatever is due at start runs however long
start-up took. A thousand branches sharing 08:00 are one run:
tests/slow/test_scheduler_scale.py."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from telegram.ext import Job

from bot.clock import ManualClock
from bot.i18n import Translator
from bot.rules import rhythm
from bot.runtime.scheduler import Scheduler
from bot.sandbox.harness import SandboxBot
from handlers.core.context import Context
from storage.store import Store
from tests.helpers import make_bot

DAY = date(2026, 3, 3)
MADE = "2026-03-01T00:00:00+00:00"
EIGHT = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai (the default zone)
FIRST = 10_000


def at(hour: int, minute: int = 0) -> datetime:
    return EIGHT + timedelta(hours=hour - 8, minutes=minute)


async def organization(store: Store, branches: int, members: int) -> list[int]:
    """A root and `branches - 1` branches under it, all at the default times, with `members`
    members in each (the first a secretary); returns the member ids."""
    ids: list[tuple[int, int]] = []
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, None if b == 1 else 1, f"Branch {b}", MADE) for b in range(1, branches + 1)])
        ids = [(FIRST + (b - 1) * members + i, b) for b in range(1, branches + 1)
               for i in range(members)]
        await tx.executemany(
            "INSERT INTO members(id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(m, f"M{m}", MADE, MADE) for m, _ in ids])
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            [(m, b, "secretary" if (m - FIRST) % members == 0 else "member", MADE)
             for m, b in ids])
    return [m for m, _ in ids]


async def queued_to(store: Store, kind: str) -> dict[int, int]:
    """How many outbox rows of a kind each member has."""
    rows = await store.db.fetchall(
        "SELECT member_id, count(*) FROM outbox WHERE kind = ? GROUP BY member_id", (kind,))
    return {int(r[0]): int(r[1]) for r in rows}


def tick_job(bot: SandboxBot) -> Job[Context]:
    queue = bot.app.job_queue
    assert queue is not None
    (job,) = queue.get_jobs_by_name("tick")
    return job


async def test_jobs_due_at_start_run_however_long_start_up_took() -> None:
    bot = make_bot()
    app = bot.app
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    queue = app.job_queue
    assert queue is not None
    # Start-up took five seconds (a big database): every job's time has passed by then,
    # beyond APScheduler's one-second grace.
    events: list[int] = []
    queue.scheduler.add_listener(lambda event: events.append(event.code),
                                 EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    late = datetime.now(queue.scheduler.timezone) - timedelta(seconds=5)
    for job in queue.jobs():
        job.job.modify(next_run_time=late)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    bot.running = True
    jobs = len(queue.jobs())  # the menus, the tick, the alerts' look
    try:
        for _ in range(500):  # the jobs run as soon as the scheduler starts
            if len(events) >= jobs:
                break
            await asyncio.sleep(0.01)
        assert events == [EVENT_JOB_EXECUTED] * jobs == [EVENT_JOB_EXECUTED] * 3
        assert bot.sandbox.count("setMyCommands") >= 3
    finally:
        await bot.stop()


async def store_at(tmp_path: Path) -> Store:
    store = Store(tmp_path / "frontline.db")
    await store.initialize()
    return store


def transactions(statements: list[str]) -> list[int]:
    """The outbox rows each write transaction inserted, in order (writes without any left out)."""
    out: list[int] = []
    rows = None
    for statement in statements:
        if statement.startswith("BEGIN"):
            rows = 0
        elif statement.startswith("COMMIT"):
            if rows:
                out.append(rows)
            rows = None
        elif rows is not None and statement.startswith("INSERT INTO outbox"):
            rows += 1
    return out


async def test_a_big_branch_is_prompted_in_pieces(tmp_path: Path) -> None:
    store = await store_at(tmp_path)
    try:
        members = await organization(store, 1, 2 * rhythm.PIECE + 250)
        statements: list[str] = []
        await store.db.trace(statements.append)
        queued = await rhythm.run_due(store, Translator(), at(8))
        await store.db.trace(None)
        assert queued == len(members)
        assert await queued_to(store, "rhythm_prompt") == dict.fromkeys(members, 1)
        # Each transaction holds the writer for one piece, never the whole branch.
        assert transactions(statements) == [rhythm.PIECE, rhythm.PIECE, 250]
        assert await store.runs.of(1) == [("prompt", DAY.isoformat())]
    finally:
        await store.shutdown()


class Stop(Exception):
    """The process stops between two pieces of a run."""


async def test_a_run_stopped_between_pieces_resumes_without_repeating(tmp_path: Path) -> None:
    store = await store_at(tmp_path)
    try:
        members = await organization(store, 1, 25)

        def stop() -> None:
            raise Stop

        with pytest.raises(Stop):
            await rhythm.run_due(store, Translator(), at(8), piece=10, queued=stop)
        assert await queued_to(store, "rhythm_prompt") == dict.fromkeys(members[:10], 1)
        runs = await store.runs.since(DAY)
        assert runs[(1, "prompt", DAY.isoformat())].upto == members[9]  # under way
        # Not done: the reminder waits for the prompt to be finished.
        assert await rhythm.run_due(store, Translator(), at(10), piece=10) == 15
        assert await queued_to(store, "rhythm_prompt") == dict.fromkeys(members, 1)
        assert await queued_to(store, "rhythm_reminder") == {}
        assert (await store.runs.since(DAY))[(1, "prompt", DAY.isoformat())].upto is None
        assert await rhythm.run_due(store, Translator(), at(10, 1), piece=10) == 0
        assert await rhythm.run_due(store, Translator(), at(12), piece=10) == 25
        assert await queued_to(store, "rhythm_reminder") == dict.fromkeys(members, 1)
    finally:
        await store.shutdown()


def statistics(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = ? ORDER BY idx", (table,))]


async def test_statistics_at_start_and_once_a_day(tmp_path: Path) -> None:
    store = await store_at(tmp_path)
    try:
        await organization(store, 3, 10)
        clock = ManualClock(at(7))
        scheduler = Scheduler(store, Translator(), clock)
        await scheduler.start()
        await scheduler.idle()
        first = statistics(tmp_path / "frontline.db", "memberships")
        assert first and first[0].startswith("30 ")
        async with store.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO members(id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                [(m, "N", MADE, MADE) for m in range(1, 71)])
            await tx.executemany(
                "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
                " VALUES (?, 2, 'member', ?)", [(m, MADE) for m in range(1, 71)])
        clock.set(at(23, 59))
        await scheduler.tick()
        assert statistics(tmp_path / "frontline.db", "memberships") == first
        clock.set(at(7) + timedelta(days=1))
        await scheduler.tick()
        assert statistics(tmp_path / "frontline.db", "memberships")[0].startswith("100 ")
    finally:
        await store.shutdown()
