"""`frontline status`, run in this process: a healthy database, a stuck outbox, late runs, a
database another process holds (and another connection is writing to), exit codes, --json.
The command line's "now" is fixed with FRONTLINE_NOW (`bot.cli.common.now`)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.runtime.instance import InstanceLock
from storage.db import schema_version
from tests.helpers import frontline, sql

CONFIG = """\
[storage]
path = "data/frontline.db"

[defaults]
timezone = "Asia/Shanghai"
"""
# The day the organization was made, and the next morning in Shanghai (UTC+8).
MADE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MORNING = datetime(2026, 3, 2, 0, 20, tzinfo=UTC)  # 08:20 local: the 08:00 prompt is late


def at(moment: datetime) -> dict[str, str]:
    """The environment that makes the command line's "now" `moment`."""
    return {"FRONTLINE_NOW": moment.isoformat()}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config and its database, made the day before MORNING, with the root branch #1."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    made = frontline(tmp_path, "init", "--config", str(path), "--org", "Org", env=at(MADE))
    assert made.code == 0, made
    return path


def database(config: Path) -> Path:
    return config.parent / "data" / "frontline.db"


def queue(db: Path, created: datetime, *, state: str = "pending",
          done: datetime | None = None, n: int = 1) -> None:
    """Put `n` outbox rows in the database, as the bot would have."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.executemany(
            "INSERT INTO outbox(kind, chat_id, member_id, text, state, created_at, done_at)"
            " VALUES ('broadcast', 42, NULL, 'x', ?, ?, ?)",
            [(state, created.isoformat(timespec="seconds"),
              done.isoformat(timespec="seconds") if done else None)] * n)


def record_run(db: Path, branch: int, kind: str, day: str, when: datetime) -> None:
    sql(db, f"INSERT INTO runs(branch_id, kind, day, at) VALUES ({branch}, '{kind}', '{day}',"
            f" '{when.isoformat(timespec='seconds')}')")


def status(config: Path, moment: datetime, *args: str) -> tuple[int, list[str]]:
    result = frontline(config.parent, "status", "--config", str(config), *args, env=at(moment))
    assert "Traceback" not in result.err, result.err
    return result.code, result.out.splitlines()


def test_a_healthy_database(config: Path) -> None:
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    sent = MORNING - timedelta(minutes=3)
    queue(db, sent - timedelta(seconds=5), state="sent", done=sent)
    code, lines = status(config, MORNING)
    assert code == 0, lines
    assert lines[0] == f"database: {db}"
    assert lines[1] == f"schema version: {schema_version()}, up to date"
    assert lines[2].startswith("database size: 0.")
    assert "bot: not running on this database (nothing holds it)" in lines
    assert "outbox pending: 0" in lines and "oldest pending: none" in lines
    assert "last delivery: 2026-03-02 08:17 Asia/Shanghai (3 minutes ago)" in lines
    assert "delivery: nothing to send" in lines
    assert "late runs: none" in lines and "members unreachable: 0" in lines
    assert lines[-1] == "verdict: healthy"
    code, lines = status(config, MORNING, "--json")
    report = json.loads("\n".join(lines))
    assert code == 0 and report["healthy"] is True and report["problems"] == []
    assert report["outbox"]["last_delivered"] == "2026-03-02T00:17:00+00:00"
    assert report["schema_version"] == schema_version() and report["held_by"] is None


def test_a_stuck_outbox_is_red(config: Path) -> None:
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    queue(db, MORNING - timedelta(minutes=30), state="sent",
          done=MORNING - timedelta(minutes=25))
    queue(db, MORNING - timedelta(minutes=12), n=40)  # waiting for 12 minutes
    queue(db, MORNING - timedelta(minutes=12), state="failed",
          done=MORNING - timedelta(minutes=11), n=2)
    code, lines = status(config, MORNING)
    assert code == 1, lines
    assert "outbox pending: 40" in lines
    assert "outbox failed: 2 (of the messages queued in the last 24 h)" in lines
    assert "oldest pending: queued 2026-03-02 08:08 Asia/Shanghai (12 minutes ago)" in lines
    assert "last delivery: 2026-03-02 07:55 Asia/Shanghai (25 minutes ago)" in lines
    assert ("delivery: stuck (messages wait and nothing was delivered for 10 minutes or more)"
            in lines)
    assert lines[-1] == "verdict: unhealthy: delivery stuck"
    code, lines = status(config, MORNING, "--json")
    report = json.loads(lines[0])
    assert code == 1 and report["problems"] == ["delivery stuck"]
    assert report["outbox"] == {
        "pending": 40, "failed_last_24h": 2, "oldest_pending": "2026-03-02T00:08:00+00:00",
        "oldest_pending_age_s": 720, "last_delivered": "2026-03-01T23:55:00+00:00",
        "stuck": True}
    # Nine minutes of waiting is pacing, not a fault; so is a delivery within ten minutes.
    code, lines = status(config, MORNING - timedelta(minutes=3))
    assert code == 0 and "delivery: moving" in lines
    queue(db, MORNING - timedelta(minutes=12), state="sent", done=MORNING - timedelta(minutes=1))
    assert status(config, MORNING)[0] == 0


def test_late_runs_are_listed_with_their_branch_and_local_time(config: Path) -> None:
    db = database(config)
    for n in range(2, 27):  # 25 more branches, made the day before, sharing 08:00
        made = frontline(config.parent, "branch", "add", "--config", str(config), "--parent",
                         "1", f"B{n}", env=at(MADE))
        assert made.code == 0, made
    record_run(db, 5, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    code, lines = status(config, MORNING)
    assert code == 1
    assert "late runs: 25" in lines  # 26 branches, one prompted
    first = lines.index("late runs: 25")
    assert lines[first + 1] == "  prompt of branch 1 Org: due 2026-03-02 08:00 Asia/Shanghai"
    assert lines[first + 20].startswith("  prompt of branch 21 ")
    assert lines[first + 21] == "  and 5 more"
    assert lines[-1] == "verdict: unhealthy: 25 scheduled runs late"
    # Fourteen minutes after its time a run is not late yet.
    assert status(config, MORNING - timedelta(minutes=6))[0] == 0
    # Branch 5's reminder is due at 10:00 (its prompt went out at 08:00): late at 10:15.
    code, lines = status(config, MORNING + timedelta(hours=1, minutes=55), "--json")
    late = json.loads(lines[0])["late_runs"]
    assert {"kind": "reminder", "branch_id": 5, "branch": "B5",
            "due": "2026-03-02T02:00:00+00:00", "due_local": "2026-03-02 10:00",
            "timezone": "Asia/Shanghai"} in late
    assert [r["kind"] for r in late].count("prompt") == 25


def test_status_beside_a_bot_that_holds_and_writes_the_database(config: Path) -> None:
    """Another holder of the database (`frontline run`'s hold) and an open write
    transaction: status is not held up, reads what is committed, and takes no hold."""
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    holder = InstanceLock(db, command="frontline run")
    holder.acquire(now=MORNING - timedelta(hours=1))
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO outbox(kind, chat_id, text, created_at) VALUES"
                       " ('broadcast', 42, 'x', '2026-03-01T00:00:00+00:00')")
        code, lines = status(config, MORNING)
        assert code == 0, lines
        held = [line for line in lines if line.startswith("bot: ")]
        assert held == [f"bot: held by pid {os.getpid()} on {socket.gethostname()} since "
                        "2026-03-01T23:20:00+00:00 (frontline run)"]
        assert "outbox pending: 0" in lines  # the uncommitted row is not seen
        writer.execute("COMMIT")
        assert status(config, MORNING)[0] == 1  # now it is: queued a day ago, stuck
    finally:
        writer.close()
        holder.release()
    # The hold was only tested: the bot can take it again.
    with InstanceLock(db):
        pass


def test_status_never_creates_a_database(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    result = frontline(tmp_path, "status", "--config", str(path))
    assert result.code == 2
    assert result.err_lines == [f"frontline: {tmp_path / 'data' / 'frontline.db'}: no database "
                                f"there; check [storage] path in {path}, or create it with: "
                                "frontline init"]
    assert not (tmp_path / "data").exists()


def test_a_database_waiting_for_a_migration_is_red(config: Path) -> None:
    db = database(config)
    sql(db, f"PRAGMA user_version = {schema_version() - 1}")
    code, lines = status(config, MORNING)
    assert code == 1
    assert lines[1] == (f"schema version: {schema_version() - 1}, 1 migration pending (run "
                        "frontline migrate with the bot stopped, or restart the bot, which "
                        "migrates)")
    assert lines[-1] == "verdict: unhealthy: 1 migration pending"


def test_a_bad_frontline_now_is_one_line(config: Path) -> None:
    result = frontline(config.parent, "status", "--config", str(config),
                       env={"FRONTLINE_NOW": "tomorrow"})
    assert result.code == 2
    assert result.err_lines == ["frontline: FRONTLINE_NOW: expected an ISO 8601 instant with "
                                "its offset, such as 2026-03-02T08:30:00+08:00, got 'tomorrow'"]


# --- the daily upkeep: the last backup and the last retention run ------------------------

BACKUPS = CONFIG + '\n[backup]\nfolder = "backups"\n'


def record_upkeep(db: Path, kind: str, day: str, when: datetime, detail: dict[str, object],
                  *, done: bool = True) -> None:
    """A backup or retention row in the ledger, as `bot.rules.backups` and `retention` write
    them (on the root branch, `detail` as JSON, `upto` 1 while under way)."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("INSERT INTO runs(branch_id, kind, day, at, upto, detail)"
                     " VALUES (1, ?, ?, ?, ?, ?)",
                     (kind, day, when.isoformat(timespec="seconds"), None if done else 1,
                      json.dumps(detail)))


def backups_on(config: Path) -> None:
    config.write_text(BACKUPS, encoding="utf-8")


NIGHT = datetime(2026, 3, 1, 19, 30, tzinfo=UTC)  # 03:30 on 2 March in Shanghai


def test_a_good_backup_and_retention_are_printed(config: Path) -> None:
    backups_on(config)
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    record_upkeep(db, "backup", "2026-03-01", NIGHT - timedelta(days=1),
                  {"ok": True, "file": "frontline-20260301-033000.db", "size": 10, "pruned": []})
    record_upkeep(db, "backup", "2026-03-02", NIGHT,
                  {"ok": True, "file": "frontline-20260302-033000.db", "size": 48_100_000,
                   "pruned": ["frontline-20260224-033000.db"]})
    record_upkeep(db, "retention", "2026-03-02", NIGHT + timedelta(minutes=1),
                  {"counts": {"outbox_deleted": 120, "checkins_anonymised": 3,
                              "audit_deleted": 0}, "kept": {}})
    code, lines = status(config, MORNING)
    assert code == 0, lines
    assert ("last backup: 2026-03-02 03:30 Asia/Shanghai ok (frontline-20260302-033000.db, "
            "48.1 MB; 1 older deleted)") in lines
    assert ("last retention: 2026-03-02 03:31 Asia/Shanghai (120 outbox messages deleted, "
            "3 check-ins' statuses removed)") in lines
    assert lines[-1] == "verdict: healthy"
    code, lines = status(config, MORNING, "--json")
    report = json.loads(lines[0])
    assert code == 0 and report["problems"] == [] and report["backups_on"] is True
    assert report["last_backup"] == {
        "day": "2026-03-02", "at": "2026-03-01T19:30:00+00:00", "ok": True,
        "file": "frontline-20260302-033000.db", "size_bytes": 48_100_000, "pruned": 1,
        "error": None}
    assert report["last_retention"] == {
        "day": "2026-03-02", "at": "2026-03-01T19:31:00+00:00", "done": True,
        "counts": {"outbox_deleted": 120, "checkins_anonymised": 3, "audit_deleted": 0}}


def test_a_failed_backup_is_red(config: Path) -> None:
    backups_on(config)
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    record_upkeep(db, "backup", "2026-03-02", NIGHT, {
        "ok": False, "pruned": [],
        "error": "backups: cannot write a backup there (Not a directory)"})
    record_upkeep(db, "retention", "2026-03-02", NIGHT, {"counts": {}, "kept": {}})
    code, lines = status(config, MORNING)
    assert code == 1, lines
    assert ("last backup: 2026-03-02 03:30 Asia/Shanghai FAILED (backups: cannot write a "
            "backup there (Not a directory))") in lines
    assert "last retention: 2026-03-02 03:30 Asia/Shanghai (nothing was old enough)" in lines
    assert lines[-1] == "verdict: unhealthy: last backup failed"
    code, lines = status(config, MORNING, "--json")
    report = json.loads(lines[0])
    assert code == 1 and report["problems"] == ["last backup failed"]
    assert report["last_backup"]["ok"] is False and report["last_backup"]["size_bytes"] is None
    assert report["last_backup"]["error"].endswith("(Not a directory)")


def test_a_backup_older_than_26_hours_is_red(config: Path) -> None:
    backups_on(config)
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    record_upkeep(db, "backup", "2026-03-01", NIGHT - timedelta(days=1),
                  {"ok": True, "file": "frontline-20260301-033000.db", "size": 200_000,
                   "pruned": []})
    record_upkeep(db, "retention", "2026-03-02", MORNING - timedelta(minutes=1),
                  {"counts": {"checkins_anonymised": 5000}, "kept": {}}, done=False)
    # 26 hours after the copy: not red yet (a late start, a slow copy).
    code, lines = status(config, NIGHT + timedelta(hours=2))
    assert code == 0, lines
    code, lines = status(config, MORNING)  # 28 h 50 min after it
    assert code == 1, lines
    assert ("last backup: 2026-03-01 03:30 Asia/Shanghai ok (frontline-20260301-033000.db, "
            "0.2 MB): no backup for over 26 hours") in lines
    assert ("last retention: 2026-03-02 08:19 Asia/Shanghai (under way; so far: 5000 "
            "check-ins' statuses removed)") in lines
    assert lines[-1] == "verdict: unhealthy: no backup for over 26 hours"
    report = json.loads(status(config, MORNING, "--json")[1][0])
    assert report["problems"] == ["no backup for over 26 hours"]
    assert report["last_retention"]["done"] is False


def test_backups_off_are_not_red(config: Path) -> None:
    db = database(config)
    record_run(db, 1, "prompt", "2026-03-02", MORNING - timedelta(minutes=20))
    code, lines = status(config, MORNING)
    assert code == 0, lines
    assert "last backup: none (backups are off: set [backup] folder)" in lines
    assert "last retention: none yet" in lines
    # A failure from before they were turned off is shown, not red.
    record_upkeep(db, "backup", "2026-02-28", NIGHT - timedelta(days=2),
                  {"ok": False, "pruned": [], "error": "disk full"})
    code, lines = status(config, MORNING)
    assert code == 0, lines
    assert ("last backup: 2026-02-28 03:30 Asia/Shanghai FAILED (disk full); backups are off "
            "now (set [backup] folder)") in lines
    report = json.loads(status(config, MORNING, "--json")[1][0])
    assert report["healthy"] is True and report["backups_on"] is False
    # Backups on and none made yet: said, not red (the first copy comes at the next time).
    backups_on(config)
    sql(db, "DELETE FROM runs WHERE kind = 'backup'")
    code, lines = status(config, MORNING)
    assert code == 0 and "last backup: none yet" in lines
