"""Benchmark: a broadcast to 10,000 members over a network with latency, at the free and the
paid limit, while members keep pressing buttons.

The real application runs on the sandbox, on virtual time (`bot.sandbox.vtime`): waiting
(pacing, the network's latency, retry_after pauses) costs no real time, the work of the bot and
the database costs what it costs. The sandbox puts a network between them (`sandbox.latency`:
the round trip plus up to 10 ms of jitter on the way there) and enforces Telegram's flood
control where the requests arrive: more than N sends in any second, a second message to one
chat within a second, or a 21st to a group within a minute is answered 429.

For each latency (0, `--latency-ms`, 500 ms) two clean broadcasts to R members:

- free: the outbox at N = 30 messages/s (`max_messages_per_second`), the sandbox limit 30;
- paid: `paid_broadcast` on, 1,000/s, the sandbox limit 1,000.

Meanwhile 5 members a second press a check-in button. Then, at `--latency-ms`, the free run
again with 5% of sends answered 429 (retry_after 1 s) or 500 (correctness under faults).

Per run: the achieved rate, measured where the messages arrive: messages / (last arrival -
first arrival + one interval), as a fraction of N; the busiest one-second window of arrivals (at
most N, or Telegram answers 429); messages lost and sent twice; the presses' answer time at the
bot (from the update reaching the bot to the answer leaving it, i.e. the sandbox's measure less
one round trip; its p95 and max); the most messages in flight.

Last line:

    rate_ratio=<x> lost=<n> duplicates=<n> reply_p95_ms=<m> peak_rss_mb=<m>

`rate_ratio` is the worst clean run's; `reply_p95_ms` the worst p95; lost and duplicates
summed over every run. Run from the repository root: `python bench/broadcast.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram.request import RequestData

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock
from bot.config import Config
from bot.runtime.outbox import WINDOW, OutboxWorker
from bot.runtime.ratelimit import RetryingRateLimiter
from bot.sandbox import vtime
from bot.sandbox.harness import SandboxBot
from handlers.core.sender import telegram_sender
from storage.rows import NewMessage
from storage.times import iso

FIRST_USER = 800_000
PRESSERS = 300  # members who press check-in buttons during the runs
PRESSES_PER_S = 5
FREE, PAID = 30, 1000
JITTER_MS = 10
FAULT_RATE = 0.05
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


@dataclass
class Run:
    """What one broadcast achieved."""

    name: str
    latency_ms: float
    limit: int
    seconds: float
    rate: float
    busiest: int
    lost: int
    duplicates: int
    replies: list[float]
    in_flight: int
    real_s: float

    @property
    def ratio(self) -> float:
        """The achieved rate as a fraction of the limit."""
        return self.rate / self.limit

    def p95(self) -> float:
        """The presses' 95th percentile answer time at the bot, ms."""
        if len(self.replies) < 2:
            return max(self.replies, default=0.0)
        return statistics.quantiles(self.replies, n=20)[-1]


def busiest_second(times: list[float]) -> int:
    """The most arrivals in any one-second window."""
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def setup(recipients: int) -> SandboxBot:
    """A started bot with the members in one branch, written straight into the database."""
    bot = SandboxBot(Config(), clock=ManualClock(START))
    await bot.start()
    store, stamp = bot.store, iso(START)
    users = range(FIRST_USER, FIRST_USER + recipients)
    async with store.db.transaction() as tx:
        await tx.execute("INSERT INTO branches(id, name, created_at) VALUES (1, 'Bench', ?)",
                         (stamp,))
        await tx.executemany(
            "INSERT INTO members(id, first_name, telegram_language, reachable, created_at,"
            " updated_at) VALUES (?, ?, 'en', 1, ?, ?)",
            [(u, f"M{u}", stamp, stamp) for u in users])
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
            " VALUES (?, 1, 'member', ?)", [(u, stamp) for u in users])
    for user_id in users:
        bot.user(user_id, f"M{user_id}", language_code="en")
    bot.sandbox.record_calls = False
    return bot


async def use_worker(bot: SandboxBot, rate: int, paid_rate: int | None) -> OutboxWorker:
    """Replace the application's outbox worker by one with these rates."""
    services = bot.services
    old = services.outbox
    assert old is not None
    await old.shutdown()
    worker = OutboxWorker(bot.store, bot.clock, telegram_sender(bot.app.bot), rate=rate,
                          paid_rate=paid_rate, progress=old.progress)
    limiter = bot.app.bot.rate_limiter
    if isinstance(limiter, RetryingRateLimiter):
        limiter.on_send = worker.pacer.count_direct
    services.outbox = worker
    await worker.initialize()
    return worker


async def broadcast(bot: SandboxBot, name: str, latency_ms: float, limit: int,
                    paid: bool, recipients: int, faults: bool = False) -> Run:
    """One broadcast to every member, with presses meanwhile; what it achieved."""
    sandbox = bot.sandbox
    loop = asyncio.get_running_loop()
    worker = await use_worker(bot, FREE, PAID if paid else None)
    sandbox.clear_faults()
    sandbox.latency(latency_ms, JITTER_MS)
    sandbox.rate_limit(limit, per_chat=True)
    if faults:
        sandbox.random_faults(FAULT_RATE, ("429", "500"), methods=("sendMessage",),
                              retry_after=1, seed=7)
    users = list(range(FIRST_USER, FIRST_USER + recipients))
    pressers = users[:PRESSERS]
    # Each presser has a check-in prompt to press (asked before the broadcast).
    prompts: dict[int, int] = {}
    for user_id in pressers:
        await bot.send(user_id, "/checkin")
        prompts[user_id] = sandbox.last(user_id).message_id
    delivered: Counter[int] = Counter()
    arrivals: list[float] = []
    handed_out: dict[int, float] = {}  # update id -> when getUpdates handed it out
    answered: dict[str, float] = {}  # callback query id -> when its answer arrived
    handle = sandbox.handle

    async def observing(url: str, method: str, data: RequestData | None) -> tuple[int, bytes]:
        status, body = await handle(url, method, data)
        now = loop.time()
        name_ = url.rpartition("/")[2]
        params = data.parameters if data is not None else {}
        if name_ == "sendMessage" and status == 200 and str(params.get("text", "")).startswith(
                "📣"):
            delivered[int(str(params["chat_id"]))] += 1
            arrivals.append(now)
        elif name_ == "getUpdates" and status == 200:
            for update_id in _update_ids(body):
                handed_out.setdefault(update_id, now)
        elif name_ == "answerCallbackQuery":
            answered.setdefault(str(params.get("callback_query_id")), now)
        return status, body

    sandbox.handle = observing  # type: ignore[method-assign,assignment]
    messages = [NewMessage(chat_id=u, member_id=u, text=f"📣 {name}: report to your zone",
                           buttons=[[("Received", "ack:1")]]) for u in users]
    started_real = time.perf_counter()
    await bot.store.broadcasts.create(
        branch_id=1, author_id=users[0], scope="branch", body=name, media_kind=None,
        media_file_id=None, to_groups=False, ack_required=True, messages=messages,
        status_chat_id=None, status_message_id=None, at=bot.clock.now())
    worker.wake()
    presses: dict[str, int] = {}  # callback query id -> update id
    done = asyncio.ensure_future(worker.idle())
    turn = 0
    while not done.done():
        user_id = pressers[turn % PRESSERS]
        turn += 1
        update = sandbox.user_presses(user_id, prompts[user_id], "ck:on_duty", check=False)
        presses[update["callback_query"]["id"]] = update["update_id"]
        await asyncio.wait([done], timeout=1 / PRESSES_PER_S)
    await bot.settle()
    real_s = time.perf_counter() - started_real
    sandbox.handle = handle  # type: ignore[method-assign]
    round_trip = latency_ms / 1000
    replies = [max(0.0, answered[q] - handed_out[u] - round_trip) * 1000
               for q, u in presses.items() if q in answered and u in handed_out]
    interval = WINDOW / limit
    seconds = arrivals[-1] - arrivals[0] + interval if arrivals else 0.0
    if "DEBUG" in __import__("os").environ:
        print([ (u, delivered[u]) for u in users if delivered[u] > 1])
    sandbox.forget(users)
    return Run(name=name, latency_ms=latency_ms, limit=limit, seconds=seconds,
               rate=len(arrivals) / seconds if seconds else 0.0,
               busiest=busiest_second(arrivals),
               lost=sum(1 for u in users if delivered[u] == 0),
               duplicates=sum(1 for u in users if delivered[u] > 1),
               replies=replies, in_flight=worker.most_in_flight, real_s=real_s)


def _update_ids(body: bytes) -> list[int]:
    import json

    return [u["update_id"] for u in json.loads(body).get("result", [])]


async def run_all(recipients: int, latency_ms: float) -> list[Run]:
    """Every run, on one bot."""
    bot = await setup(recipients)
    runs = []
    try:
        for latency in sorted({0.0, latency_ms, 500.0}):
            runs.append(await broadcast(bot, "free", latency, FREE, False, recipients))
            runs.append(await broadcast(bot, "paid", latency, PAID, True, recipients))
        runs.append(await broadcast(bot, "free, 5% faults", latency_ms, FREE, False,
                                    recipients, faults=True))
    finally:
        await bot.stop()
    return runs


def table(runs: Sequence[Run]) -> str:
    """A readable table of the runs."""
    head = ["run", "latency", "limit/s", "seconds", "achieved/s", "of limit", "busiest 1 s",
            "lost", "twice", "press p95 ms", "press max ms", "in flight", "real s"]
    body = [[r.name, f"{r.latency_ms:.0f} ms", f"{r.limit:,}", f"{r.seconds:,.1f}",
             f"{r.rate:,.1f}", f"{r.ratio:.3f}", f"{r.busiest:,}", str(r.lost),
             str(r.duplicates), f"{r.p95():.0f}", f"{max(r.replies, default=0):.0f}",
             str(r.in_flight), f"{r.real_s:.1f}"] for r in runs]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, body)])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the broadcasts and print the table and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000, metavar="R",
                        help="members the broadcast goes to (default: 10000)")
    parser.add_argument("--latency-ms", type=float, default=150.0, metavar="MS",
                        help="the network's round trip besides 0 and 500 ms, and of the fault "
                        "run (default: 150)")
    args = parser.parse_args(argv)
    if args.recipients <= PRESSERS or args.latency_ms < 0:
        parser.error(f"--recipients must exceed {PRESSERS}; --latency-ms must not be negative")
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    runs = vtime.run(run_all(args.recipients, args.latency_ms))
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{args.recipients:,} recipients; flood control and pacing at the limit; "
          f"{PRESSES_PER_S} presses/s meanwhile; network jitter up to {JITTER_MS} ms; "
          f"virtual time; whole benchmark {total:.0f} s real")
    print(table(runs))
    clean = [r for r in runs if "faults" not in r.name]
    worst = min(clean, key=lambda r: r.ratio)
    over = [r for r in runs if r.busiest > r.limit]
    print(f"worst clean run: {worst.name} at {worst.latency_ms:.0f} ms, {worst.ratio:.3f} of "
          f"the limit; busiest second over the limit in {len(over)} run(s)")
    print(f"peak RSS {peak_mb:.0f} MB")
    lost = sum(r.lost for r in runs)
    duplicates = sum(r.duplicates for r in runs)
    reply_p95 = max(r.p95() for r in runs)
    print(f"rate_ratio={worst.ratio:.3f} lost={lost} duplicates={duplicates} "
          f"reply_p95_ms={reply_p95:.0f} peak_rss_mb={peak_mb:.0f}")
    return 0 if lost == 0 and duplicates == 0 and not over else 1


if __name__ == "__main__":
    sys.exit(main())
