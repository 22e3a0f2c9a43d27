"""Backups and restores on the command line (in this process): a backup made while another
connection writes is restorable and sound; `restore` refuses while the bot runs, refuses a
damaged, foreign or newer file, keeps the current database aside and puts the copy in place;
`run` and `migrate` keep a copy before migrating; `backup` without DEST rotates the folder."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from bot.config import TOKEN_ENV
from bot.runtime.instance import InstanceLock
from storage.db import schema_version
from tests.e2e.cli.test_cli import (
    BASE_CONFIG,
    GOOD_TOKEN,
    _dead_api,
    _old_database,
    assert_config_error,
    db_path,
    initialized,
    write_config,
)
from tests.helpers import Result, frontline, sql

__all__ = ["initialized"]  # the fixture, shared with test_cli


def one_line(result: Result, code: int, *fragments: str) -> None:
    assert result.code == code, result
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1, result.err
    for fragment in fragments:
        assert fragment in result.err_lines[0], (fragment, result.err)


def branches(db: Path) -> list[str]:
    return [str(r[0]) for r in sql(db, "SELECT name FROM branches ORDER BY id")]


def add(tmp_path: Path, config: Path, name: str) -> None:
    result = frontline(tmp_path, "branch", "add", "--config", str(config), "--parent", "1",
                       name)
    assert result.code == 0, result


def test_a_backup_made_while_writing_is_sound_and_restorable(initialized: Path,
                                                             tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    db = db_path(tmp_path)
    # Enough pages that the copy takes many steps; each write adds a pair of rows.
    with closing(sqlite3.connect(db)) as conn:
        conn.executemany("INSERT INTO audit_log(at, action, allowed, detail) VALUES"
                         " ('2026-03-02T00:00:00+00:00', 'seed', 1, ?)",
                         [("x" * 500,) for _ in range(4000)])
        conn.commit()
    stop = threading.Event()
    writes = [0]

    def write() -> None:
        with closing(sqlite3.connect(db, timeout=5)) as conn:
            while not stop.is_set():
                with conn:
                    for _ in range(2):
                        conn.execute("INSERT INTO audit_log(at, action, allowed, detail) VALUES"
                                     " ('2026-03-02T00:00:00+00:00', 'pair', 1, ?)",
                                     (str(writes[0]),))
                writes[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while writes[0] < 5:
            stop.wait(0.001)
        result = frontline(tmp_path, "backup", *cfg, "copy.db")
        during = writes[0]
    finally:
        stop.set()
        writer.join()
    assert result.code == 0, result
    copy = tmp_path / "copy.db"
    assert sql(copy, "PRAGMA integrity_check") == [("ok",)]
    # One snapshot: every pair the copy has, it has whole.
    pairs = sql(copy, "SELECT detail, count(*) FROM audit_log WHERE action = 'pair'"
                      " GROUP BY detail")
    assert pairs and {n for _, n in pairs} == {2}
    assert writes[0] > during >= 5  # the bot's writes went on while it was copied
    restored = frontline(tmp_path, "restore", *cfg, str(copy))
    assert restored.code == 0, restored
    assert branches(db) == ["Org"]
    assert frontline(tmp_path, "branch", "list", *cfg).code == 0
    assert len(sql(db, "SELECT 1 FROM audit_log WHERE action = 'pair'")) == 2 * len(pairs)


def test_restore_keeps_the_current_database_aside(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    db = db_path(tmp_path)
    add(tmp_path, initialized, "Sub")
    assert frontline(tmp_path, "backup", *cfg, "copy.db").code == 0
    add(tmp_path, initialized, "Later")

    result = frontline(tmp_path, "restore", *cfg, "copy.db")

    assert result.code == 0, result
    assert result.err == ""
    (line,) = result.out.splitlines()
    assert line.startswith(f"restored {db} from copy.db (schema version {schema_version()});"
                           f" the database it replaced is kept as {db}.before-restore-")
    aside = Path(line.rsplit(" ", 1)[1])
    assert aside.parent == db.parent and aside.exists()
    assert branches(aside) == ["Org", "Sub", "Later"]  # every commit, its WAL written back
    assert not Path(f"{aside}-wal").exists()
    assert branches(db) == ["Org", "Sub"]
    assert sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert (db.stat().st_mode & 0o777) == 0o600
    assert frontline(tmp_path, "branch", "list", *cfg).code == 0
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == []


def test_restore_is_refused_while_the_bot_runs(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "backup", *cfg, "copy.db").code == 0
    add(tmp_path, initialized, "Later")
    with InstanceLock(db_path(tmp_path), command="frontline run"):
        result = frontline(tmp_path, "restore", *cfg, "copy.db")
    one_line(result, 2, "is in use by", "(frontline run)", "stop it first")
    assert branches(db_path(tmp_path)) == ["Org", "Later"]
    assert [p.name for p in db_path(tmp_path).parent.iterdir()
            if "before-restore" in p.name] == []


def test_restore_refuses_a_damaged_foreign_or_newer_file(initialized: Path,
                                                         tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "backup", *cfg, "good.db").code == 0
    data = (tmp_path / "good.db").read_bytes()
    (tmp_path / "cut.db").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.db").write_text("not a database at all " * 100)
    with closing(sqlite3.connect(tmp_path / "foreign.db")) as conn:
        conn.execute("CREATE TABLE t(x)")
        conn.commit()
    (tmp_path / "newer.db").write_bytes(data)
    sql(tmp_path / "newer.db", f"PRAGMA user_version = {schema_version() + 1}")
    add(tmp_path, initialized, "Later")
    cases = {"cut.db": "cannot restore it", "text.db": "cannot restore it",
             "foreign.db": "not a Frontline database",
             "newer.db": f"schema version {schema_version() + 1}",
             "missing.db": "no such file"}
    for name, fragment in cases.items():
        result = frontline(tmp_path, "restore", *cfg, name)
        one_line(result, 2, name, fragment)
    assert branches(db_path(tmp_path)) == ["Org", "Later"]
    leftovers = [p.name for p in db_path(tmp_path).parent.iterdir()
                 if "restor" in p.name or p.name.startswith(".")]
    assert leftovers == []


def test_restore_onto_a_machine_without_a_database(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "backup", *cfg, "copy.db").code == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    config = write_config(fresh, BASE_CONFIG)
    result = frontline(fresh, "restore", "--config", str(config), str(tmp_path / "copy.db"))
    assert result.code == 0, result
    assert result.out.strip().endswith("there was no database before")
    assert branches(db_path(fresh)) == ["Org"]


def test_run_and_migrate_keep_a_copy_before_migrating(tmp_path: Path) -> None:
    config = _old_database(tmp_path)
    old, new = schema_version() - 1, schema_version()
    db = db_path(tmp_path)
    dead = write_config(tmp_path, _dead_api(BASE_CONFIG))
    # `run` migrates, then fails to reach Telegram (nobody listens at the dead address).
    result = frontline(tmp_path, "run", "--config", str(dead), env={TOKEN_ENV: GOOD_TOKEN})
    assert result.code != 0
    copy = db.with_name(f"frontline.db.before-migration-{old}-{new}")
    assert f"kept a copy of {db} before migrating it: {copy}" in result.out
    assert sql(copy, "PRAGMA user_version") == [(old,)]
    assert sql(copy, "PRAGMA integrity_check") == [("ok",)]
    assert branches(copy) == ["Org"]
    assert sql(db, "PRAGMA user_version") == [(new,)]
    # Nothing left to migrate: no copy.
    again = frontline(tmp_path, "migrate", "--config", str(config))
    assert again.code == 0 and "kept a copy" not in again.out


def test_migrate_keeps_its_copy_in_the_backup_folder(tmp_path: Path) -> None:
    config = _old_database(tmp_path)
    old, new = schema_version() - 1, schema_version()
    config.write_text(config.read_text() + '\n[backup]\nfolder = "backups"\n')
    result = frontline(tmp_path, "migrate", "--config", str(config))
    assert result.code == 0, result
    copy = tmp_path / "backups" / f"frontline.db.before-migration-{old}-{new}"
    assert sql(copy, "PRAGMA user_version") == [(old,)]
    assert not db_path(tmp_path).with_name(copy.name).exists()


def test_an_empty_database_is_migrated_without_a_copy(tmp_path: Path) -> None:
    db = db_path(tmp_path)
    db.parent.mkdir()
    db.touch()
    config = write_config(tmp_path)
    result = frontline(tmp_path, "migrate", "--config", str(config))
    assert result.code == 0, result
    assert "kept a copy" not in result.out
    assert [p.name for p in db.parent.iterdir() if "before-migration" in p.name] == []


def test_backup_without_dest_rotates_the_backup_folder(initialized: Path,
                                                       tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    missing = frontline(tmp_path, "backup", *cfg)
    assert_config_error(missing, "[backup] folder", str(initialized))
    initialized.write_text(initialized.read_text() + '\n[backup]\nfolder = "b"\nkeep = 2\n')
    made = []
    for _ in range(3):
        result = frontline(tmp_path, "backup", *cfg)
        assert result.code == 0, result
        made.append(Path(result.out.split(" to ", 1)[1].split(";")[0]))
    left = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert left == sorted(p.name for p in made[1:])
    for path in made[1:]:
        assert sql(path, "PRAGMA integrity_check") == [("ok",)]
