"""The outbox while another process holds SQLite's write lock for longer than the busy timeout
(5 s, a real child process): nothing is sent twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.sandbox.harness import SandboxBot
from tests.e2e.outbox.test_outbox import FIRST, add_members, queue, received, record_sends, worker
from tests.helpers import MORNING
from tests.slow.crash_child import hold_write_lock


@pytest.mark.slow
async def test_a_long_writer_in_another_process_causes_no_repeat(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    ids = list(range(FIRST, FIRST + 40))
    async with SandboxBot(Config(), clock=ManualClock(MORNING), db_path=db,
                          outbox_rate=200) as bot:
        branch = await add_members(bot, ids)
        outbox = worker(bot)
        await outbox.shutdown()
        broadcast_id = await queue(bot, branch, ids)
        outbox.max_in_flight = 10
        log = record_sends(bot.sandbox)
        # Another process writes for longer than the busy timeout (5 s): the outcomes of
        # what is in flight cannot be written meanwhile.
        holder = await asyncio.to_thread(hold_write_lock, str(db), 7.0)
        await outbox.initialize()
        outbox.wake()
        await asyncio.to_thread(holder.wait)
        await bot.drain(seconds=60)
        assert sorted(chat for _, chat, status in log if status == 200) == ids
        assert all(received(bot, u) == 1 for u in ids)
        counts = await bot.store.broadcasts.counts(broadcast_id)
        assert (counts.sent, counts.pending) == (40, 0)
