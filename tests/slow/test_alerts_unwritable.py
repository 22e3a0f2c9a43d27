"""The admins are told once when the database cannot be written: another connection holds
SQLite's write lock beyond the busy timeout (a real lock on the real file), so the alerts'
write probe fails after waiting it out, in real time (hence slow). Released: one "resolved"."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.config import Config
from storage.db import BUSY_TIMEOUT_MS
from tests.helpers import ADMIN, make_bot, t

ADMIN_EN = 101


async def test_an_unwritable_database_is_told_once_then_resolved() -> None:
    bot = make_bot(config=Config(admins=frozenset({ADMIN, ADMIN_EN})),
                   start=datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    async with bot:
        bot.user(ADMIN, "Ada")
        bot.user(ADMIN_EN, "Eve", language_code="en")
        await bot.send(ADMIN, "/help")
        await bot.send(ADMIN_EN, "/help")
        alerts = bot.services.alerts
        assert alerts is not None
        assert await alerts.check() == []
        other = sqlite3.connect(bot.config.storage.path, isolation_level=None,
                                timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            other.execute("BEGIN IMMEDIATE")  # another program writes, and does not stop
            sent = await alerts.check()
            assert sorted(n.admin for n in sent) == [ADMIN, ADMIN_EN]
            assert bot.sandbox.last(ADMIN).plain == t(
                "alert.unwritable", reason=t("alert.reason_locked"))
            assert bot.sandbox.last(ADMIN_EN).plain == t(
                "alert.unwritable", "en", reason=t("alert.reason_locked", "en"))
            bot.clock.advance(minutes=1)
            assert await alerts.check() == []  # still locked: not told again
        finally:
            other.execute("ROLLBACK")
            other.close()
        sent = await alerts.check()
        assert sorted((n.admin, n.resolved) for n in sent) == [(ADMIN, True), (ADMIN_EN, True)]
        assert bot.sandbox.last(ADMIN).plain == t("alert.unwritable_resolved")
        assert bot.sandbox.last(ADMIN_EN).plain == t("alert.unwritable_resolved", "en")
        assert await alerts.check() == []
