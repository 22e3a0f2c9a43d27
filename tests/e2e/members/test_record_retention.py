"""What an old period shows once its check-ins are older than [retention] health_days: the
record still counts the days checked in, says their status is not kept, and the digest of an
old day gives the same counts by status, without the names of the unwell."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, SEC_A, Org, t


async def test_an_old_period_after_retention(bot: SandboxBot, org: Org) -> None:
    for status in ("on_duty", "on_duty", "unwell"):
        await bot.send(MEM_A1, f"/checkin {status} 头疼")
        bot.clock.advance(days=1)
    unwell = f"{t('status.unwell')} 1"
    digest = (await bot.send(SEC_A, "/digest 2026-03-04")).plain
    assert unwell in digest and "Mia" in digest
    record = (await bot.send(SEC_A, "/record @mia 2026-03-01..2026-03-31")).plain
    assert "报到：3/" in record and "身体不适 1" in record

    # A hundred days later (health_days = 90 by default), the day's retention has run.
    bot.clock.advance(days=100)
    assert bot.services.scheduler is not None
    await bot.services.scheduler.tick()
    statuses = await bot.store.db.fetchall(
        "SELECT DISTINCT status, note FROM checkins WHERE member_id = ?", (MEM_A1,))
    assert statuses == [("checked_in", None)]

    record = (await bot.send(SEC_A, "/record @mia 2026-03-01..2026-03-31")).plain
    assert "报到：3/31 天" in record
    assert f"{t('status.checked_in')} 3" in record and t("status.unwell") not in record
    digest = (await bot.send(SEC_A, "/digest 2026-03-04")).plain
    assert unwell in digest  # the count is kept
    assert "Mia" not in digest  # the name is not
