"""The admins' alert when the daily backup fails, through the sandbox: a [backup] folder that
cannot be made (a file stands where it should be) fails the 03:30 backup honestly; each admin
is told once in their language, not again while the next days fail too, and once more when a
later backup succeeds. The scheduler's tick and the minute's look are called directly, on the
sandbox's clock, as the JobQueue jobs do; a restart in between still tells of the failure
(the ledger is read, not the scheduler's memory)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.config import BackupConfig, Config
from bot.rules.alerts import BACKUP
from bot.sandbox.harness import SandboxBot
from bot.text import esc
from tests.e2e.alerts.test_alerts import ADMIN_EN, check, told
from tests.helpers import ADMIN, build_org, make_bot, t

ZONE = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


async def night(bot: SandboxBot, day: int) -> None:
    """The scheduler's tick at 03:30 of `day` (the backup's time), then the outbox drained."""
    bot.clock.set(local(day, 3, 30))
    scheduler = bot.services.scheduler
    assert scheduler is not None
    await scheduler.tick()
    await bot.drain()


async def failure(bot: SandboxBot, day: date) -> str:
    """Why the day's backup failed, as the ledger has it."""
    run = await bot.store.runs.upkeep("backup", day)
    assert run is not None and run.detail["ok"] is False, run
    return str(run.detail["error"])


async def test_a_failed_backup_is_told_once_then_resolved(tmp_path: Path) -> None:
    blocked = tmp_path / "backups"
    blocked.write_text("not a folder", encoding="utf-8")
    config = Config(admins=frozenset({ADMIN, ADMIN_EN}), backup=BackupConfig(folder=blocked))
    bot = make_bot(config=config, start=local(2, 3))
    await bot.start()
    try:
        await build_org(bot)
        bot.user(ADMIN_EN, "Eve", username="eve", language_code="en")
        for admin in (ADMIN, ADMIN_EN):
            await bot.send(admin, "/help")
        before = {admin: len(told(bot, admin)) for admin in (ADMIN, ADMIN_EN)}
        assert await check(bot) == []  # no backup due yet
        await night(bot, 2)
        reason = await failure(bot, date(2026, 3, 2))
        assert "cannot write a backup there" in reason
        sent = await check(bot)
        assert sorted((n.admin, n.kind) for n in sent) == [(ADMIN, BACKUP), (ADMIN_EN, BACKUP)]
        assert told(bot, ADMIN)[before[ADMIN]:] == [
            t("alert.backup_failed", day="2026-03-02", reason=esc(reason))]
        assert told(bot, ADMIN_EN)[before[ADMIN_EN]:] == [
            t("alert.backup_failed", "en", day="2026-03-02", reason=esc(reason))]
        bot.clock.advance(minutes=1)
        assert await check(bot) == []  # still failed: not told again
        # The next night fails too: the same incident, nobody is told again.
        await night(bot, 3)
        await failure(bot, date(2026, 3, 3))
        assert [n for n in await check(bot) if n.kind == BACKUP] == []
        # The folder is made right; the next night's backup succeeds: "resolved", once each.
        blocked.unlink()
        await night(bot, 4)
        run = await bot.store.runs.upkeep("backup", date(2026, 3, 4))
        assert run is not None and run.detail["ok"] is True
        resolved = [n for n in await check(bot) if n.kind == BACKUP]
        assert sorted((n.admin, n.resolved) for n in resolved) == [(ADMIN, True),
                                                                   (ADMIN_EN, True)]
        assert told(bot, ADMIN)[-1] == t("alert.backup_resolved")
        assert told(bot, ADMIN_EN)[-1] == t("alert.backup_resolved", "en")
        bot.clock.advance(minutes=1)
        assert await check(bot) == []
        assert len(told(bot, ADMIN)) == before[ADMIN] + 2
    finally:
        await bot.stop()


async def test_a_failure_recorded_before_a_restart_is_told_after_it(tmp_path: Path) -> None:
    blocked = tmp_path / "backups"
    blocked.write_text("not a folder", encoding="utf-8")
    db = tmp_path / "frontline.db"
    config = Config(admins=frozenset({ADMIN}), backup=BackupConfig(folder=blocked))
    clock = ManualClock(local(2, 3))
    async with SandboxBot(config, clock=clock, db_path=db) as bot:
        await build_org(bot)
        await night(bot, 2)  # fails; the bot stops before its next look
    clock.set(local(2, 3, 40))
    async with SandboxBot(config, clock=clock, db_path=db) as again:
        await again.settle()
        again.user(ADMIN, "Ada")  # a new sandbox's Telegram: the admin opens the chat
        await again.send(ADMIN, "/help")
        sent = await check(again)
        assert [(n.admin, n.kind) for n in sent] == [(ADMIN, BACKUP)]
        assert told(again, ADMIN)[-1] == t(
            "alert.backup_failed", day="2026-03-02",
            reason=esc(await failure(again, date(2026, 3, 2))))
