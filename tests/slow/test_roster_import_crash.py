"""A SIGKILL in the middle of a 100,000-person roster import confirmed in chat: after the
restart the roster holds every person (killed once the import was decided) or none of them
(killed while staging), never a part; the secretary was told nothing before that.

The bot runs in a child process (tests/slow/roster_crash_child.py) that stops, between two
committed pieces of the import, at the point asked for, and is killed there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Config
from bot.sandbox.harness import SandboxBot
from tests.slow.roster_crash_child import PEOPLE
from tests.slow.test_import_crash import kill_when_stopped, query

CHILD = Path(__file__).with_name("roster_crash_child.py")


def _told_done(log: Path) -> bool:
    """Whether the child printed the import's "imported" answer before it was killed."""
    return "imported from roster.csv" in log.with_suffix(".out").read_text(encoding="utf-8")


@pytest.mark.slow
async def test_killed_while_applying_the_roster_is_finished_on_restart(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.db", tmp_path / "kill.log"
    said = kill_when_stopped(db, log, "apply", CHILD)
    assert said.startswith("apply: roster import #1:"), said
    assert "100000 rows" in log.with_suffix(".out").read_text(encoding="utf-8")  # the preview
    ((people,),) = query(db, "SELECT count(*) FROM roster")
    ((state, applied, staged),) = query(db, "SELECT state, applied, staged FROM roster_imports")
    assert (state, staged) == ("applying", PEOPLE) and 0 < people == applied < PEOPLE
    assert not query(db, "SELECT 1 FROM audit_log WHERE action = 'roster_import'")

    async with SandboxBot(Config(), db_path=db) as bot:  # the restart
        store = bot.store
        counts = await store.roster.waiting_counts(1)
        assert sum(counts.values()) == PEOPLE and counts[2] == PEOPLE // 10
        assert await store.db.fetchall(
            "SELECT count(DISTINCT phone), count(*) FROM roster") == [(PEOPLE, PEOPLE)]
        assert await store.db.fetchall("SELECT state FROM roster_imports") == [("done",)]
        assert await store.db.fetchall("SELECT count(*) FROM roster_import_rows") == [(0,)]
        (entry, *more) = [e for e in await store.audit.entries() if e[2] == "roster_import"]
        detail = json.loads(entry[5])
        assert not more and detail["recovered"] and detail["new"] == PEOPLE
    assert not _told_done(log)


@pytest.mark.slow
async def test_killed_while_staging_the_roster_leaves_nothing(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.db", tmp_path / "kill.log"
    said = kill_when_stopped(db, log, "stage", CHILD)
    assert said.startswith("stage: roster import #1:"), said
    assert query(db, "SELECT state FROM roster_imports") == [("staging",)]
    ((staged,),) = query(db, "SELECT count(*) FROM roster_import_rows")
    assert 0 < staged < PEOPLE
    assert query(db, "SELECT count(*) FROM roster") == [(0,)]

    async with SandboxBot(Config(), db_path=db) as bot:  # the restart
        store = bot.store
        assert await store.roster.waiting(1) == []
        assert await store.db.fetchall("SELECT count(*) FROM roster_imports") == [(0,)]
        assert await store.db.fetchall("SELECT count(*) FROM roster_import_rows") == [(0,)]
        assert not [e for e in await store.audit.entries() if e[2] == "roster_import"]
    assert not _told_done(log)
