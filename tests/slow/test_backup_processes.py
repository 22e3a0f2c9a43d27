"""A backup made by `frontline backup` (a real process) while another process writes to the
database is sound, one snapshot, and `frontline restore` (a real process) puts it back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.cli.test_cli import HANG_GUARD_S, db_path, write_config
from tests.helpers import Result, clean_env, frontline, sql

# Writes a pair of audit rows per transaction until the stop file appears; prints how many.
WRITER = """
import sqlite3, sys, time
from pathlib import Path
db, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(db, timeout=10, isolation_level=None)
n = 0
while not stop.exists():
    conn.execute("BEGIN IMMEDIATE")
    for _ in range(2):
        conn.execute("INSERT INTO audit_log(at, action, allowed, detail) VALUES"
                     " ('2026-03-02T00:00:00+00:00', 'pair', 1, ?)", (str(n),))
    conn.execute("COMMIT")
    n += 1
    if n == 1:
        print("started", flush=True)
print(n, flush=True)
"""


def command(folder: Path, *args: str) -> Result:
    done = subprocess.run([sys.executable, "-m", "bot", *args, "--config",
                           str(folder / "config.toml")], cwd=folder, env=clean_env(),
                          capture_output=True, text=True, encoding="utf-8",
                          timeout=HANG_GUARD_S, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.mark.slow
def test_a_backup_made_while_another_process_writes_is_restorable(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert frontline(tmp_path, "init", "--config", str(config), "--org", "Org").code == 0
    db = db_path(tmp_path)
    with closing(sqlite3.connect(db)) as conn:  # several steps of the copy (4 MiB each)
        conn.executemany("INSERT INTO audit_log(at, action, allowed, detail) VALUES"
                         " ('2026-03-02T00:00:00+00:00', 'seed', 1, ?)",
                         [("x" * 500,) for _ in range(30_000)])
        conn.commit()
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "started"
        backup = command(tmp_path, "backup", "copy.db")
    finally:
        stop.touch()
        out, _ = writer.communicate(timeout=HANG_GUARD_S)
    assert backup.code == 0, backup
    copy = tmp_path / "copy.db"
    assert sql(copy, "PRAGMA integrity_check") == [("ok",)]
    pairs = sql(copy, "SELECT detail, count(*) FROM audit_log WHERE action = 'pair'"
                      " GROUP BY detail")
    assert {n for _, n in pairs} == {2}  # one snapshot: no pair cut in half
    assert int(out.strip()) >= len(pairs) > 0  # it wrote before and during the copy
    restored = command(tmp_path, "restore", "copy.db")
    assert restored.code == 0, restored
    assert restored.out.startswith(f"restored {db} from copy.db")
    assert sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert len(sql(db, "SELECT 1 FROM audit_log WHERE action = 'pair'")) == 2 * len(pairs)
    assert command(tmp_path, "branch", "list").code == 0
