"""The admins' alerts through the sandbox: delivery stuck, a late scheduled run, each told once
to each admin in their language, and once more when it is over. The minute's look is called
directly (`services.alerts.check()`), as the JobQueue job does, on the sandbox's clock.
(A database that cannot be written: tests/slow/test_alerts_unwritable.py, since it waits out
SQLite's busy timeout in real time.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Config
from bot.rules.alerts import Notice
from bot.sandbox.harness import SandboxBot
from storage.rows import NewMessage
from tests.helpers import ADMIN, MEM_A1, MEM_A2, Org, build_org, make_bot, t

ADMIN_EN = 101


async def check(bot: SandboxBot) -> list[Notice]:
    alerts = bot.services.alerts
    assert alerts is not None
    return await alerts.check()


def told(bot: SandboxBot, admin: int) -> list[str]:
    """What the bot said to an admin, in order."""
    return [m.plain for m in bot.sandbox.bot_messages(admin)]


async def with_admins(start: datetime) -> SandboxBot:
    bot = make_bot(config=Config(admins=frozenset({ADMIN, ADMIN_EN})), start=start)
    await bot.start()
    return bot


@pytest.fixture
async def two_admins() -> AsyncIterator[tuple[SandboxBot, Org]]:
    """An organization with two admins: ADMIN speaks Chinese, ADMIN_EN English."""
    bot = await with_admins(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    try:
        org = await build_org(bot)
        bot.user(ADMIN_EN, "Eve", username="eve", language_code="en")
        await bot.send(ADMIN_EN, "/help")  # she has written to the bot: it knows her language
        await bot.send(ADMIN, "/help")
        yield bot, org
    finally:
        await bot.stop()


async def test_stuck_delivery_is_told_once_in_each_admins_language_then_resolved(
        two_admins: tuple[SandboxBot, Org]) -> None:
    bot, _ = two_admins
    assert await check(bot) == []  # nothing wrong
    before = {admin: len(told(bot, admin)) for admin in (ADMIN, ADMIN_EN)}
    # Telegram keeps answering 429 for a member's chat: every message waits behind it.
    bot.sandbox.fail("sendMessage", "429", chat_id=MEM_A1, times=10_000, retry_after=30)
    await bot.store.outbox.enqueue("notice", [NewMessage(MEM_A1, MEM_A1, "one"),
                                              NewMessage(MEM_A2, MEM_A2, "two")],
                                   at=bot.clock.now())
    bot.services.wake_outbox()
    bot.clock.advance(minutes=9, seconds=59)
    assert await check(bot) == []  # a pause is not a fault yet
    bot.clock.advance(seconds=1)
    sent = await check(bot)
    assert sorted(n.admin for n in sent) == [ADMIN, ADMIN_EN]
    assert told(bot, ADMIN)[before[ADMIN]:] == [t(
        "alert.stuck", n=2, waited="10 分钟", quiet=t("alert.stuck_never"))]
    assert told(bot, ADMIN_EN)[before[ADMIN_EN]:] == [t(
        "alert.stuck", "en", n=2, waited="10 minutes", quiet=t("alert.stuck_never", "en"))]
    # The next looks see it still stuck: nobody is told again.
    for _ in range(3):
        bot.clock.advance(minutes=1)
        assert await check(bot) == []
    assert len(told(bot, ADMIN)) == before[ADMIN] + 1
    # Telegram lets the messages through: one "resolved" each, then silence.
    bot.sandbox.clear_faults()
    await bot.drain(seconds=120)
    resolved = await check(bot)
    assert sorted((n.admin, n.resolved) for n in resolved) == [(ADMIN, True), (ADMIN_EN, True)]
    assert told(bot, ADMIN)[-1] == t("alert.stuck_resolved")
    assert told(bot, ADMIN_EN)[-1] == t("alert.stuck_resolved", "en")
    bot.clock.advance(minutes=1)
    assert await check(bot) == []
    assert len(told(bot, ADMIN)) == before[ADMIN] + 2


async def test_a_late_run_is_told_with_its_branch_and_time_then_resolved() -> None:
    # Start at 07:00 in Shanghai; the scheduler then does not run until 08:15.
    bot = await with_admins(datetime(2026, 3, 1, 23, 0, tzinfo=UTC))
    try:
        org = await build_org(bot)
        await bot.send(ADMIN, "/help")
        before = len(told(bot, ADMIN))
        bot.clock.set(datetime(2026, 3, 2, 0, 14, tzinfo=UTC))  # 08:14: not late yet
        assert await check(bot) == []
        bot.clock.set(datetime(2026, 3, 2, 0, 15, tzinfo=UTC))
        sent = await check(bot)
        # ADMIN_EN never wrote to the bot: Telegram refuses (no chat), given up, not repeated.
        assert [n.admin for n in sent] == [ADMIN]
        lines = [t("alert.late", n=4, after="15 分钟")]
        for branch, name in ((org.root, "Root"), (org.a, "Alpha"), (org.a1, "Alpha-1"),
                             (org.b, "Beta")):
            lines.append(t("alert.late_line", kind=t("alert.kind_prompt"), branch=name,
                           id=branch, due="2026-03-02 08:00", timezone="Asia/Shanghai"))
        lines.append(t("alert.late_hint"))
        assert told(bot, ADMIN)[before:] == ["\n".join(lines)]
        bot.clock.set(datetime(2026, 3, 2, 0, 20, tzinfo=UTC))
        assert await check(bot) == []  # still late: not told again
        scheduler = bot.services.scheduler
        assert scheduler is not None
        await scheduler.tick()  # the prompts go out at 08:20
        await bot.drain()
        sent = await check(bot)
        assert [(n.admin, n.resolved) for n in sent] == [(ADMIN, True)]
        assert told(bot, ADMIN)[-1] == t("alert.late_resolved")
        assert len(told(bot, ADMIN)) == before + 2
        # The reminder keeps its two hours after the late prompt: due at 10:20, not 10:00;
        # late at 10:35, a new incident.
        bot.clock.set(datetime(2026, 3, 2, 2, 34, tzinfo=UTC))
        assert await check(bot) == []
        bot.clock.set(datetime(2026, 3, 2, 2, 35, tzinfo=UTC))
        sent = await check(bot)
        assert [n.admin for n in sent] == [ADMIN]
        assert told(bot, ADMIN)[-1].startswith(t("alert.late", n=4, after="15 分钟"))
        assert t("alert.late_line", kind=t("alert.kind_reminder"), branch="Beta", id=org.b,
                 due="2026-03-02 10:20", timezone="Asia/Shanghai") in told(bot, ADMIN)[-1]
    finally:
        await bot.stop()
