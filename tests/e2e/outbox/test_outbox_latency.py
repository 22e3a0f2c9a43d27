"""The outbox over a network with latency, on virtual time: its rate is the configured limit,
not the round trip; Telegram's limits hold where the messages arrive; order holds per chat."""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.runtime.outbox import sweep as outbox_module
from bot.sandbox import vtime
from bot.sandbox.harness import SandboxBot
from storage.rows import NewMessage

FIRST = 700_000
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


def busiest(times: list[float], window: float = 1.0) -> int:
    """The most arrivals in any window of this length."""
    most = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _send(latency_ms: float, rate: int, chats: int, per_chat: int,
                paid_rate: int | None = None, jitter_ms: float = 4,
                ) -> tuple[list[float], list[tuple[int, str]], float]:
    """Queue `per_chat` messages to each of `chats` chats; (arrival times, (chat, text),
    seconds all sending was paused by a 429)."""
    async with SandboxBot(Config(), clock=ManualClock(START), outbox_rate=rate,
                          paid_rate=paid_rate) as bot:
        sandbox = bot.sandbox
        users = list(range(FIRST, FIRST + chats))
        for user in users:
            bot.user(user, f"U{user}")
        # A jitter under the pacer's margin (its window is 1.02 s): two arrivals 1.02 s
        # apart at the door may not come closer than a second where Telegram counts.
        sandbox.latency(latency_ms, jitter_ms)
        sandbox.rate_limit(paid_rate or rate, per_chat=True)
        sandbox.arrivals = []
        kind = "broadcast" if paid_rate else "need"
        rows = [NewMessage(u, u, f"{n}") for n in range(per_chat) for u in users]
        if kind == "need":
            await bot.store.outbox.enqueue(kind, rows, at=bot.clock.now())
        else:
            await bot.store.broadcasts.create(
                branch_id=await bot.store.branches.create("B", None, at=bot.clock.now()),
                author_id=FIRST, scope="branch", body="b", media_kind=None, media_file_id=None,
                to_groups=False, ack_required=False, messages=rows, status_chat_id=None,
                status_message_id=None, at=bot.clock.now())
        outbox = bot.services.outbox
        assert outbox is not None
        outbox.wake()
        await bot.drain(seconds=3600)
        received = [(u, m.plain) for u in users for m in sandbox.bot_messages(u)]
        assert not sandbox.refused, sandbox.refused[:3]
        return list(sandbox.arrivals), received, outbox.paused_by_retry_after


@pytest.mark.parametrize("latency_ms", [0, 150, 500])
def test_the_rate_is_the_limit_not_the_round_trip(latency_ms: float) -> None:
    """The pace between two messages is the limit's (1.02 s / 20), whatever the round trip;
    one at a time would be 1/RTT, 2 a second at 500 ms.

    The pace is read from the median gap between arrivals: virtual time still counts the
    real time of the bot's own work, so a stall of the machine (another process, the VM's
    host) shows as one long gap, which the median ignores and the whole run's rate does
    not; that rate is held to a looser bound, still far above one at a time."""
    arrivals, received, _ = vtime.run(_send(latency_ms, 20, 300, 1))
    assert Counter(u for u, _ in received) == {FIRST + i: 1 for i in range(300)}
    assert busiest(arrivals) <= 20  # never over the limit where Telegram counts
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert 1 / statistics.median(gaps) >= 0.95 * 20
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) >= 0.85 * 20


def test_a_jittery_network_costs_a_few_429s_not_one_in_forty() -> None:
    """A 50 ms jitter brings requests sent a second apart closer where Telegram counts them:
    the first 429s widen the pacer's margin, and then they stop (it was one in forty
    messages, each pausing everything for a second: the 08:00 prompt took 70% longer)."""
    arrivals, received, paused = vtime.run(_send(150, 30, 1500, 1, jitter_ms=50))
    assert len(received) == 1500
    assert busiest(arrivals) <= 30
    assert paused <= 5
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) >= 0.88 * 30


@pytest.mark.parametrize("latency_ms", [150, 500])
def test_messages_to_one_chat_keep_their_order_and_pace(latency_ms: float) -> None:
    arrivals, received, _ = vtime.run(_send(latency_ms, 20, 10, 4))
    for i in range(10):
        assert [text for u, text in received if u == FIRST + i] == ["0", "1", "2", "3"]
    assert busiest(arrivals) <= 20


@pytest.mark.parametrize("latency_ms", [0, 500])
def test_paid_broadcasts_keep_the_paid_limit(latency_ms: float) -> None:
    # (300 a second rather than 1,000 keeps the test's own CPU from setting the pace on a
    # loaded machine: bench/broadcast.py measures 1,000.)
    arrivals, received, paused = vtime.run(_send(latency_ms, 5, 1200, 1, paid_rate=300))
    assert len(received) == 1200
    assert busiest(arrivals) <= 300
    # On a loaded machine the test's own work can bunch a few arrivals: Telegram's 429 then
    # pauses everything for a second (handled, and rare: a second or two here). The rate is
    # measured outside such pauses.
    assert paused <= 2.0
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0] - paused) >= 0.9 * 300



async def _slow_reads(batch: int, messages: int) -> int:
    """`messages` messages to as many chats, while each read of the outbox takes a second
    and each send a second and a half: what was sent meanwhile is written before the read
    returns. Returns how many arrived."""
    async with SandboxBot(Config(), clock=ManualClock(START), outbox_rate=1000) as bot:
        users = list(range(FIRST, FIRST + messages))
        for user in users:
            bot.user(user, f"U{user}")
        bot.sandbox.latency(1500, 0)
        store = bot.store
        read = store.outbox.pending

        async def slow(*, after_id: int, limit: int) -> Any:
            items = await read(after_id=after_id, limit=limit)
            await asyncio.sleep(1)
            return items

        store.outbox.pending = slow  # type: ignore[method-assign]
        await store.outbox.enqueue("need", [NewMessage(u, u, "x") for u in users],
                                   at=bot.clock.now())
        await bot.drain(seconds=60)
        return sum(len(bot.sandbox.bot_messages(u)) for u in users)


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_the_outbox_goes_idle_whatever_is_written_while_it_reads_a_page(
        monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """Sends finishing and outcomes written while the worker reads a full page of the outbox
    make it look again once the sweep ends (they were forgotten when it went on to read the
    next page: a setup hung for 30 s with its 601 messages sent and nothing pending)."""
    monkeypatch.setattr(outbox_module, "BATCH", batch)
    for messages in (batch, 2 * batch, 2 * batch + 1):
        assert vtime.run(_slow_reads(batch, messages)) == messages
