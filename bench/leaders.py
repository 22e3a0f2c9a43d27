"""Benchmark: leaders on record, the figures of every branch of a large organization at once.

Builds the organization of `bench/digest.py` (1,000 branches four levels deep, one secretary
each, members on the leaves, 30 days of check-ins, needs, tasks with two assignees, broadcasts
with acknowledgements), then adds what the leaders' figures read besides: each task and
broadcast given by its branch's secretary, a third of the tasks for a need, some tasks closed
by the secretary after their due time, critical needs escalated an hour after their report,
commendations and notes, and 20 households per branch (20,000; `--households`) in 2 zones
(10% vulnerable, a 2-day interval on half of the districts) visited on about half of the 30
days (5% of contacts "nobody answered"). Rows are written straight through the store's
connection (raw SQL is fine in a bench).

Then, warm, best of 3, over the 30 days:
- `leaders_s`: `bot.rules.leaders.leadership_tree` of the root (every branch's figures, as
  the export's leaders sheet reads them);
- `one_branch_s`: `leadership` of the root alone (its /record block: the subtree's
  check-in rate and coverage are the costly part), and `leaf_s` of a leaf.

The database is built by one child process and measured by another, so that the peak memory
printed (ru_maxrss) is that of computing the figures. Prints some figures of the root and of
a leaf, then last:

    branches=<n> leaders_s=<x> one_branch_s=<x> peak_rss_mb=<m>

Run from the repository root: `python bench/leaders.py [--members 100000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import digest  # bench/digest.py: the same organization and history

from bot.rules import leaders
from storage.store import Store

FIRST_DAY = digest.LAST_DAY - timedelta(days=digest.DAYS - 1)
PER_BRANCH = 20  # households per branch (--households)
ZONES = 2
REPEAT = 3


def _stamp(day: date, hour: float) -> str:
    return digest._stamp(day, hour)


async def build(store: Store, members: int, per_branch: int = PER_BRANCH) -> None:
    """The digest bench's organization, and what the leaders' figures read besides."""
    await digest.build(store, members)
    rng = random.Random(members + 1)
    branches, _ = digest.tree()
    created = _stamp(digest.LAST_DAY - timedelta(days=digest.DAYS + 5), 9)
    days = [FIRST_DAY + timedelta(days=i) for i in range(digest.DAYS)]
    now = digest.NOW.isoformat()
    # bench/digest.py: branch b's secretary is FIRST_MEMBER + b - 1 (branches 1..1000 in order).
    secretary = f"{digest.FIRST_MEMBER} + branch_id - 1"
    zones, homes, visits = [], [], []
    household = 0
    for branch, _, _ in branches:
        zones += [(branch * ZONES + z, branch, f"Zone {z + 1}", created) for z in range(ZONES)]
        for i in range(per_branch):
            household += 1
            reached = None
            for day in days:
                if rng.random() < 0.5:
                    at = _stamp(day, rng.uniform(8, 19))
                    if at > now:
                        continue
                    outcome = "no_answer" if rng.random() < 0.05 else "well"
                    visits.append((household, digest.FIRST_MEMBER + branch - 1, outcome, at))
                    reached = at if outcome != "no_answer" else reached
            homes.append((household, branch * ZONES + i % ZONES, f"{i}", "", 3, "",
                          digest.FIRST_MEMBER + branch - 1, int(rng.random() < 0.1), created,
                          created, reached))
    async with store.db.transaction() as tx:
        await tx.execute(f"UPDATE tasks SET created_by = {secretary}")
        await tx.execute(f"UPDATE broadcasts SET author_id = {secretary}")
        await tx.execute("UPDATE tasks SET need_id = id WHERE id % 3 = 0"
                         " AND id <= (SELECT max(id) FROM needs)")
        await tx.execute(f"UPDATE tasks SET closed_by = {secretary},"
                         " closed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', due_at, '+2 hours')"
                         " WHERE status = 'open' AND id % 4 = 0")
        await tx.execute("UPDATE needs SET escalated_at = strftime('%Y-%m-%dT%H:%M:%S+00:00',"
                         " created_at, '+1 hour') WHERE urgency = 'critical'"
                         " AND (closed_at IS NULL OR closed_at > created_at)")
        await tx.executemany(
            "INSERT INTO conduct(member_id, branch_id, kind, text, author_id, at)"
            " SELECT a.member_id, t.branch_id, ?, 'bench', ?,"
            " strftime('%Y-%m-%dT%H:%M:%S+00:00', t.due_at, '+1 hour')"
            " FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.id % 7 = ?",
            [("commendation", digest.FIRST_MEMBER, 0), ("note", digest.FIRST_MEMBER, 1)])
        await tx.executemany(
            "UPDATE branches SET visit_every_days = 2 WHERE id = ?",
            [(b,) for b, p, _ in branches if p == 1 and b % 2 == 0])
        await tx.executemany(
            "INSERT INTO zones(id, branch_id, name, created_at) VALUES (?, ?, ?, ?)", zones)
        await tx.executemany(
            "INSERT INTO households(id, zone_id, label, address, people, notes, responsible_id,"
            " vulnerable, created_at, updated_at, last_reached_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", homes)
        await tx.executemany(
            "INSERT INTO visits(household_id, member_id, outcome, at) VALUES (?, ?, ?, ?)",
            visits)
    await store.db.execute("ANALYZE")
    await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def best_of(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """Best time of REPEAT warm runs, and the last result."""
    found = await work()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        found = await work()
        times.append(time.perf_counter() - started)
    return min(times), found


def _shown(lead: leaders.Leadership) -> str:
    parts = []
    for key, unit in leaders.LEADERS_COLUMNS:
        figure = leaders.value(lead, key)
        if figure is None:
            parts.append(f"{key}=-")
        elif unit == "rate":
            parts.append(f"{key}={100 * figure:.0f}%")
        elif unit in ("minutes", "hours"):
            parts.append(f"{key}={figure:.0f}")
        else:
            parts.append(f"{key}={figure}")
    return " ".join(parts)


async def measure(path: Path) -> str:
    """Time the figures on the built database; the result line."""
    store = Store(path)
    await store.initialize()
    first, last, now = FIRST_DAY, digest.LAST_DAY, digest.NOW
    tree_s, tree = await best_of(lambda: leaders.leadership_tree(store, 1, first, last, now=now))
    one_s, root = await best_of(lambda: leaders.leadership(store, 1, first, last, now=now))
    leaf = tree[-1][0].id
    leaf_s, lead = await best_of(lambda: leaders.leadership(store, leaf, first, last, now=now))
    await store.shutdown()
    assert tree[0][1] == root, "the root's figures are the same alone and in the tree"
    print(f"root: {_shown(root)}")
    print(f"leaf {leaf}: {_shown(lead)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"branches={len(tree)} leaders_s={tree_s:.3f} one_branch_s={one_s:.3f}"
            f" leaf_s={leaf_s:.4f} peak_rss_mb={rss:.0f}")


def main(argv: list[str] | None = None) -> int:
    """Build in one process, measure in another; print the figures, then the line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--households", type=int, default=PER_BRANCH * 1000,
                        help="households in all (spread over the 1,000 branches)")
    parser.add_argument("--build", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        async def make() -> None:
            store = Store(args.build)
            await store.initialize()
            await build(store, args.members, max(args.households // 1000, 1))
            await store.shutdown()
        asyncio.run(make())
        return 0
    if args.measure:
        print(asyncio.run(measure(Path(args.measure))), flush=True)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.sqlite3")
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--members", str(args.members),
                        "--households", str(args.households), "--build", path], check=True)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
        done = subprocess.run([sys.executable, __file__, "--measure", path], check=True,
                              capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    print("\n".join(lines[:-1]))
    fields = dict(part.split("=") for part in lines[-1].split())
    print(f"branches={fields['branches']} leaders_s={fields['leaders_s']}"
          f" one_branch_s={fields['one_branch_s']} peak_rss_mb={fields['peak_rss_mb']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
