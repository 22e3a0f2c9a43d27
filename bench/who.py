"""Benchmark: `/who` and `/roster` at the root of a large organization, through the real bot.

Builds an organization of 1,000 branches four levels deep (1 root → 10 → 100 → 889 leaves)
with N members (default 100,000) spread over the leaves, one secretary in every branch,
and today's check-ins (each leaf its own rate, 40% to 98%, so that "worst first" means
something). The build writes straight through the store's connection with executemany, in
a process of its own; a second process starts the real Application on the sandbox over that
database, as the root's secretary sends `/who` and `/roster` and presses the first
drill-down button of each, and reports (its peak memory is its own, not the build's):

- the messages the secretary got for one `/who` and one `/roster` (1: one message in pages),
- the time from sending the command until the answer was there (warm, best of 3),
- the time of a drill-down press (the worst sub-branch's view, in place; best of 3),
- the time of a page press (the whole rollup again, as every page press does; best of 3),
- the first (cold) answers' times,
- `/who` in the evening, when all but 50 have checked in: the 50 names, one message,
- that the sandbox refused nothing (no answer over Telegram's limits).

The clock stands at 07:30 in Shanghai, before the day's check-in prompt, so that start-up
has nothing to catch up on; the check-ins are stamped that morning. Last line:

    members=<n> who_messages=<n> who_s=<x> roster_messages=<n> roster_s=<x> drill_s=<x>
    peak_rss_mb=<m>

(on one line). Run from the repository root: `python bench/who.py [--members N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import STATUSES, tree  # bench/digest.py: the same 1,000-branch tree

from bot.clock import ManualClock
from bot.config import Config
from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from storage.store import Store

TODAY = date(2026, 3, 2)
# 07:30 in Shanghai (the default timezone): before the 08:00 prompt.
NOW = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
FIRST_MEMBER = 1_000_000  # the root's secretary; then one secretary per branch, then members
REPEAT = 3


async def build(path: Path, members: int) -> None:
    """Fill the database at `path`."""
    rng = random.Random(members)
    store = Store(path)
    await store.initialize()
    branches, leaves = tree()
    created = (NOW - timedelta(days=30)).isoformat(timespec="seconds")
    stamp = (NOW - timedelta(minutes=20)).isoformat(timespec="seconds")
    rate = {leaf: rng.uniform(0.4, 0.98) for leaf in leaves}
    secretaries = [(FIRST_MEMBER + i, b) for i, (b, _, _) in enumerate(branches)]
    people = secretaries + [(FIRST_MEMBER + len(secretaries) + i, leaves[i % len(leaves)])
                            for i in range(max(members - len(secretaries), 0))]

    def checkins() -> Iterator[tuple[int, str, int, str, str, str]]:
        for m, b in people:
            if rng.random() < rate.get(b, 0.9):
                yield (m, TODAY.isoformat(), b, STATUSES[rng.randrange(len(STATUSES))],
                       stamp, stamp)

    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, p, n, created) for b, p, n in branches])
        await tx.executemany(
            "INSERT INTO members(id, first_name, last_name, username, telegram_language,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((m, f"Member{m}", None if m % 3 else "Li", f"user{m}", "zh", created, created)
             for m, _ in people))
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            ((m, b, "secretary" if m - FIRST_MEMBER < len(branches) else "member", created)
             for m, b in people))
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", checkins())
    await store.db.execute("ANALYZE")
    await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await store.shutdown()


async def _timed_send(bot: SandboxBot, user: int, text: str) -> tuple[float, int]:
    """(seconds until answered, messages the bot sent to the user meanwhile)."""
    before = len(bot.sandbox.bot_messages(user))
    start = time.perf_counter()
    await bot.send(user, text)
    return time.perf_counter() - start, len(bot.sandbox.bot_messages(user)) - before


async def _timed_press(bot: SandboxBot, user: int, message: SandboxMessage,
                       data: str) -> float:
    # check=False: a page press may be for a page the message does not show a button for
    bot.sandbox.user_presses(user, message.message_id, data, check=False)
    start = time.perf_counter()
    await bot.settle()
    return time.perf_counter() - start


def _first_drill(message: SandboxMessage) -> str:
    """The data of the first drill-down button (a sub-branch's view) under an answer."""
    return next(data for label, data in message.button_list
                if data and label.startswith("🔍"))


async def _fill_in(bot: SandboxBot, leave: int) -> None:
    """Check in every member who has not, but `leave` of them (the evening: names again)."""
    stamp = NOW.isoformat(timespec="seconds")
    await bot.store.db.execute(
        """WITH missing AS (
               SELECT ms.member_id AS id, ms.branch_id AS branch_id FROM memberships ms
                WHERE NOT EXISTS (SELECT 1 FROM checkins c
                                   WHERE c.member_id = ms.member_id AND c.day = :day))
           INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)
           SELECT id, :day, branch_id, 'on_duty', :at, :at FROM missing
            WHERE id NOT IN (SELECT id FROM missing ORDER BY id LIMIT :leave)""",
        {"day": TODAY.isoformat(), "at": stamp, "leave": leave})


async def measure(path: Path) -> str:
    """Start the bot over the built database and time the root secretary's answers."""
    async with SandboxBot(Config(), clock=ManualClock(NOW), db_path=path) as bot:
        user = bot.user(FIRST_MEMBER, f"Member{FIRST_MEMBER}", username=f"user{FIRST_MEMBER}")
        figures: dict[str, float] = {}
        for command in ("who", "roster"):
            times, sent = [], []
            for _ in range(REPEAT + 1):  # the first one is cold
                seconds, messages = await _timed_send(bot, user, f"/{command}")
                times.append(seconds)
                sent.append(messages)
            figures[f"{command}_cold_s"] = times[0]
            figures[f"{command}_s"] = min(times[1:])
            figures[f"{command}_messages"] = max(sent)
            drill, turn = [], []
            for _ in range(REPEAT):
                await bot.send(user, f"/{command}")
                answer = bot.sandbox.last(user)
                # A page press renders the whole rollup again, whichever page it asks for
                # (the root has 10 sub-branches here, one page: the press shows it again).
                turn.append(await _timed_press(bot, user, answer, f"pg:{command}:1:1"))
                drill.append(await _timed_press(bot, user, answer, _first_drill(answer)))
            figures[f"{command}_drill_s"] = min(drill)
            figures[f"{command}_page_s"] = min(turn)
        # The evening: all but 50 checked in, so `/who` at the root lists names again.
        await _fill_in(bot, 50)
        late = []
        for _ in range(REPEAT):
            seconds, messages = await _timed_send(bot, user, "/who")
            late.append(seconds)
            assert messages == 1
        names = bot.sandbox.last(user).plain.count("• ")
        refused = len(bot.sandbox.refused)
        members = (await bot.store.db.fetchone("SELECT count(*) FROM memberships"))[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"members={members} who_messages={figures['who_messages']:.0f}"
            f" who_s={figures['who_s']:.3f} roster_messages={figures['roster_messages']:.0f}"
            f" roster_s={figures['roster_s']:.3f}"
            f" drill_s={max(figures['who_drill_s'], figures['roster_drill_s']):.3f}"
            f" page_s={max(figures['who_page_s'], figures['roster_page_s']):.3f}"
            f" who_cold_s={figures['who_cold_s']:.3f} roster_cold_s={figures['roster_cold_s']:.3f}"
            f" evening_who_s={min(late):.3f} evening_names={names}"
            f" refused={refused} peak_rss_mb={rss:.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Build in one process, measure in another, print the measuring process's line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.build:
        asyncio.run(build(args.build, args.members))
        return 0
    if args.measure:
        print(asyncio.run(measure(args.measure)), flush=True)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "who.sqlite3"
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--members", str(args.members),
                        "--build", str(path)], check=True)
        print(f"built {args.members} members in {time.perf_counter() - started:.1f} s",
              flush=True)
        done = subprocess.run([sys.executable, __file__, "--measure", str(path)],
                              capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        done.check_returncode()
        line = done.stdout.strip().splitlines()[-1]
    fields = dict(part.split("=") for part in line.split())
    print(line)
    print(" ".join(f"{key}={fields[key]}" for key in (
        "members", "who_messages", "who_s", "roster_messages", "roster_s", "drill_s",
        "peak_rss_mb")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
