"""The `frontline` command line as real processes (`python -m bot ...`), where the process
is the point: a lock another program holds past the busy timeout, the demo from start to
exit, a reader that closed the pipe. tests/e2e/cli/ runs the commands in this process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli.test_cli import HANG_GUARD_S, db_path, write_config
from tests.helpers import Result, clean_env, frontline, sql


@pytest.mark.slow
def test_a_database_another_program_holds_is_one_line(tmp_path: Path) -> None:
    """A write lock held for longer than the busy timeout (5 s): say so, exit 1."""
    wal, journal = tmp_path / "wal", tmp_path / "journal"
    for folder in (wal, journal):
        folder.mkdir()
        config = write_config(folder)
        result = frontline(folder, "init", "--config", str(config), "--org", "Org")
        assert result.code == 0, result
    holders = []
    for folder, mode in ((wal, "WAL"), (journal, "DELETE")):
        conn = sqlite3.connect(db_path(folder), isolation_level=None)
        conn.execute(f"PRAGMA journal_mode={mode}")
        conn.execute("BEGIN EXCLUSIVE")
        holders.append(conn)
    try:
        runs = [
            subprocess.Popen([sys.executable, "-m", "bot", *command, "--config",
                              str(folder / "config.toml")], cwd=folder, env=clean_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             encoding="utf-8")
            for folder, command in ((wal, ["branch", "add", "--parent", "1", "East"]),
                                    (journal, ["migrate"]))]
        results = []
        for proc in runs:
            out, err = proc.communicate(timeout=HANG_GUARD_S)
            results.append(Result(proc.returncode, out, err))
    finally:
        for conn in holders:
            conn.close()
    for result, folder in zip(results, (wal, journal), strict=True):
        assert result.code == 1, result
        assert "Traceback" not in result.err
        assert len(result.err_lines) == 1, result.err
        assert str(db_path(folder)) in result.err
        assert "another program held the database's lock" in result.err \
            or "another program holds the database's lock" in result.err, result.err
    assert sql(db_path(wal), "SELECT count(*) FROM branches") == [(1,)]


def test_demo_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    """`frontline demo | head -1`: the reader is gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "demo"], cwd=tmp_path, env=clean_env(),
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=HANG_GUARD_S,
            check=False)
    finally:
        os.close(write_end)
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_the_demo_as_a_process(tmp_path: Path) -> None:
    """`python -m bot demo`: the command's own wiring (argparse, logging kept quiet, the real
    event loop, exit code 0) from start to exit."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], cwd=tmp_path, env=clean_env(),
        capture_output=True, text=True, encoding="utf-8", timeout=HANG_GUARD_S, check=False)
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert result.code == 0, result
    assert "已报到" in result.out and "未报到" in result.out
    assert result.err == ""
    assert list(tmp_path.iterdir()) == []  # the demo's database is temporary
