"""A SIGKILL in the middle of a 200,000-household import: after the restart the import is
complete (killed once decided) or entirely absent (killed while staging), never half; and an
acknowledgement confirmed during the import is still there.

The bot runs in a child process (tests/slow/import_crash_child.py) that stops, between two
committed pieces of the import, at the point asked for, and is killed there.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.sandbox.harness import SandboxBot
from tests.helpers import ROOT
from tests.slow.import_crash_child import MEMBERS, ROWS

CHILD = Path(__file__).with_name("import_crash_child.py")
TIMEOUT = 180.0


def kill_when_stopped(db: Path, log: Path, mode: str, script: Path = CHILD) -> str:
    """Run the child `script` until it says where it stopped, SIGKILL it; what it said."""
    out = log.with_suffix(".out")
    with out.open("wb") as sink:
        child = subprocess.Popen([sys.executable, str(script), str(db), str(log), mode],
                                 cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (log.exists() and log.read_text(encoding="utf-8").endswith("\n")):
            assert child.poll() is None, out.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "the child did not reach the point"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=TIMEOUT)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return log.read_text(encoding="utf-8")


def query(db: Path, sql: str) -> list[Any]:
    """Read the database as the kill left it, without recovering anything."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.slow
async def test_killed_while_applying_the_import_is_finished_and_the_ack_kept(
        tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    said = kill_when_stopped(db, tmp_path / "kill.log", "apply")
    assert said.startswith("apply: household import #1:"), said
    # Killed half-way: some households written, not all; the import decided, not done.
    ((homes,),) = query(db, "SELECT count(*) FROM households")
    ((state, applied, staged),) = query(
        db, "SELECT state, applied, staged FROM household_imports")
    assert (state, staged) == ("applying", ROWS) and 0 < homes == applied < ROWS
    assert query(db, "SELECT member_id FROM acks") == [(MEMBERS[0],)]

    async with SandboxBot(Config(), db_path=db) as bot:  # the restart
        store = bot.store
        zones = await store.zones.of_branch(1)
        assert len(zones) == 1000 and sum(z.households for z in zones) == ROWS
        record = await store.household_imports.get(1)
        assert record is not None and (record.state, record.created, record.updated) == (
            "done", ROWS, 0)
        assert await store.db.fetchall("SELECT count(*) FROM household_import_rows") == [(0,)]
        assert await store.db.fetchall("SELECT member_id FROM acks") == [(MEMBERS[0],)]
        recovered = [e for e in await store.audit.entries() if e[2] == "households_import"]
        assert len(recovered) == 1 and '"recovered": true' in (recovered[0][5] or "")


@pytest.mark.slow
async def test_killed_while_staging_the_import_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    said = kill_when_stopped(db, tmp_path / "kill.log", "stage")
    assert said.startswith("stage: household import #1:"), said
    assert query(db, "SELECT state FROM household_imports") == [("staging",)]
    ((staged,),) = query(db, "SELECT count(*) FROM household_import_rows")
    assert 0 < staged < ROWS
    assert query(db, "SELECT count(*) FROM households") == [(0,)]

    async with SandboxBot(Config(), db_path=db) as bot:  # the restart
        store = bot.store
        assert await store.zones.of_branch(1) == []
        assert await store.db.fetchall("SELECT count(*) FROM household_imports") == [(0,)]
        assert await store.db.fetchall("SELECT count(*) FROM household_import_rows") == [(0,)]
        assert not [e for e in await store.audit.entries() if e[2] == "households_import"]
