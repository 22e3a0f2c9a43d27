"""Benchmark: the weekly reports of a whole organization, as the Monday tick sends them.

The organization of `bench/digest.py` (1,000 branches four levels deep, N members, 30 days of
check-ins, needs, tasks and broadcasts; one secretary in every branch). The 30 days end on
Monday 2026-03-30; at 20:00 that evening (Shanghai) every branch's weekly report is due, over
Monday 03-23 .. Sunday 03-29. Times, warm, best of 3: the root's report and a leaf's
(`bot.rules.weekly.weekly_messages`: counting, text, the chart and the workbook), then the
whole run as the minute ticks do it (`bot.rules.weekly.run_due`, each tick spending at most its
budget of work, the rest left to the next, until none is due: 1,000 reports, each written with
its ledger row): the work in all, the ticks it took and the longest. Last line:

    members=<n> root_weekly_s=<x> leaf_weekly_s=<y> all_weekly_s=<z> ticks=<n>
    longest_tick_s=<x> peak_rss_mb=<m>

(one line).

Run from the repository root: `python bench/weekly.py [--members 100000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.digest import NOW, build
from bot.i18n import Translator
from bot.rules import weekly
from storage.store import Store

FIRST, LAST = date(2026, 3, 23), date(2026, 3, 29)
REPEAT = 3


async def best_of(store: Store, translate: Translator, branch_id: int) -> float:
    """Best time of REPEAT warm weekly reports of the branch."""
    await weekly.weekly_messages(store, translate, branch_id, FIRST, LAST, NOW)  # warm
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        messages = await weekly.weekly_messages(store, translate, branch_id, FIRST, LAST, NOW)
        times.append(time.perf_counter() - start)
        assert messages, "the branch has a secretary"
    return min(times)


async def one(members: int) -> str:
    """Build and time; the result line."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        await store.initialize()
        root, leaf = await build(store, members)
        translate = Translator()
        root_s = await best_of(store, translate, root)
        leaf_s = await best_of(store, translate, leaf)
        queued, ticks, longest = 0, 0, 0.0
        start = time.perf_counter()
        while True:
            tick = time.perf_counter()
            made = await weekly.run_due(store, translate, NOW)
            if not made:
                break
            longest = max(longest, time.perf_counter() - tick)
            queued += made
            ticks += 1
        all_s = time.perf_counter() - start
        assert queued >= 1000, queued
        await store.shutdown()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"members={members} root_weekly_s={root_s:.3f} leaf_weekly_s={leaf_s:.4f}"
            f" all_weekly_s={all_s:.1f} ticks={ticks} longest_tick_s={longest:.1f}"
            f" peak_rss_mb={rss:.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(asyncio.run(one(args.members)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
