"""Benchmark: what `frontline status` and the admins' alerts read, on a big database.

Builds 1,000 branches four levels deep (the tree of `bench/digest.py`) all sharing the
default times (08:00, 10:00, 20:00, Monday's weekly report), 100,000 members (1% of them
unreachable), and an outbox of `--outbox` rows (default 3,000,000: a month of a 100,000-member
organization's prompts and reminders) of which the last 100,000 are pending (a broadcast under
way) and 1 in 1,000 failed. Today (a Monday, 20:30 in Shanghai) the ledger has the prompt,
reminder and digest of half the branches and none of the weekly reports: the other half's
digest and every weekly report are late (1,500 late runs; their prompt's time is over, the
scheduler would no longer send it, so it is not listed).

Then, warm, best of 3, through a read-only store as `frontline status` opens it:
- `outbox_s`: the outbox's facts (pending, oldest pending, last delivery, failed today);
- `late_s`: the late runs (`bot.rules.late.late_runs`);
- `unreachable_s`: members unreachable;
- `full_scan_s`: for comparison, `max(done_at)` over the whole outbox (what the last
  delivery would cost without the window around the queue's front);
- `status_s`: the whole `frontline status --json` as a new process (Python's start-up and
  imports included), once.

Last line: `outbox=<n> outbox_s=<x> late_s=<x> late=<n> unreachable_s=<x> full_scan_s=<x>
status_s=<x> db_mb=<n>`.

Run from the repository root: `python bench/status.py [--outbox 3000000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import tree  # bench/digest.py: the same 1,000-branch tree

from bot.rules.late import late_runs
from storage.store import Store

NOW = datetime(2026, 3, 30, 12, 30, tzinfo=UTC)  # Monday 20:30 in Shanghai
MADE = NOW - timedelta(days=40)
MEMBERS = 100_000
PENDING = 100_000


async def build(path: Path, outbox: int) -> None:
    store = Store(path)
    await store.initialize()
    made = MADE.isoformat(timespec="seconds")
    branches, _ = tree()
    async with store.db.transaction() as tx:
        await tx.executemany("INSERT INTO branches(id, parent_id, name, created_at)"
                             " VALUES (?, ?, ?, ?)", [(*b, made) for b in branches])
        await tx.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO members(id, first_name, reachable, created_at, updated_at)"
            " SELECT 1000000 + i, 'M' || i, i % 100 <> 0, ?, ? FROM n", (MEMBERS, made, made))
        await tx.execute(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
            " SELECT id, 112 + (id % 889), 'member', ? FROM members", (made,))
        today = "2026-03-30"
        runs = [(b, kind, today, f"2026-03-30T{hour}:00:00+00:00")
                for b, _, _ in branches if b % 2 == 0
                for kind, hour in (("prompt", "00"), ("reminder", "02"), ("digest", "12"))]
        await tx.executemany("INSERT INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
                             runs)
    # The outbox in pieces of a million rows: a month of sending, then the pending tail.
    text = "x" * 300
    start = NOW - timedelta(days=30)
    step = (NOW - start) / outbox
    done = outbox - PENDING
    for first in range(0, outbox, 1_000_000):
        last = min(outbox, first + 1_000_000)
        async with store.db.transaction() as tx:
            await tx.execute(
                "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                " INSERT INTO outbox(kind, chat_id, member_id, text, state, created_at,"
                "                    done_at)"
                " SELECT 'rhythm_prompt', 1000000 + i % 100000, 1000000 + i % 100000, ?,"
                "        CASE WHEN i >= ? THEN 'pending' WHEN i % 1000 = 0 THEN 'failed'"
                "             ELSE 'sent' END,"
                "        strftime('%Y-%m-%dT%H:%M:%S+00:00', ? + i * ?, 'unixepoch'),"
                "        CASE WHEN i >= ? THEN NULL ELSE"
                "        strftime('%Y-%m-%dT%H:%M:%S+00:00', ? + i * ? + 1, 'unixepoch') END"
                " FROM n",
                (first, last - 1, text, done, start.timestamp(), step.total_seconds(), done,
                 start.timestamp(), step.total_seconds()))
    await store.db.optimize()
    await store.shutdown()


async def best_of(work: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(3):
        started = time.perf_counter()
        result = await work()
        best = min(best, time.perf_counter() - started)
    return best, result


async def measure(path: Path) -> dict[str, float]:
    store = Store(path, read_only=True)
    await store.db.initialize()
    try:
        outbox_s, facts = await best_of(lambda: store.health.outbox(now=NOW))
        late_s, late = await best_of(lambda: late_runs(store, NOW))
        unreachable_s, _ = await best_of(store.health.unreachable_members)
        started = time.perf_counter()
        await store.db.fetchone("SELECT max(done_at) FROM outbox")
        full_scan_s = time.perf_counter() - started
    finally:
        await store.shutdown()
    print(f"facts: {facts}", flush=True)
    assert isinstance(late, list)
    return {"outbox_s": outbox_s, "late_s": late_s, "late": len(late),
            "unreachable_s": unreachable_s, "full_scan_s": full_scan_s}


def status_seconds(folder: Path, path: Path) -> float:
    config = folder / "config.toml"
    config.write_text(f'[storage]\npath = "{path}"\n', encoding="utf-8")
    env = {**os.environ, "FRONTLINE_NOW": NOW.isoformat()}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot", "status", "--config", str(config),
                           "--json"], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    report = json.loads(done.stdout)
    print(f"status: exit {done.returncode}, problems {report['problems']}", flush=True)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outbox", type=int, default=3_000_000, help="outbox rows")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "bench.sqlite3"
        started = time.perf_counter()
        asyncio.run(build(path, args.outbox))
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
        figures = asyncio.run(measure(path))
        figures["status_s"] = status_seconds(folder, path)
        db_mb = sum(p.stat().st_size for p in folder.glob("bench.sqlite3*")) / 1e6
    print(f"outbox={args.outbox} outbox_s={figures['outbox_s']:.4f}"
          f" late_s={figures['late_s']:.4f} late={figures['late']:.0f}"
          f" unreachable_s={figures['unreachable_s']:.4f}"
          f" full_scan_s={figures['full_scan_s']:.2f} status_s={figures['status_s']:.2f}"
          f" db_mb={db_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
