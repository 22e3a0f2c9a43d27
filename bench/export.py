"""Benchmark: `/export 30d` of the root of 100,000 members in 1,000 branches with 30 days of
history, through the real bot on the sandbox, while a member presses check-in buttons.

The organization is bench/digest.py's (1 root → 10 → 100 → 889 leaves, one secretary in
every branch, about 80% checked in a day, needs, tasks with two assignees each, broadcasts
with acknowledgements), written straight into SQLite. The root's secretary sends `/export 30d`;
the export runs to the document Telegram receives, while another member presses "on duty" on
their check-in prompt `--rate` times a second; each press's wait is from the press to its
answer. Then the root's digest chart, warm, best of 3 (`bench/charts.py`).

The bot starts, catches up and sets its menus before the export begins (see `run`). The
workbook is built in a child process (bot.rules.export.process): `peak_rss_mb` is the
larger of the bot's peak and the child's (each is printed on the line before).

Last line:

    members=<n> export_s=<x> export_mb=<size> press_wait_max_ms=<m> chart_s=<x> peak_rss_mb=<m>

Run from the repository root: `python bench/export.py [--members 100000] [--rate 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import resource
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from charts import chart_seconds  # bench/charts.py
from digest import FIRST_MEMBER, NOW, build  # bench/digest.py: the organization

from bot.clock import ManualClock
from bot.config import Config
from bot.sandbox.harness import SandboxBot
from storage.store import Store

SECRETARY = FIRST_MEMBER  # the root's secretary (bench/digest.py: one per branch, in order)
PRESSER = FIRST_MEMBER + 5_000  # a member of a leaf
BUTTON = "ck:on_duty"


async def _quiet_day(store: Store) -> None:
    """Write today's runs of every branch in the ledger, as a day that went by would have
    (and every follow-up and escalation, and the day's backup and retention):
    NOW is 20:00 on a Monday in Shanghai, every branch's digest and weekly report time, and
    the export is measured alone, not beside a thousand digests and weekly reports
    (bench/prompt.py and bench/weekly.py measure those)."""
    day = NOW.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    stamp = NOW.isoformat()
    branches = [row[0] for row in await store.db.fetchall("SELECT id FROM branches")]
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT OR IGNORE INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
            ((branch, kind, day, stamp) for branch in branches
             for kind in ("prompt", "reminder", "escalate_rate", "digest", "digest_chart",
                          "weekly")))
        # The tasks' follow-ups and the critical needs' escalations done, as the days before
        # would have done them (else the first tick queues some 24,000 follow-ups).
        await tx.execute(
            "INSERT OR IGNORE INTO runs(branch_id, kind, day, at)"
            " SELECT t.branch_id, k.value, 'task:' || a.task_id || ':' || a.member_id, ?"
            " FROM assignments a JOIN tasks t ON t.id = a.task_id,"
            " json_each('[\"remind\", \"escalate\", \"overdue\"]') k", (stamp,))
        await tx.execute(
            "UPDATE needs SET escalated_at = created_at WHERE urgency = 'critical'"
            " AND status = 'open' AND escalated_at IS NULL")
        # The day's upkeep done at 03:30 (retention, a backup when on: bot/rules/upkeep.py),
        # recorded on the first root branch.
        await tx.execute(
            "INSERT OR IGNORE INTO runs(branch_id, kind, day, at, detail)"
            " SELECT min(b.id), k.value, ?, ?, '{}' FROM branches b, json_each('[\"backup\","
            " \"retention\"]') k WHERE b.parent_id IS NULL GROUP BY k.value", (day, stamp))


async def _chart_seconds(bot: SandboxBot, root: int) -> float:
    """The root's digest chart (data read and PNG drawn), warm, best of 3
    (`bench/charts.py`)."""
    return await chart_seconds(bot.store, bot.services.translate, root, NOW)


async def run(members: int, rate: float) -> tuple[float, float, float, float]:
    """Build, export with presses going on; (export s, MB, longest press wait ms, chart s)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        store = Store(path)  # built before the bot starts: no tick sees half an organization
        await store.initialize()
        root, _ = await build(store, members)
        await _quiet_day(store)
        await store.shutdown()
        print(f"built {members:,} members with 30 days of history in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        bot = SandboxBot(Config(), clock=ManualClock(NOW), db_path=path)
        async with bot:
            sandbox = bot.sandbox
            sandbox.record_calls = False
            bot.user(SECRETARY, "Root secretary", language_code="zh")
            bot.user(PRESSER, "Presser", language_code="zh")
            sandbox.user_sends(PRESSER, "/checkin")
            await sandbox.settle(bot.app, seconds=60)
            prompt = sandbox.last(PRESSER).message_id
            # Start-up settled first: the scheduler's catch-up run (it reads the 30,000
            # assignees of the history's tasks once, a turn of the loop every 1,000) and the
            # menus set for 1,000 secretaries (the sandbox answers without a network, so its
            # 1,000 calls hold the loop 0.4 s, where Telegram's would yield) are start-up's,
            # not the export's.
            await bot.services.scheduler.idle()
            await asyncio.sleep(3)
            pressed: dict[str, float] = {}
            answered: dict[str, float] = {}
            document = asyncio.Event()
            size = 0
            handle = sandbox.handle

            async def watching(url: str, method: str, data: object) -> tuple[int, bytes]:
                nonlocal size
                status, body = await handle(url, method, data)  # type: ignore[arg-type]
                params = getattr(data, "parameters", None) or {}
                if url.endswith("/answerCallbackQuery"):
                    answered.setdefault(params.get("callback_query_id", ""),
                                        time.perf_counter())
                elif url.endswith("/sendDocument"):
                    size = len(sandbox.last(SECRETARY).content or b"")
                    document.set()
                return status, body

            sandbox.handle = watching  # type: ignore[method-assign,assignment]

            async def press() -> None:
                while not document.is_set():
                    update = sandbox.user_presses(PRESSER, prompt, BUTTON, check=False)
                    pressed[update["callback_query"]["id"]] = time.perf_counter()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(document.wait(), 1 / rate)

            started = time.perf_counter()
            sandbox.user_sends(SECRETARY, "/export 30d")
            presses = asyncio.create_task(press())
            await asyncio.wait_for(document.wait(), 1200)
            export_s = time.perf_counter() - started
            await presses
            await sandbox.settle(bot.app, seconds=60)
            now = time.perf_counter()
            waits = [(answered.get(q, now) - at) * 1000 for q, at in pressed.items()]
            print(f"{len(waits)} presses during the export, answered in at most "
                  f"{max(waits):.0f} ms", flush=True)
            chart_s = await _chart_seconds(bot, root)
    return export_s, size / 2**20, max(waits, default=math.nan), chart_s


def main() -> None:
    """Parse the arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=10.0, help="check-in presses a second")
    args = parser.parse_args()
    export_s, size_mb, wait_ms, chart_s = asyncio.run(run(args.members, args.rate))
    bot_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"peak RSS: the bot {bot_rss:.0f} MB, the export's child {child.ru_maxrss / 1024:.0f}"
          f" MB (its CPU time {child.ru_utime + child.ru_stime:.1f} s)")
    rss = max(bot_rss, child.ru_maxrss / 1024)
    print(f"members={args.members} export_s={export_s:.2f} export_mb={size_mb:.1f} "
          f"press_wait_max_ms={wait_ms:.0f} chart_s={chart_s:.2f} peak_rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
