"""When the weekly report goes out: on the set day and time through the scheduler's tick, once
(a second tick, a restart), caught up within the week, never after it, nor for days before
the branch existed; a branch that inherits its parent's day and time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.config import Config
from bot.sandbox.harness import SandboxBot
from tests.helpers import ADMIN, MORNING, SEC_A, SEC_A1, SEC_B, Org, build_org, t

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 3, 9)  # a Monday; the org was made on Monday 2026-03-02 at 08:30
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 8)
PEOPLE = ((ADMIN, "Ada"), (SEC_A, "Sa"), (SEC_A1, "Sb"), (SEC_B, "Sc"))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant of a Shanghai day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


async def tick(bot: SandboxBot, when: datetime) -> None:
    """Run the scheduler's minute job through PTB's JobQueue, at `when`."""
    bot.clock.set(when)
    queue = bot.app.job_queue
    assert queue is not None
    jobs = queue.get_jobs_by_name("tick")
    assert len(jobs) == 1
    await jobs[0].run(bot.app)


def reports(bot: SandboxBot, user: int, branch: str, first: date = FIRST,
            last: date = LAST, language: str = "zh") -> int:
    """How many weekly reports of `branch` over `first`..`last` the user got."""
    header = t("weekly.header", language, branch=branch, first=first.isoformat(),
               last=last.isoformat())
    return sum(m.plain.startswith(header) for m in bot.sandbox.bot_messages(user))


async def weekly_rows(bot: SandboxBot, *branches: int) -> dict[int, list[str]]:
    """The weekly rows of the ledger, by branch."""
    return {b: [day for kind, day in await bot.store.runs.of(b) if kind == "weekly"]
            for b in branches}


async def test_on_the_set_day_and_time_once(bot: SandboxBot, org: Org) -> None:
    await bot.send(ADMIN, "/start")  # the admin is known to the bot
    for day in range(2, 9):  # a week of ticks: nothing before Monday 20:00
        await tick(bot, at(date(2026, 3, day), 20, 30))
    await tick(bot, at(WEEK, 19, 59))
    await bot.drain()
    assert await weekly_rows(bot, org.root, org.a, org.a1, org.b) == {
        org.root: [], org.a: [], org.a1: [], org.b: []}
    await tick(bot, at(WEEK, 20))
    await bot.drain()
    assert await weekly_rows(bot, org.root, org.a, org.a1, org.b) == {
        org.root: ["2026-03-09"], org.a: ["2026-03-09"], org.a1: ["2026-03-09"],
        org.b: ["2026-03-09"]}
    assert [reports(bot, SEC_A, "Alpha"), reports(bot, SEC_A1, "Alpha-1"),
            reports(bot, SEC_B, "Beta"), reports(bot, ADMIN, "Root")] == [1, 1, 1, 1]
    assert reports(bot, SEC_A, "Root") == 0  # a secretary gets their own branch's
    for later in (at(WEEK, 20, 1), at(WEEK + timedelta(days=2), 20), at(WEEK, 23, 59)):
        await tick(bot, later)
    await bot.drain()
    assert reports(bot, SEC_A, "Alpha") == 1 and reports(bot, ADMIN, "Root") == 1
    # The next week's: the week before it.
    nxt = WEEK + timedelta(days=7)
    await tick(bot, at(nxt, 20))
    await bot.drain()
    assert reports(bot, SEC_A, "Alpha", WEEK, nxt - timedelta(days=1)) == 1
    assert (await weekly_rows(bot, org.a))[org.a] == ["2026-03-09", "2026-03-16"]


def _people(bot: SandboxBot) -> SandboxBot:
    for user, name in PEOPLE:
        bot.user(user, name)
    return bot


async def _start(db: Path, clock: ManualClock) -> SandboxBot:
    """A bot started on the database (start-up catches up), its sending done."""
    bot = _people(SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock, db_path=db))
    await bot.start()
    await bot.drain()
    return bot


async def test_restarts_neither_miss_nor_repeat(tmp_path: Path) -> None:
    db, clock = tmp_path / "frontline.db", ManualClock(MORNING)
    async with SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock, db_path=db) as first:
        org = await build_org(first)
    got = []
    for moment in (at(WEEK, 19, 59), at(WEEK, 20), at(WEEK, 20, 1), at(WEEK, 23)):
        clock.set(moment)
        bot = await _start(db, clock)
        got.append(reports(bot, SEC_A, "Alpha"))
        await bot.stop()
    assert got == [0, 1, 0, 0]  # each start's bot: what it sent itself
    clock.set(at(WEEK + timedelta(days=1), 9))
    async with _people(SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock,
                                  db_path=db)) as last:
        assert (await weekly_rows(last, org.a))[org.a] == ["2026-03-09"]


async def test_caught_up_within_the_week_not_after(tmp_path: Path) -> None:
    db, clock = tmp_path / "frontline.db", ManualClock(MORNING)
    async with SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock, db_path=db) as first:
        org = await build_org(first)
    # Down from before Monday 20:00 until Thursday: the report of the same days, late.
    clock.set(at(WEEK + timedelta(days=3), 10))
    bot = await _start(db, clock)
    assert reports(bot, SEC_A, "Alpha") == 1 and reports(bot, SEC_B, "Beta") == 1
    await bot.stop()
    # Down across the whole next week: that week's report is not sent on the Monday after.
    clock.set(at(WEEK + timedelta(days=14), 10))
    bot = await _start(db, clock)
    assert sum("周报" in m.plain for m in bot.sandbox.bot_messages(SEC_A)) == 0
    assert (await weekly_rows(bot, org.a))[org.a] == ["2026-03-09"]
    # ... and that Monday's own comes at its time.
    await tick(bot, at(WEEK + timedelta(days=14), 20))
    await bot.drain()
    assert reports(bot, SEC_A, "Alpha", WEEK + timedelta(days=7),
                   WEEK + timedelta(days=13)) == 1
    await bot.stop()


async def test_not_for_days_before_the_branch_existed(bot: SandboxBot, org: Org) -> None:
    store = bot.store
    # Made on Monday 2026-03-09 at 10:00: the week of 03-02..03-08 ended before it existed.
    bot.clock.set(at(WEEK, 10))
    late = await store.branches.create("Gamma", org.root, at=bot.clock.now())
    await tick(bot, at(WEEK, 20))
    assert (await weekly_rows(bot, late, org.b)) == {late: [], org.b: ["2026-03-09"]}
    await tick(bot, at(WEEK + timedelta(days=7), 20))
    assert (await weekly_rows(bot, late))[late] == ["2026-03-16"]


async def test_a_branch_inherits_day_and_time(bot: SandboxBot, org: Org) -> None:
    assert "已改为" in (await bot.send(SEC_A, "/settings weeklyday fri")).plain
    assert "已改为" in (await bot.send(SEC_A, "/settings weekly 18:30")).plain
    # Alpha and Alpha-1 (which inherits): Friday 18:30, the days Friday..Thursday before.
    friday = date(2026, 3, 13)
    first, last = date(2026, 3, 6), date(2026, 3, 12)
    await tick(bot, at(WEEK, 20))  # Beta and the root keep Monday at the digest time
    assert await weekly_rows(bot, org.a, org.a1, org.b) == {
        org.a: [], org.a1: [], org.b: ["2026-03-09"]}
    await tick(bot, at(friday, 18, 29))
    assert await weekly_rows(bot, org.a, org.a1) == {org.a: [], org.a1: []}
    await tick(bot, at(friday, 18, 30))
    await bot.drain()
    assert await weekly_rows(bot, org.a, org.a1) == {org.a: ["2026-03-09"],
                                                     org.a1: ["2026-03-09"]}
    assert reports(bot, SEC_A, "Alpha", first, last) == 1
    assert reports(bot, SEC_A1, "Alpha-1", first, last) == 1
    # Alpha-1 sets its own time: it no longer follows Alpha's.
    assert "已改为" in (await bot.send(SEC_A1, "/settings weekly 07:00")).plain
    schedule = {s.branch_id: s for s in await bot.store.schedules.all()}
    assert (schedule[org.a1].weekly_day, schedule[org.a1].weekly_time) == ("fri", "07:00")
    assert (schedule[org.b].weekly_day, schedule[org.b].weekly_time) == ("mon", "20:00")


async def test_default_time_follows_the_branch_digest_time(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_B, "/settings digest 21:00")
    schedule = {s.branch_id: s for s in await bot.store.schedules.all()}
    assert schedule[org.b].weekly_time == "21:00" and schedule[org.a].weekly_time == "20:00"
    await tick(bot, at(WEEK, 20, 30))
    assert await weekly_rows(bot, org.a, org.b) == {org.a: ["2026-03-09"], org.b: []}
    await tick(bot, at(WEEK, 21))
    assert (await weekly_rows(bot, org.b))[org.b] == ["2026-03-09"]


async def test_a_time_the_clocks_skip_happens_when_they_jump(bot: SandboxBot, org: Org) -> None:
    for words in ("timezone Europe/Berlin", "weeklyday sun", "weekly 02:30"):
        assert "已改为" in (await bot.send(SEC_B, f"/settings {words}")).plain
    # Berlin's clocks jump from 02:00 to 03:00 on Sunday 2026-03-29 (01:00 UTC).
    await tick(bot, datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
    assert (await weekly_rows(bot, org.b))[org.b] == []
    await tick(bot, datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
    await bot.drain()
    assert (await weekly_rows(bot, org.b))[org.b] == ["2026-03-23"]
    assert reports(bot, SEC_B, "Beta", date(2026, 3, 22), date(2026, 3, 28)) == 1
