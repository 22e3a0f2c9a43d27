"""The scheduler's tick over a thousand branches sharing 08:00 (big data, seconds): one run,
each branch's prompt computed once (tests/e2e/rhythm/test_scheduler.py has the rest)."""

from __future__ import annotations

import asyncio

from bot.sandbox.harness import SandboxBot
from tests.e2e.rhythm.test_scheduler import at, organization, queued_to, tick_job


async def test_a_thousand_branches_at_eight_are_one_run(bot: SandboxBot) -> None:
    members = await organization(bot.store, 1000, 2)
    statements: list[str] = []
    await bot.store.db.trace(statements.append)
    bot.clock.set(at(8))
    job = tick_job(bot)
    # The minute's job fired twice at once (as a thousand per-branch jobs would): one run.
    await asyncio.gather(job.run(bot.app), job.run(bot.app))
    await bot.store.db.trace(None)
    assert await queued_to(bot.store, "rhythm_prompt") == dict.fromkeys(members, 1)
    # Each branch's members were read once: each prompt was computed once.
    reads = [s for s in statements if "LEFT JOIN checkins y" in s]
    assert len(reads) == 1000
    scheduler = bot.services.scheduler
    assert scheduler is not None and scheduler.coalesced >= 1
    bot.clock.set(at(20))
    await asyncio.gather(job.run(bot.app), job.run(bot.app), job.run(bot.app))
    secretaries = members[::2]
    assert await queued_to(bot.store, "rhythm_digest") == dict.fromkeys(secretaries, 1)
