"""The outbox's files (the digests' charts, the weekly reports' charts and workbooks) keep
their bytes for 8 days, then lose them at the scheduler's daily statistics run (at start-up,
then once a day), never at every tick; the file_id Telegram gave stays, so a later send goes
by it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.i18n import Translator
from bot.runtime.scheduler import KEEP_ATTACHMENTS, Scheduler
from storage.store import Store

START = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)


async def test_files_lose_their_bytes_after_eight_days_once_a_day(tmp_path: Path) -> None:
    assert timedelta(days=8) == KEEP_ATTACHMENTS
    store = Store(tmp_path / "f.db")
    await store.initialize()
    try:
        old = await store.outbox.attach("photo", "chart.png", b"\x89PNG old",
                                        at=START - timedelta(days=9))
        await store.outbox.attachment_sent(old, "FILE-old")
        recent = await store.outbox.attach("document", "week.xlsx", b"PK recent",
                                           at=START - timedelta(days=7, hours=12))
        clock = ManualClock(START)
        scheduler = Scheduler(store, Translator(), clock)
        await scheduler.start()  # the statistics run at start-up
        await scheduler.idle()

        async def data(attachment: int) -> bytes | None:
            found = await store.outbox.attachment(attachment)
            assert found is not None
            return found.data

        assert await data(old) is None
        found = await store.outbox.attachment(old)
        assert found is not None and found.file_id == "FILE-old"
        assert await data(recent) == b"PK recent"
        # Eight days old now, but the statistics ran less than a day ago: kept for now.
        clock.set(START + timedelta(hours=12, minutes=1))
        await scheduler.tick()
        assert await data(recent) == b"PK recent"
        clock.set(START + timedelta(days=1))
        await scheduler.tick()
        assert await data(recent) is None
        await scheduler.shutdown()
    finally:
        await store.shutdown()
