"""The daily upkeep through the scheduler and the ledger: one backup and one retention run a
day at the [backup] time, across restarts, a missed time caught up once; a copy that fails
its check keeps every older one; `keep` prunes only after a good copy."""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import BackupConfig, Config
from bot.i18n import Translator
from bot.rules.backups import copies
from bot.rules.upkeep import Upkeep
from bot.runtime.scheduler import Scheduler
from bot.sandbox.harness import SandboxBot
from storage.store import Store
from tests.helpers import ADMIN, build_org, sql

ZONE = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


def names(folder: Path) -> list[str]:
    return [p.name for p in copies(folder)]


def beside(path: Path) -> list[str]:
    """The files SQLite keeps beside a database (its -wal, -shm, -journal)."""
    return [p.name for p in path.parent.iterdir() if p.name.startswith(f"{path.name}-")]


async def upkeep_days(store: Store, kind: str) -> list[str]:
    rows = await store.db.fetchall("SELECT day FROM runs WHERE kind = ? AND upto IS NULL"
                                   " ORDER BY day", (kind,))
    return [r[0] for r in rows]


async def test_one_backup_and_one_retention_a_day_across_restarts(tmp_path: Path) -> None:
    db, folder = tmp_path / "frontline.db", tmp_path / "backups"
    config = Config(admins=frozenset({ADMIN}), backup=BackupConfig(folder=folder, keep=2))
    clock = ManualClock(local(2, 3, 0))
    async with SandboxBot(config, clock=clock, db_path=db) as first:
        await build_org(first)
        await first.settle()
        assert first.services.scheduler is not None
        await first.services.scheduler.tick()
        assert names(folder) == []  # before 03:30
    # Restarted at, just after, and long after the time: one copy, one retention run.
    for moment in (local(2, 3, 30), local(2, 3, 31), local(2, 9)):
        clock.set(moment)
        async with SandboxBot(config, clock=clock, db_path=db) as bot:
            await bot.settle()
            assert bot.services.scheduler is not None
            await bot.services.scheduler.tick()
    assert names(folder) == ["frontline-20260302-033000.db"]
    # Stopped over the next 03:30, started at 10:00: caught up once.
    clock.set(local(3, 10))
    async with SandboxBot(config, clock=clock, db_path=db) as bot:
        await bot.settle()
        assert bot.services.scheduler is not None
        backup = bot.services.scheduler.last_backup
        assert backup is not None and backup.ok and backup.path == folder / (
            "frontline-20260303-100000.db")
        clock.set(local(3, 23, 59))
        await bot.services.scheduler.tick()
        assert await upkeep_days(bot.store, "backup") == ["2026-03-02", "2026-03-03"]
        assert await upkeep_days(bot.store, "retention") == ["2026-03-02", "2026-03-03"]
        # The next day at 03:30: a third copy; keep = 2 deletes the oldest.
        clock.set(local(4, 3, 30))
        await bot.services.scheduler.tick()
        kept = await bot.store.runs.upkeep("backup", date(2026, 3, 4))
        assert kept is not None and kept.done
        assert dict(kept.detail) == {"ok": True, "file": "frontline-20260304-033000.db",
                                     "size": (folder / "frontline-20260304-033000.db")
                                     .stat().st_size,
                                     "pruned": ["frontline-20260302-033000.db"]}
        # The organization's runs are not a branch's.
        kinds = {kind for kind, _ in await bot.store.runs.of(1)}
        assert kinds and not kinds & {"backup", "retention"}
    assert names(folder) == ["frontline-20260303-100000.db", "frontline-20260304-033000.db"]
    for name in names(folder):
        assert sql(folder / name, "PRAGMA integrity_check") == [("ok",)]
        assert sql(folder / name, "SELECT name FROM branches ORDER BY id")[0] == ("Root",)
        assert not beside(folder / name)  # each copy is one file


def truncate(path: Path) -> None:
    """A copy damaged between its writing and its check (as a failing disk would)."""
    os.truncate(path, path.stat().st_size // 2)


async def scheduler_day(store: Store, folder: Path, moment: datetime, *, keep: int,
                        damage: bool = False) -> Scheduler:
    """A scheduler started at `moment` (a restart), its start-up run done."""
    upkeep = Upkeep(backup=BackupConfig(folder=folder, keep=keep),
                    before_check=truncate if damage else None)
    scheduler = Scheduler(store, Translator(), ManualClock(moment), keep=upkeep)
    await scheduler.start()
    await scheduler.idle()
    return scheduler


async def test_a_copy_that_fails_its_check_keeps_the_older_ones(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "backups"
    await store.branches.create("Root", None, at=local(1, 12))
    await scheduler_day(store, folder, local(2, 4), keep=1)
    assert names(folder) == ["frontline-20260302-040000.db"]
    good = (folder / "frontline-20260302-040000.db").read_bytes()

    with caplog.at_level(logging.ERROR, logger="bot.rules.backups"):
        failed = await scheduler_day(store, folder, local(3, 4), keep=1, damage=True)
    result = failed.last_backup
    assert result is not None and not result.ok and result.path is None
    assert result.error is not None and "frontline-20260303-040000.db" in result.error
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert result.error in caplog.records[0].getMessage()
    # keep = 1, yet the older copy stays: nothing is pruned after a bad copy, and the bad
    # copy is gone (no temporary file either).
    assert sorted(p.name for p in folder.iterdir()) == ["frontline-20260302-040000.db"]
    assert (folder / "frontline-20260302-040000.db").read_bytes() == good
    recorded = await store.runs.upkeep("backup", date(2026, 3, 3))
    assert recorded is not None and dict(recorded.detail)["ok"] is False
    # The day is over for backups (a full disk would fail every minute); the next day's
    # good copy replaces the old one.
    await failed.tick()
    assert names(folder) == ["frontline-20260302-040000.db"]
    await scheduler_day(store, folder, local(4, 4), keep=1)
    assert names(folder) == ["frontline-20260304-040000.db"]


async def test_backups_are_off_without_a_folder(store: Store, tmp_path: Path) -> None:
    await store.branches.create("Root", None, at=local(1, 12))
    scheduler = Scheduler(store, Translator(), ManualClock(local(2, 4)), keep=Upkeep())
    await scheduler.start()
    await scheduler.idle()
    assert scheduler.last_backup is None
    assert await store.runs.upkeep("backup", date(2026, 3, 2)) is None
    retention = await store.runs.upkeep("retention", date(2026, 3, 2))
    assert retention is not None and retention.done  # retention runs all the same


async def test_a_copy_whose_older_ones_cannot_be_deleted_is_a_failure_the_admins_hear_of(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "backups"
    await store.branches.create("Root", None, at=local(1, 12))
    await scheduler_day(store, folder, local(2, 4), keep=1)
    unlink = Path.unlink

    def refused(path: Path, missing_ok: bool = False) -> None:
        if path.name.startswith("frontline-"):  # the folder refuses deletions (EACCES)
            raise PermissionError(13, "Permission denied", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    with caplog.at_level(logging.ERROR, logger="bot.rules.backups"):
        day = await scheduler_day(store, folder, local(3, 4), keep=1)
    result = day.last_backup
    assert result is not None and not result.ok
    assert result.path == folder / "frontline-20260303-040000.db"  # the copy was made
    assert result.error is not None and "Permission denied" in result.error
    assert "keep = 1" in result.error and result.error in caplog.records[0].getMessage()
    assert names(folder) == ["frontline-20260302-040000.db", "frontline-20260303-040000.db"]
    recorded = await store.runs.upkeep("backup", date(2026, 3, 3))
    assert recorded is not None
    assert dict(recorded.detail)["ok"] is False
    assert dict(recorded.detail)["file"] == "frontline-20260303-040000.db"
    # Once a day, not a new copy every minute.
    await day.tick()
    assert len(names(folder)) == 2


async def test_an_unexpected_error_ends_the_days_backup_as_failed(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "backups"
    await store.branches.create("Root", None, at=local(1, 12))

    def fault(path: Path) -> None:
        raise RuntimeError("the unexpected")

    upkeep = Upkeep(backup=BackupConfig(folder=folder, keep=1), before_check=fault)
    scheduler = Scheduler(store, Translator(), ManualClock(local(2, 4)), keep=upkeep)
    with caplog.at_level(logging.ERROR, logger="bot.rules.backups"):
        await scheduler.start()
        await scheduler.idle()
    result = scheduler.last_backup
    assert result is not None and not result.ok
    assert result.error == "unexpected error: RuntimeError: the unexpected"
    assert caplog.records and caplog.records[0].exc_info is not None
    recorded = await store.runs.upkeep("backup", date(2026, 3, 2))
    assert recorded is not None and recorded.done
    assert dict(recorded.detail)["error"] == result.error
    assert names(folder) == [] and list(folder.iterdir()) == []  # no partial copy left
    await scheduler.tick()  # not tried again the same day
    assert len(caplog.records) == 1
