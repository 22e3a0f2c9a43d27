"""Benchmark: one broadcast to 10,000 recipients through the outbox, under flood control.

The real application runs on the sandbox; the sandbox answers 429 to more than N sends in any
one-second window (`sandbox.rate_limit(N)`, N = `--rate`, default 1,000/s) and the outbox
worker is given the same N (`outbox_rate=N`). Two broadcasts to the same recipients:

1. clean: flood control only. This shows how close the pacer gets to the limit without
   tripping it (a 429 here means the pacer overshot).
2. faults: as issue 3 asks, 5% of sends also answered at random with 429 (retry_after 1 s)
   or 500 (`random_faults(0.05, ("429", "500"), retry_after=1, seed=...)`).

For each: recipients, achieved rate (recipients delivered / elapsed) as a fraction of N,
lost (recipients never delivered), duplicates (recipients delivered more than once), the time
all sending was paused by 429s (and by runs of 5xx), and the rate over the time not paused.

Which figure `rate_ratio` reports, and why. By the issue's own rule a 429 pauses *all*
sending for its retry_after. With 2.5% of 10,000 sends answered 429, that is about 250
pauses of one second, run one after another: about 250 s in which no worker that obeys the
rule may send, against the 10 s the sends themselves need at 1,000/s. So the raw ratio of
the fault run (~0.04) measures the rule, not the worker, and cannot approach 0.9. Nor is
the ratio over the unpaused time of the fault run a fraction of the limit: after each pause
the window is empty, and the ~40 sends before the next 429 go at the worker's own speed.
So `rate_ratio` reports the clean run's ratio (recipients delivered per second against N
under the sandbox's flood control): the figure the issue's goal (>= 0.9) is about. The fault
run supplies `lost` and `duplicates` (the correctness under faults, summed over both runs),
and both of its ratios are printed beside it. `peak_rss_mb` is the process's peak.

The clean ratio is flattered by the start: the first N sends need not wait for a window, so
a sender costing nothing could deliver R messages in (ceil(R/N) - 1) windows, a ratio of
1.11 for R = 10 N (1.09 with the pacer's 1.02 s window). The line after the table gives this
ceiling and the share of it achieved; the rest is the worker's own cost per message (mostly
PTB building a Message from each answer; see `--profile`).

Time. Waiting out ~250 one-second pauses for real would take over four minutes, all of it
idle. By default the pauses Telegram imposes (the worker's sleeps while `pacer.paused_until`
lies ahead) are skipped on a shared virtual clock: the worker's pacer and the sandbox's flood
window both read `time.monotonic() + skipped`, so both see the pause as having passed, and
elapsed times include it. Nothing else is simulated (pacing waits, sends and database writes
take real time). `--real-time` sleeps through the pauses instead, to check that it agrees.

Run from the repository root: `python bench/broadcast.py [--recipients R] [--rate N]`.
The last line is machine-readable:

    rate_ratio=<x> lost=<n> duplicates=<n> peak_rss_mb=<m>
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import math
import pstats
import resource
import sys
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram.request import RequestData

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.sandbox as sandbox_module
from bot.clock import ManualClock
from bot.config import Config
from bot.harness import SandboxBot
from bot.outbox import WINDOW, OutboxWorker
from handlers.sender import telegram_sender
from storage.outbox import NewMessage

FIRST_USER = 800_000
FAULT_RATE = 0.05
DRAIN_S = 1800.0  # a bound for a stuck run, far above any real one
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


class Warp:
    """A monotonic clock that skips the worker's sleeps through Telegram-imposed pauses."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.skipped = 0.0
        self.worker: OutboxWorker | None = None

    def monotonic(self) -> float:
        """Real monotonic time plus the pauses skipped so far."""
        return time.monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        """Sleep, skipping the part of it that lies inside a pause."""
        skip = 0.0
        if self.enabled and self.worker is not None:
            skip = min(seconds, max(0.0, self.worker.pacer.paused_until - self.monotonic()))
        self.skipped += skip
        await asyncio.sleep(seconds - skip)


@dataclass
class Run:
    """What one broadcast achieved."""

    name: str
    recipients: int
    rate: int
    seconds: float
    delivered: int
    lost: int
    duplicates: int
    paused_429: float
    paused_5xx: float
    answered_429: int
    answered_5xx: int

    @property
    def ratio(self) -> float:
        """Recipients delivered per second, as a fraction of the limit."""
        return self.delivered / self.seconds / self.rate

    @property
    def unpaused_ratio(self) -> float:
        """The same over the time sending was not paused by Telegram."""
        active = self.seconds - self.paused_429 - self.paused_5xx
        return self.delivered / active / self.rate if active > 0 else float("nan")


async def setup(recipients: int, rate: int, warp: Warp) -> tuple[SandboxBot, OutboxWorker]:
    """A started bot with `recipients` members, and its outbox worker on the warp clock."""
    bot = SandboxBot(Config(), clock=ManualClock(START), outbox_rate=rate)
    await bot.start()
    store, now = bot.store, bot.clock.now()
    branch = await store.create_branch("Bench Branch", None, at=now)
    for user_id in range(FIRST_USER, FIRST_USER + recipients):
        bot.user(user_id, f"M{user_id}", language_code="en")
        await store.save_person(user_id, f"M{user_id}", None, None, "en", at=now)
        await store.set_membership(user_id, branch, "member", at=now)
    # The application's worker, replaced by the same one on the warp clock.
    services = bot.services
    old = services.outbox
    assert old is not None
    await old.shutdown()
    worker = OutboxWorker(store, bot.clock, telegram_sender(bot.app.bot), rate=rate,
                          progress=old.progress, monotonic=warp.monotonic, sleep=warp.sleep)
    warp.worker = worker
    services.outbox = worker
    await worker.initialize()
    return bot, worker


async def broadcast(bot: SandboxBot, worker: OutboxWorker, name: str, users: list[int],
                    rate: int, profiler: cProfile.Profile | None) -> Run:
    """Queue one broadcast to every user and wait until the outbox has sent it."""
    sandbox = bot.sandbox
    before = {u: len(sandbox.messages[u]) for u in users}
    statuses: dict[int, int] = {}
    handle = sandbox.handle

    async def counting(url: str, method: str, data: RequestData | None) -> tuple[int, bytes]:
        status, body = await handle(url, method, data)
        if url.endswith("/sendMessage"):
            statuses[status] = statuses.get(status, 0) + 1
        return status, body

    sandbox.handle = counting  # type: ignore[method-assign,assignment]
    paused_429, paused_5xx = worker.paused_by_retry_after, worker.paused_by_trouble
    messages = [NewMessage(chat_id=u, member_id=u, text=f"<b>{name}</b>: report to your zone",
                           buttons=[[("Received", "bc:1:ack")]]) for u in users]
    await bot.store.create_broadcast(
        branch_id=1, author_id=users[0], scope="branch", body=name, media_kind=None,
        media_file_id=None, to_groups=False, ack_required=True, messages=messages,
        status_chat_id=None, status_message_id=None, at=bot.clock.now())
    if profiler is not None:
        profiler.enable()
    started = worker.pacer.now()
    try:
        await bot.drain(DRAIN_S)
    finally:
        seconds = worker.pacer.now() - started
        if profiler is not None:
            profiler.disable()
        sandbox.handle = handle  # type: ignore[method-assign]
    got = [len(sandbox.messages[u]) - before[u] for u in users]
    return Run(name=name, recipients=len(users), rate=rate, seconds=seconds,
               delivered=sum(1 for n in got if n), lost=sum(1 for n in got if n == 0),
               duplicates=sum(1 for n in got if n > 1),
               paused_429=worker.paused_by_retry_after - paused_429,
               paused_5xx=worker.paused_by_trouble - paused_5xx,
               answered_429=statuses.get(429, 0),
               answered_5xx=sum(n for s, n in statuses.items() if s >= 500))


async def run(recipients: int, rate: int, seed: int, real_time: bool,
              profiler: cProfile.Profile | None) -> tuple[Run, Run]:
    """The clean run, then the fault run, on one bot."""
    warp = Warp(enabled=not real_time)
    # The sandbox's flood window reads the same clock as the worker's pacer.
    real_time_module = sandbox_module.time
    sandbox_module.time = types.SimpleNamespace(monotonic=warp.monotonic)  # type: ignore[assignment]
    try:
        bot, worker = await setup(recipients, rate, warp)
        try:
            sandbox = bot.sandbox
            sandbox.record_calls = False
            users = list(range(FIRST_USER, FIRST_USER + recipients))
            sandbox.rate_limit(rate)
            clean = await broadcast(bot, worker, "clean", users, rate, profiler)
            await asyncio.sleep(1.1)  # let the flood window and the per-chat pace clear
            sandbox.random_faults(FAULT_RATE, ("429", "500"), methods=("sendMessage",),
                                  retry_after=1, seed=seed)
            faults = await broadcast(bot, worker, "faults", users, rate, None)
        finally:
            await bot.stop()
    finally:
        sandbox_module.time = real_time_module
    return clean, faults


def table(runs: Sequence[Run]) -> str:
    """A readable table of the runs."""
    head = ["run", "recipients", "seconds", "delivered/s", "ratio", "unpaused ratio", "lost",
            "duplicates", "429s", "5xx", "paused by 429 s", "paused by 5xx s"]
    body = [[r.name, f"{r.recipients:,}", f"{r.seconds:.1f}", f"{r.delivered / r.seconds:,.0f}",
             f"{r.ratio:.3f}", f"{r.unpaused_ratio:.3f}", str(r.lost), str(r.duplicates),
             str(r.answered_429), str(r.answered_5xx), f"{r.paused_429:.1f}",
             f"{r.paused_5xx:.1f}"] for r in runs]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, body)])


def main(argv: Sequence[str] | None = None) -> int:
    """Run both broadcasts and print the table and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000, metavar="R",
                        help="members the broadcast goes to (default: 10000)")
    parser.add_argument("--rate", type=int, default=1000, metavar="N",
                        help="the sandbox's flood limit and the outbox's rate, messages/s "
                        "(default: 1000)")
    parser.add_argument("--seed", type=int, default=3, help="seed of the random faults")
    parser.add_argument("--real-time", action="store_true",
                        help="sleep through Telegram's pauses instead of skipping them")
    parser.add_argument("--profile", type=int, nargs="?", const=25, metavar="LINES",
                        help="cProfile the clean run and print the top functions "
                        "(by internal time)")
    args = parser.parse_args(argv)
    if args.recipients < 1 or args.rate < 1:
        parser.error("--recipients and --rate must be positive")
    logging.basicConfig(level=logging.ERROR)

    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    clean, faults = asyncio.run(run(args.recipients, args.rate, args.seed, args.real_time,
                                    profiler))
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    clock = "real time" if args.real_time else "pauses skipped on a virtual clock"
    print(f"{args.recipients:,} recipients, limit N = {args.rate:,}/s (sandbox flood control "
          f"and outbox rate); fault run: {FAULT_RATE:.0%} of sends answered 429 "
          f"(retry_after 1 s) or 500, seed {args.seed}; {clock}; whole benchmark "
          f"{total:.0f} s wall")
    print(table([clean, faults]))
    windows = max(1, math.ceil(args.recipients / args.rate) - 1)
    ceiling = args.recipients / (windows * WINDOW * args.rate)
    print(f"clean run: a sender costing nothing, paced as this one (a {WINDOW} s window), "
          f"would reach {ceiling:.3f}; achieved {clean.ratio / ceiling:.0%} of that")
    print(f"fault run: {faults.paused_429 + faults.paused_5xx:.1f} s of "
          f"{faults.seconds:.1f} s paused by Telegram's answers; "
          f"{faults.seconds - faults.paused_429 - faults.paused_5xx:.1f} s sending")
    print(f"peak RSS {peak_mb:.0f} MB")
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
        print("\nprofile of the clean run (internal time):")
        print(out.getvalue())
    lost = clean.lost + faults.lost
    duplicates = clean.duplicates + faults.duplicates
    print(f"rate_ratio={clean.ratio:.3f} lost={lost} duplicates={duplicates} "
          f"peak_rss_mb={peak_mb:.0f}")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
