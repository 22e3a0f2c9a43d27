"""Benchmark: household coverage of the root of a large organization.

Builds 1,000 branches four levels deep (the tree of `bench/digest.py`) with 200,000
households (200 in each branch, in 4 zones of 50), one responsible member per 20
households (10,000 members, one secretary per branch besides), 10% of households
vulnerable, a 2-day interval set on half of the districts, 7 days of visits (each
household contacted on about 70% of days, 5% of contacts "nobody answered"), today's
check-ins (about 3% unwell or quarantined), 1% of members away and some of their
households handed over. Rows are written straight through the store's connection (raw SQL
is fine in a bench).

Then, warm, best of 3:
- `coverage_s`: the root's coverage section of the daily digest, as the scheduler builds
  it (`bot.rules.digest_coverage.gather`: the rollup per sub-branch and the members off duty);
- `past_day_s`: the same for yesterday (households reached since are looked up in visits);
- `zones_s` and `overdue_s`: a leaf's `/coverage` zones and one zone's overdue list.

The database is built by one child process and measured by another, so that the peak memory
printed (ru_maxrss) is that of computing coverage, not of building the data. Prints last:

    households=<n> coverage_s=<x> peak_rss_mb=<m>

Run from the repository root: `python bench/coverage.py [--households 200000]`.
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
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import tree  # bench/digest.py: the same 1,000-branch tree

from bot.rules import coverage
from bot.rules.digest import coverage as digest_coverage
from storage.rows import Branch
from storage.store import Store

TODAY = date(2026, 3, 30)
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai: digest time
DAYS = 7
PER_ZONE = 50
ZONES = 4
PER_MEMBER = 20
FIRST_MEMBER = 1_000_000
REPEAT = 3


def _stamp(day: date, hour: float) -> str:
    when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8)
    return when.isoformat(timespec="seconds")


async def build(store: Store, households: int) -> int:
    """Fill the database; return a leaf's id."""
    rng = random.Random(households)
    branches, leaves = tree()
    created = _stamp(TODAY - timedelta(days=DAYS + 5), 9)
    per_branch = max(households // len(branches), 1)
    days = [TODAY - timedelta(days=i) for i in range(DAYS)]
    zones, homes, visits, people = [], [], [], []
    member = FIRST_MEMBER + len(branches)
    household = 0
    for branch, _, _ in branches:
        for z in range(ZONES):
            zone_id = branch * ZONES + z
            zones.append((zone_id, branch, f"Zone {z + 1}", created))
        for i in range(per_branch):
            if i % PER_MEMBER == 0:
                member += 1
                people.append((member, branch))
            household += 1
            last_reached = last_visit = last_outcome = None
            for day in reversed(days):
                if rng.random() < 0.7:
                    outcome = "no_answer" if rng.random() < 0.05 else "well"
                    at = _stamp(day, rng.uniform(8, 19))
                    if day == TODAY and at > NOW.isoformat():
                        continue
                    visits.append((household, member, outcome, at))
                    last_visit, last_outcome = at, outcome
                    if outcome != "no_answer":
                        last_reached = at
            homes.append((household, branch * ZONES + i % ZONES, f"{i // ZONES + 1}-{i}",
                          f"{i} Lake Road", 3, "", member, int(rng.random() < 0.1), created,
                          created, last_reached, last_visit, last_outcome))
    secretaries = [(FIRST_MEMBER + i, b) for i, (b, _, _) in enumerate(branches)]
    everyone = secretaries + people
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, p, n, created) for b, p, n in branches])
        await tx.executemany(
            "UPDATE branches SET visit_every_days = 2 WHERE id = ?",
            [(b,) for b, p, _ in branches if p == 1 and b % 2 == 0])
        await tx.executemany(
            "INSERT INTO members(id, first_name, created_at, updated_at, away_since)"
            " VALUES (?, ?, ?, ?, ?)",
            ((m, f"Member{m}", created, created,
              created if m > FIRST_MEMBER + len(branches) and rng.random() < 0.01 else None)
             for m, _ in everyone))
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            ((m, b, "secretary" if m - FIRST_MEMBER < len(branches) else "member", created)
             for m, b in everyone))
        await tx.executemany(
            "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ((m, TODAY.isoformat(), b,
              rng.choice(("unwell", "quarantined")) if rng.random() < 0.03 else "on_duty",
              _stamp(TODAY, 8.5), _stamp(TODAY, 8.5))
             for m, b in everyone if rng.random() < 0.8))
        await tx.executemany(
            "INSERT INTO zones(id, branch_id, name, created_at) VALUES (?, ?, ?, ?)", zones)
        await tx.executemany(
            "INSERT INTO households(id, zone_id, label, address, people, notes, responsible_id,"
            " vulnerable, created_at, updated_at, last_reached_at, last_visit_at, last_outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", homes)
        await tx.executemany(
            "INSERT INTO visits(household_id, member_id, outcome, at) VALUES (?, ?, ?, ?)",
            visits)
    # Some of the away members' households handed to the member after them.
    away = [r[0] for r in await store.db.fetchall(
        "SELECT id FROM members WHERE away_since IS NOT NULL ORDER BY id")]
    for m in away[::2]:
        await store.duty.hand_over(m, m + 1, at=NOW)
    await store.db.execute("ANALYZE")
    await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return leaves[0]


async def best_of(work: Callable[[], Awaitable[object]]) -> float:
    """Best time of REPEAT warm runs."""
    await work()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return min(times)


async def make(path: Path, households: int) -> str:
    """Build the database at `path`; the build's figures."""
    store = Store(path)
    await store.initialize()
    started = time.perf_counter()
    leaf_id = await build(store, households)
    built = time.perf_counter() - started
    await store.shutdown()
    return f"leaf={leaf_id} build_s={built:.1f}"


async def measure(path: Path, households: int, leaf_id: int) -> str:
    """Time coverage on the built database; the result line."""
    store = Store(path)
    await store.initialize()
    root = await store.branches.get(1)
    leaf = await store.branches.get(leaf_id)
    assert isinstance(root, Branch) and isinstance(leaf, Branch)
    section = await digest_coverage.gather(store, root, TODAY)
    assert section is not None and section.total.households == households
    coverage_s = await best_of(lambda: digest_coverage.gather(store, root, TODAY))
    past_s = await best_of(lambda: digest_coverage.gather(
        store, root, TODAY - timedelta(days=1)))
    win = coverage.window(TODAY, leaf.timezone)
    zones_s = await best_of(lambda: coverage.zones(store, leaf.id, win))
    zone = (await coverage.zones(store, leaf.id, win))[0]
    overdue_s = await best_of(lambda: coverage.uncovered(store, leaf.id, zone.key, win))
    total = section.total
    await store.shutdown()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"households={households} coverage_s={coverage_s:.4f} past_day_s={past_s:.4f}"
            f" zones_s={zones_s:.4f} overdue_s={overdue_s:.4f}"
            f" covered={total.covered} due={total.due} overdue={total.overdue}"
            f" unheld={total.unheld} off_duty={len(section.off_duty)} peak_rss_mb={rss:.0f}")


def _child(*args: str) -> str:
    done = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                          text=True)
    return done.stdout.strip().splitlines()[-1]


def main(argv: Sequence[str] | None = None) -> int:
    """Run in a child process; print its figures, then the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--make", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--leaf", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make:
        print(asyncio.run(make(Path(args.make), args.households)), flush=True)
        return 0
    if args.measure:
        print(asyncio.run(measure(Path(args.measure), args.households, args.leaf)), flush=True)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.sqlite3")
        made = dict(part.split("=") for part in _child(
            "--make", path, "--households", str(args.households)).split())
        line = _child("--measure", path, "--households", str(args.households),
                      "--leaf", made["leaf"])
    print(f"{line} build_s={made['build_s']}", flush=True)
    fields = dict(part.split("=") for part in line.split())
    print(f"households={fields['households']} coverage_s={fields['coverage_s']}"
          f" peak_rss_mb={fields['peak_rss_mb']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
