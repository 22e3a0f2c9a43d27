"""Benchmark: the 08:00 prompt of an organization whose branches all share one check-in time.

Builds an organization of N members (default 100,000) in 1,000 branches four levels deep (the
tree of `bench/digest.py`; one secretary in every branch, the others spread evenly over all
branches), every branch at the default 08:00, with `--days` days of history (default 30):
check-ins (about 80% a day; a quarter of them unwell or quarantined, who get the care message),
the run ledger (prompt, reminder, rate escalation and digest of every branch every day),
needs (about 1 per 100 members a day, a quarter critical, each escalated once), tasks (about
1 per 200 members a day, two assignees each, with their follow-ups) and households (100 per
branch, one holder per 10). The outbox keeps only yesterday's prompts: the tick never reads
sent rows (the worker reads pending ones through a partial index), and a year of them would
be tens of gigabytes.

Then, in a fresh process (so that its peak memory is the running bot's, not the build's),
the real application starts on the sandbox at 07:59 (start-up catches up: nothing is due)
with a network of 150 ms round trip plus up to 50 ms jitter (`--latency-ms`, `--jitter-ms`)
and Telegram's flood control
(30 messages/s overall, one a second per chat; 1,000/s in the paid run). The clock is set to
08:00 and the scheduler's one JobQueue job is run through APScheduler, as at 08:00 (its
next run time is moved to now: the job's own trigger, executor and PTB callback). Meanwhile
members who have their prompt press its check-in button, 10 a second, through the sandbox's
updates, and each press's wait is the loop time from the update being queued to the bot's
answer (answerCallbackQuery) reaching the sandbox. The run happens on `bot.sandbox.vtime`'s event
loop, whose clock skips idle waits (pacing, latency) but waits for real on database and
thread work, so an hour of sending at 30/s costs only its CPU and database time.

- `queue_s`: from the tick to every prompt being in the outbox (the run's own time), in the
  free run (the paid run's, printed on its line, is longer: sending 1,000 a second meanwhile
  takes most of the one CPU, and its delivery takes ten times longer than the queueing);
- `press_wait_max_ms`: the longest press wait during the run and the first minute of
  sending, in either run;
- `deliver_30_s`, `deliver_1000_s`: from the tick to the last prompt's arrival at Telegram,
  at the free 30/s and at the paid 1,000/s (a separate process on a copy of the database);
- `peak_rss_mb`: the larger peak (ru_maxrss) of the two processes. The sandbox keeps its copy
  of the messages only for the members who press (the fake Telegram's 100,000 chats are
  Telegram's memory, not the bot's); it still parses, checks and answers every call;
- `tick_s`: the idle minute's tick (nothing due) afterwards, the median of 5, through the
  same job.

The line before the last gives `tick_s` (with the ideal delivery times); the last line:

    members=<n> queue_s=<x> press_wait_max_ms=<m> deliver_30_s=<x> deliver_1000_s=<x>
    peak_rss_mb=<m>

(one line).

Run from the repository root: `python bench/prompt.py [--members 100000] [--days 30]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import tree  # bench/digest.py: the same 1,000-branch tree
from telegram.request import RequestData

from bot.clock import ManualClock
from bot.config import Config, StorageConfig
from bot.sandbox import Sandbox, vtime
from bot.sandbox.harness import SandboxBot
from storage.followups import key
from storage.store import Store

TODAY = date(2026, 3, 30)
FIRST_MEMBER = 1_000_000
STATUSES = ("on_duty", "on_duty", "on_duty", "available", "available", "off", "unwell",
            "quarantined")
HOUSEHOLDS_PER_BRANCH = 100
PER_HOLDER = 10
# The members of the first branches the run writes (and the outbox sends) press the check-in
# button of their prompt as soon as it arrives: presses come while the run is still queuing.
PRESSING_BRANCHES = 20
BRANCHES = 1000
PRESSES_PER_S = 10
PRESS_AFTER_QUEUED_S = 60  # presses go on for a minute of sending after the run
START = datetime(2026, 3, 29, 23, 59, 30, tzinfo=UTC)  # 07:59:30 in Shanghai
EIGHT = datetime(2026, 3, 30, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
IDLE = datetime(2026, 3, 30, 0, 30, tzinfo=UTC)  # 08:30: nothing due


def home_branch(member: int) -> int:
    """The branch `build` puts a member in (the first 1,000 are the secretaries)."""
    k = member - FIRST_MEMBER
    return k + 1 if k < BRANCHES else (k - BRANCHES) % BRANCHES + 1


def _stamp(day: date, hour: float) -> str:
    """The UTC ISO stamp of a local (Shanghai, UTC+8) hour of a day."""
    when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8)
    return when.isoformat(timespec="seconds")


async def build(store: Store, members: int, days: int) -> None:
    """Fill the database (raw SQL through the store's writer, large transactions)."""
    rng = random.Random(members * 1000 + days)
    branches, _ = tree()
    ids = [b for b, _, _ in branches]
    created = _stamp(TODAY - timedelta(days=days + 5), 9)
    history = [TODAY - timedelta(days=i) for i in range(days, 0, -1)]
    secretaries = [(FIRST_MEMBER + i, b) for i, b in enumerate(ids)]
    rest = members - len(secretaries)
    people = secretaries + [(FIRST_MEMBER + len(ids) + i, ids[i % len(ids)])
                            for i in range(max(rest, 0))]
    member_ids = [m for m, _ in people]
    home = dict(people)

    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, p, n, created) for b, p, n in branches])
        await tx.executemany(
            "INSERT INTO members(id, first_name, last_name, telegram_language, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            ((m, f"Member{m}", None if m % 3 else "Li", "en" if m % 10 == 0 else "zh",
              created, created) for m in member_ids))
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            ((m, b, "secretary" if m - FIRST_MEMBER < len(ids) else "member", created)
             for m, b in people))

    def checkins(day: date) -> Iterator[tuple[Any, ...]]:
        iso_day, stamp = day.isoformat(), _stamp(day, 8.5)
        for m, b in people:
            if rng.random() < 0.8:
                yield m, iso_day, b, STATUSES[rng.randrange(len(STATUSES))], stamp, stamp

    for day in history:
        async with store.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", checkins(day))
            await tx.executemany(
                "INSERT INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
                ((b, kind, day.isoformat(), _stamp(day, hour)) for b in ids
                 for kind, hour in (("prompt", 8), ("reminder", 10), ("escalate_rate", 12),
                                    ("digest", 20))))

    needs, escalations, tasks, assignments, followups = [], [], [], [], []
    need_id = task_id = 0
    for day in history:
        for _ in range(max(members // 100, 1)):
            need_id += 1
            reporter = rng.choice(member_ids)
            opened = rng.uniform(7, 19)
            status = rng.choice(("open", "assigned", "resolved", "resolved", "cancelled"))
            closed = (_stamp(day, opened + rng.uniform(1, 30))
                      if status in ("resolved", "cancelled") else None)
            urgency = rng.choice(("normal", "normal", "urgent", "critical"))
            escalated = _stamp(day, opened + 1) if urgency == "critical" else None
            needs.append((need_id, home[reporter], reporter, "food", urgency, 1, "bench need",
                          status, _stamp(day, opened), _stamp(day, opened), closed, escalated))
            if escalated:
                escalations.append((home[reporter], "escalate_need", f"need:{need_id}",
                                    escalated))
        for _ in range(max(members // 200, 1)):
            task_id += 1
            branch = rng.choice(ids)
            given = rng.uniform(8, 18)
            done = rng.random() < 0.6
            tasks.append((task_id, branch, FIRST_MEMBER, "bench task", _stamp(day, given + 4),
                          "done" if done else "open", _stamp(day, given),
                          _stamp(day, given + 3) if done else None))
            for member in rng.sample(member_ids, 2):
                state = "done" if done else rng.choice(("pending", "accepted", "declined"))
                # Follow-ups end within a day or two; the last two days' still watched.
                followed = int(state in ("done", "declined") or day < TODAY - timedelta(days=2))
                assignments.append((task_id, member, state, _stamp(day, given),
                                    None if state == "pending" else _stamp(day, given + 0.5),
                                    "busy" if state == "declined" else None,
                                    _stamp(day, given + 3) if state == "done" else None,
                                    followed))
                if state == "pending":
                    followups.append((branch, "remind", key(task_id, member),
                                      _stamp(day, given + 2)))
                    followups.append((branch, "escalate", key(task_id, member),
                                      _stamp(day, given + 4)))
                if state in ("pending", "accepted"):
                    followups.append((branch, "overdue", key(task_id, member),
                                      _stamp(day, given + 4)))

    households = []
    household = 0
    by_branch: dict[int, list[int]] = {}
    for m, b in people[len(ids):]:
        by_branch.setdefault(b, []).append(m)
    for b in ids:
        mine = by_branch.get(b) or [FIRST_MEMBER + ids.index(b)]
        holders = mine[:max(HOUSEHOLDS_PER_BRANCH // PER_HOLDER, 1)]
        for i in range(HOUSEHOLDS_PER_BRANCH):
            household += 1
            reached = _stamp(TODAY - timedelta(days=rng.randrange(0, 4)), 10)
            households.append((household, b, f"{i + 1}", "", 3, "", holders[i % len(holders)],
                               int(rng.random() < 0.1), created, created, reached, reached,
                               "well"))

    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO needs(id, branch_id, reporter_id, category, urgency, for_self, details,"
            " status, created_at, updated_at, closed_at, escalated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", needs)
        await tx.executemany(
            "INSERT INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
            escalations)
        await tx.executemany(
            "INSERT INTO tasks(id, branch_id, created_by, title, due_at, status, created_at,"
            " closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tasks)
        await tx.executemany(
            "INSERT OR IGNORE INTO assignments(task_id, member_id, state, assigned_at,"
            " answered_at, decline_reason, done_at, followed_up)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", assignments)
        await tx.executemany(
            "INSERT OR IGNORE INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
            followups)
        await tx.executemany(
            "INSERT INTO zones(id, branch_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, b, "Zone 1", created) for b in ids])
        await tx.executemany(
            "INSERT INTO households(id, zone_id, label, address, people, notes, responsible_id,"
            " vulnerable, created_at, updated_at, last_reached_at, last_visit_at, last_outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", households)
        yesterday = TODAY - timedelta(days=1)
        await tx.executemany(
            "INSERT INTO outbox(kind, chat_id, member_id, text, state, created_at, done_at)"
            " VALUES ('rhythm_prompt', ?, ?, ?, 'sent', ?, ?)",
            ((m, m, f"早上好，Member{m}！请报到。", _stamp(yesterday, 8), _stamp(yesterday, 9))
             for m in member_ids))
    await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class LeanSandbox(Sandbox):
    """The sandbox, keeping its copy of the bot's messages only for the members who press.

    Every call is still parsed, checked (HTML, markup, limits, flood control, latency) and
    answered in full; the other members' chats exist without being stored, their messages
    are dropped, and the per-chat flood control forgets a chat after its second, so that the
    process's memory is the bot's and not the fake Telegram's (100,000 chats with their
    messages would be a few hundred megabytes).
    """

    def __init__(self, members: range, keep: set[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keep = keep
        self.chats = _Chats(members)

    def _check_faults(self, name: str, params: dict[str, Any]) -> Any:
        # Telegram's flood control forgets a chat a second after its message: so does this
        # one (the sandbox would otherwise keep a time for each of the 100,000 chats).
        if len(self._last_to_chat) > 10_000:
            horizon = asyncio.get_running_loop().time() - 1.0
            self._last_to_chat = {c: t for c, t in self._last_to_chat.items() if t > horizon}
        return super()._check_faults(name, params)

    def add_message(self, chat_id: int, from_bot: bool, user_id: int, text: str | None,
                    **kwargs: Any) -> Any:
        msg = super().add_message(chat_id, from_bot, user_id, text, **kwargs)
        if chat_id not in self.keep:
            del self.index[(chat_id, msg.message_id)]
            del self.messages[chat_id]
            del self._next_message_id[chat_id]
        return msg


class _Chats(dict[int, dict[str, Any]]):
    """The private chats of a range of members, made when asked for, never stored."""

    def __init__(self, members: range) -> None:
        super().__init__()
        self.members = members

    def __contains__(self, chat_id: object) -> bool:
        return super().__contains__(chat_id) or chat_id in self.members

    def __missing__(self, chat_id: int) -> dict[str, Any]:
        if chat_id not in self.members:
            raise KeyError(chat_id)
        return {"id": chat_id, "type": "private", "first_name": f"Member{chat_id}"}


async def _wait(condition: Any, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the bench waited too long")
        await asyncio.sleep(0.005)


async def measure(path: Path, members: int, rate: int, latency_ms: float,
                  jitter_ms: float) -> dict[str, float]:
    """Start the bot on the built database and run the 08:00 prompt; the figures."""
    loop = asyncio.get_running_loop()
    everyone = range(FIRST_MEMBER, FIRST_MEMBER + members)
    pressers = [m for m in everyone if home_branch(m) <= PRESSING_BRANCHES]
    clock = ManualClock(START)
    sandbox = LeanSandbox(everyone, set(pressers), now=clock.now)
    sandbox.record_calls = False
    for m in pressers:
        sandbox.add_user(m, f"Member{m}", language_code="zh")
    config = Config(storage=StorageConfig(path=path))
    bot = SandboxBot(config, clock=clock, sandbox=sandbox, outbox_rate=rate)
    started = time.perf_counter()
    await bot.start()
    scheduler = bot.services.scheduler
    assert scheduler is not None
    await scheduler.idle()
    start_s = time.perf_counter() - started
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sandbox.latency(latency_ms, jitter_ms, seed=members)
    sandbox.rate_limit(rate, per_chat=True)

    asked: dict[str, float] = {}
    waits: list[float] = []
    answered_at: list[float] = []
    fired = 0.0
    last_send = [0.0]  # the loop time of the last message delivered
    statuses: dict[int, int] = {}
    handle = sandbox.handle

    async def observed(url: str, method: str, data: RequestData | None) -> tuple[int, bytes]:
        status, body = await handle(url, method, data)
        name = url.rpartition("/")[2]
        if name == "sendMessage":
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                last_send[0] = loop.time()
        elif name == "answerCallbackQuery" and data is not None:
            query = str(data.parameters.get("callback_query_id"))
            if query in asked:
                waits.append(loop.time() - asked.pop(query))
                answered_at.append(loop.time() - fired)
        return status, body

    sandbox.handle = observed  # type: ignore[method-assign,assignment]
    queue = bot.app.job_queue
    assert queue is not None
    (tick,) = queue.get_jobs_by_name("tick")

    async def fire() -> None:
        """Run the minute job now, through APScheduler (its trigger, executor, callback)."""
        runs = scheduler.runs
        tick.job.modify(next_run_time=datetime.now(queue.scheduler.timezone))
        await _wait(lambda: scheduler.runs > runs and not scheduler.busy, 3600)

    queued_at: list[float] = []
    pressed: list[float] = []

    async def press() -> None:
        waiting = list(pressers)
        while not queued_at or loop.time() < queued_at[0] + PRESS_AFTER_QUEUED_S:
            for i, member in enumerate(waiting):
                if sandbox.messages.get(member):
                    update = sandbox.press(member, "ck:on_duty")
                    asked[update["callback_query"]["id"]] = loop.time()
                    pressed.append(loop.time() - fired)
                    del waiting[i]
                    break
            await asyncio.sleep(1 / PRESSES_PER_S)

    clock.set(EIGHT)
    fired = loop.time()
    pressing = asyncio.create_task(press())
    await fire()
    queued_at.append(loop.time())
    queue_s = queued_at[0] - fired
    run_s = scheduler.last_run_s
    await pressing
    expected = await bot.store.db.fetchone(
        "SELECT count(*) FROM outbox WHERE kind IN ('rhythm_prompt') AND created_at >= ?",
        (EIGHT.isoformat(),))
    await bot.drain(3 * members / rate + 600)
    deliver_s = last_send[0] - fired
    clock.set(IDLE)
    ticks = []
    for _ in range(5):
        await fire()
        ticks.append(scheduler.last_run_s)
    await bot.stop()
    assert len(waits) > 10, "the members pressed"
    # A figure of a run that did not deliver is no figure (a sandbox that refused the chats
    # once made deliver_s look instant).
    assert statuses.get(200, 0) >= int(expected[0]), f"delivered {statuses} of {expected[0]}"
    worst = max(range(len(waits)), key=waits.__getitem__)
    stats = bot.store.db.lock_stats
    return {"queue_s": queue_s, "run_s": run_s, "press_wait_max_ms": max(waits) * 1000,
            "press_wait_p95_ms": statistics.quantiles(waits, n=20)[-1] * 1000,
            "presses_while_queuing": sum(t < queue_s for t in pressed),
            "worst_press_at_s": answered_at[worst],
            "lock_longest_hold_ms": stats.longest_hold_s * 1000,
            "lock_longest_wait_ms": stats.longest_wait_s * 1000,
            "presses": len(waits), "unanswered": len(asked), "deliver_s": deliver_s,
            "prompts": int(expected[0]), "sent": statuses.get(200, 0),
            "answered_429": statuses.get(429, 0), "tick_s": statistics.median(ticks),
            "start_s": start_s, "start_rss_mb": start_rss,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


async def make(path: Path, members: int, days: int) -> str:
    """Build the database at `path`; the build's figures."""
    store = Store(path)
    await store.initialize()
    started = time.perf_counter()
    try:  # a failed build must end the process, not leave the database's threads waiting
        await build(store, members, days)
    finally:
        await store.shutdown()
    built = time.perf_counter() - started
    size = sum(p.stat().st_size for p in path.parent.iterdir()) / 2**20
    return f"build_s={built:.1f} db_mb={size:.0f}"


def _child(*args: str) -> str:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def _fields(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Build in one child, run at 30/s and 1,000/s in two more; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    parser.add_argument("--latency-ms", type=float, default=150,
                        help="network round trip of every Bot API call (default 150)")
    parser.add_argument("--jitter-ms", type=float, default=50,
                        help="up to this much more on the way there, at random (default 50)")
    parser.add_argument("--make", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--rates", default="30,1000",
                        help="the runs to make (default 30,1000; `--rates 1000` for a quick "
                             "look at a long history's tick)")
    args = parser.parse_args(argv)
    if args.make:
        print(asyncio.run(make(Path(args.make), args.members, args.days)), flush=True)
        return 0
    if args.measure:
        figures = vtime.run(measure(Path(args.measure), args.members, args.rate,
                                    args.latency_ms, args.jitter_ms))
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in figures.items()), flush=True)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base" / "frontline.db"
        base.parent.mkdir()
        built = _child("--make", str(base), "--members", str(args.members),
                       "--days", str(args.days))
        print(f"members={args.members} days={args.days} {built} latency_ms={args.latency_ms:g}"
              f" jitter_ms={args.jitter_ms:g}", flush=True)
        runs = {}
        for rate in (int(r) for r in args.rates.split(",")):
            copy = Path(folder) / f"at{rate}" / "frontline.db"
            shutil.copytree(base.parent, copy.parent)
            # Write the copy out now: else the run's first checkpoint (fsync) would flush
            # gigabytes of it while holding the write lock, and the press waits with it.
            os.sync()
            line = _child("--measure", str(copy), "--members", str(args.members),
                          "--rate", str(rate), "--latency-ms", str(args.latency_ms),
                          "--jitter-ms", str(args.jitter_ms))
            shutil.rmtree(copy.parent)
            print(f"rate={rate} {line}", flush=True)
            runs[rate] = _fields(line)
    free, paid = runs.get(30, {}), runs.get(1000, {})
    first = free or paid

    def most(key: str) -> float:
        return max(float(run[key]) for run in runs.values())

    def shown(run: dict[str, str], key: str, digits: int) -> str:
        return f"{float(run[key]):.{digits}f}" if key in run else "-"

    print(f"days={args.days} tick_s={float(first['tick_s']):.3f}"
          f" queue_paid_s={shown(paid, 'queue_s', 2)}"
          f" (ideal deliver_30_s={args.members / 30:.0f}"
          f" deliver_1000_s={args.members / 1000:.0f})")
    print(f"members={args.members} queue_s={shown(free, 'queue_s', 2)}"
          f" press_wait_max_ms={most('press_wait_max_ms'):.0f}"
          f" deliver_30_s={shown(free, 'deliver_s', 0)}"
          f" deliver_1000_s={shown(paid, 'deliver_s', 0)} peak_rss_mb={most('peak_rss_mb'):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
