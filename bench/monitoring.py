"""Benchmark: what /readyz and /metrics cost on a big database.

A year's worth of a big organization's outbox (`--rows` rows: 98% delivered, 1% failed, 1%
pending) and `--branches` branches with a month of daily runs in the ledger. The real
application runs on the sandbox (started, its minute tick and its outbox worker stopped, so
that nothing changes between requests); its HTTP app
(`bot.runtime.http`) is asked through httpx's ASGI transport, so the figures are the
server's own work (the database's questions, the rhythm's timetable for the late runs, the
text format), without a network.

Per endpoint: the median and the slowest of `--times` requests, one after another.

Last line:

    readyz_ms=<median> metrics_ms=<median> metrics_max_ms=<slowest> outbox_rows=<n>

Run from the repository root: `python bench/monitoring.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock
from bot.config import Config
from bot.runtime.http import asgi_app
from bot.sandbox.harness import SandboxBot
from storage.store import Store
from storage.times import iso

START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


async def fill(store: Store, branches: int, rows: int) -> None:
    """The branches, a month of their daily runs, and the outbox."""
    made = iso(START - timedelta(days=400))
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, None if b == 1 else 1, f"B{b}", made) for b in range(1, branches + 1)])
        days = [(START - timedelta(days=d)).date().isoformat() for d in range(1, 31)]
        await tx.executemany(
            "INSERT INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
            [(b, kind, day, made) for b in range(1, branches + 1) for day in days
             for kind in ("prompt", "reminder", "digest")])
    chunk = 100_000
    for first in range(0, rows, chunk):
        batch = []
        for i in range(first, min(rows, first + chunk)):
            state = "failed" if i % 100 == 0 else "pending" if i >= rows - rows // 100 \
                else "sent"
            batch.append(("broadcast", 1_000_000 + i % 10_000, f"message {i}", state, made))
        async with store.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO outbox(kind, chat_id, text, state, created_at)"
                " VALUES (?, ?, ?, ?, ?)", batch)


async def timed(http: httpx.AsyncClient, path: str, times: int) -> list[float]:
    """Milliseconds of each of `times` GETs."""
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        answer = await http.get(path)
        taken.append((time.perf_counter() - started) * 1000)
        assert answer.status_code in (200, 503), answer.text
    return taken


async def main(branches: int, rows: int, times: int, folder: Path) -> None:
    """Build the database, start the bot, ask each endpoint `times` times."""
    db = folder / "monitoring.db"
    db.unlink(missing_ok=True)
    store = Store(db)
    await store.initialize()
    started = time.perf_counter()
    await fill(store, branches, rows)
    await store.db.optimize()
    await store.shutdown()
    print(f"filled {branches} branches and {rows:,} outbox rows in "
          f"{time.perf_counter() - started:.1f} s ({db.stat().st_size / 1e6:.0f} MB)")
    bot = SandboxBot(Config(), clock=ManualClock(START), db_path=db)
    async with bot:
        queue = bot.app.job_queue
        assert queue is not None
        for job in queue.get_jobs_by_name("tick"):
            job.enabled = False
        outbox = bot.services.outbox
        assert outbox is not None
        await outbox.shutdown()  # the pending rows stay pending while the endpoints are asked
        app = asgi_app(bot.app)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bot") as http:
            results = {path: await timed(http, path, times) for path in ("/readyz", "/metrics")}
    for path, taken in results.items():
        print(f"{path}: median {statistics.median(taken):.1f} ms, slowest {max(taken):.1f} ms "
              f"over {times}")
    print(f"readyz_ms={statistics.median(results['/readyz']):.1f} "
          f"metrics_ms={statistics.median(results['/metrics']):.1f} "
          f"metrics_max_ms={max(results['/metrics']):.1f} outbox_rows={rows}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--folder", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    asyncio.run(main(args.branches, args.rows, args.times, args.folder))
