"""One bot per database (the hold on its lock file), and the conflicts that stop a bot, in
this process (tests/slow/test_startup.py runs `frontline run` as a real process)."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram.error import Conflict

from bot.clock import ManualClock
from bot.config import Config, StorageConfig
from bot.runtime.app import (
    CONFLICT_WINDOW,
    CONFLICTS_TO_STOP,
    build_application,
    stopped_by_conflict,
)
from bot.runtime.instance import InstanceLock, InUse, lock_path

TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def test_the_hold_is_one_per_database_file(tmp_path: Path) -> None:
    """Within one process too: every `flock` on its own open file description."""
    tmp_path = tmp_path.resolve()
    (tmp_path / "d").mkdir()
    db = tmp_path / "d" / "frontline.db"
    db.touch()
    (tmp_path / "link.db").symlink_to(db)
    first = InstanceLock(db, zone=ZoneInfo("Asia/Shanghai"), command="frontline migrate")
    first.acquire(now=datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    try:
        assert lock_path(tmp_path / "link.db") == first.path == db.with_name("frontline.db.lock")
        assert first.path.stat().st_mode & 0o777 == 0o600
        for path in (db, tmp_path / "link.db", tmp_path / "d" / ".." / "d" / "frontline.db"):
            with pytest.raises(InUse) as info:
                InstanceLock(path, zone=ZoneInfo("Europe/Berlin")).acquire()
            assert str(info.value) == (
                f"{db} is in use by pid {os.getpid()} on {socket.gethostname()} since "
                "2026-03-02 01:30:00+01:00 (frontline migrate); stop it first (one bot per "
                "database)")
    finally:
        first.release()
    with InstanceLock(tmp_path / "link.db") as again:
        assert again.held
    assert not again.held


def test_a_stale_or_damaged_lock_file_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "frontline.db"
    lock_path(db).write_text("garbage that is longer than what the next holder writes " * 9)
    with InstanceLock(db):
        holder = json.loads(lock_path(db).read_text(encoding="utf-8"))
    assert holder["pid"] == os.getpid()


async def test_one_conflict_is_retried_three_in_a_minute_stop(tmp_path: Path) -> None:
    """One 409 can be this bot's own previous run, still polling at Telegram after a restart."""
    clock = ManualClock(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    config = Config(storage=StorageConfig(path=tmp_path / "unused.db"))
    app = build_application(config, token=TOKEN, clock=clock)
    conflict = Conflict("Conflict: terminated by other getUpdates request")
    for _ in range(CONFLICTS_TO_STOP - 1):
        await app.process_error(None, conflict)
        clock.advance(seconds=1)
    assert stopped_by_conflict(app) is None
    clock.advance(seconds=CONFLICT_WINDOW.total_seconds())
    await app.process_error(None, conflict)  # the earlier ones are over a minute old
    assert stopped_by_conflict(app) is None
    for _ in range(CONFLICTS_TO_STOP - 1):
        clock.advance(seconds=1)
        await app.process_error(None, conflict)
    assert stopped_by_conflict(app) == "Conflict: terminated by other getUpdates request"
    assert not (tmp_path / "unused.db").exists()


def test_a_hold_whose_description_is_unreadable_still_holds(tmp_path: Path) -> None:
    db = tmp_path / "frontline.db"
    with InstanceLock(db):
        lock_path(db).write_text("")  # e.g. read while the holder was writing it
        with pytest.raises(InUse, match=r"frontline\.db is in use by another process; stop it"):
            InstanceLock(db).acquire()
