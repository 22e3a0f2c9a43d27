"""Benchmark: the root's digest chart (the check-in rate over 14 days, today's rate per
sub-branch, households covered in time) over 100,000 members in 1,000 branches with 30 days
of check-ins, needs and tasks (the organization of bench/digest.py), warm, best of 3.

`chart_seconds` is what bench/export.py calls. Last line:

    members=<n> chart_s=<x> peak_rss_mb=<m>

Run from the repository root: `python bench/charts.py [--members 100000]` (goal: under 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bot.i18n import Translate, Translator
from bot.rules.charts import DIGEST_DAYS, ChartKind, chart_png
from storage.store import Store

REPEAT = 3


async def chart_seconds(store: Store, translate: Translate, root_id: int,
                        now: datetime) -> float:
    """Best time of REPEAT warm digest charts of the root (data read and PNG drawn)."""
    await chart_png(store, translate, "zh", root_id, ChartKind.checkins, DIGEST_DAYS, now=now)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        png = await chart_png(store, translate, "zh", root_id, ChartKind.checkins,
                              DIGEST_DAYS, now=now)
        times.append(time.perf_counter() - start)
        assert png.startswith(b"\x89PNG")
    return min(times)


async def main(members: int) -> str:
    import digest as digest_bench  # bench/digest.py: the organization it builds

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        await store.initialize()
        root, _ = await digest_bench.build(store, members)
        seconds = await chart_seconds(store, Translator(), root, digest_bench.NOW)
        await store.shutdown()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"members={members} chart_s={seconds:.4f} peak_rss_mb={rss:.0f}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    print(asyncio.run(main(parser.parse_args().members)))
