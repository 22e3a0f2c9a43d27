"""Nobody is told of a change before it is committed: SIGKILL at the moment they are told.

Each flow runs in a child process (tests/slow/crash_child.py) whose sandbox kills it the instant
the first text of the last step reaches the user; then the database is opened again here and
must hold what the user was told. The same with another process holding SQLite's write lock
while the last step is taken.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from storage.store import Store
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, ROOT, SEC_A1

pytestmark = pytest.mark.slow

CHILD = Path(__file__).with_name("crash_child.py")
TODAY = date(2026, 3, 2)


def run_child(db: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "tests.slow.crash_child", str(db), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout + done.stderr


def killed_when_told(db: Path, scenario: str, *extra: str) -> None:
    code, output = run_child(db, scenario, "act", *extra)
    assert code == -signal.SIGKILL and "told:" in output, output[-3000:]


async def opened(db: Path) -> Store:
    store = Store(db)
    await store.initialize(create=False)
    return store


@pytest.mark.parametrize("lock", [False, True], ids=["quiet", "locked-by-another-writer"])
async def test_a_checkin_confirmed_is_a_checkin_kept(tmp_path: Path, lock: bool) -> None:
    db = tmp_path / "f.db"
    killed_when_told(db, "checkin", *(["--lock-with-another-writer"] if lock else []))
    store = await opened(db)
    try:
        saved = await store.checkins.get(MEM_A1, TODAY)
        assert saved is not None and saved.status == "unwell"
    finally:
        await store.shutdown()


@pytest.mark.parametrize("lock", [False, True], ids=["quiet", "locked-by-another-writer"])
async def test_an_acknowledgement_thanked_for_is_kept(tmp_path: Path, lock: bool) -> None:
    db = tmp_path / "f.db"
    killed_when_told(db, "ack", *(["--lock-with-another-writer"] if lock else []))
    store = await opened(db)
    try:
        [row] = await store.broadcasts.recent(1, limit=1)
        assert (await store.broadcasts.counts(row.id)).acknowledged == 1
    finally:
        await store.shutdown()


async def test_a_need_confirmed_is_a_need_kept(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    killed_when_told(db, "need")
    store = await opened(db)
    try:
        assert await store.db.fetchone(
            "SELECT count(*) FROM needs WHERE reporter_id = ?", (MEM_A1,)) == (1,)
    finally:
        await store.shutdown()


@pytest.mark.parametrize("lock", [False, True], ids=["quiet", "locked-by-another-writer"])
async def test_a_broadcast_killed_right_after_send_is_delivered_after_restart(
        tmp_path: Path, lock: bool) -> None:
    db, log = tmp_path / "f.db", tmp_path / "delivered.log"
    killed_when_told(db, "broadcast", *(["--lock-with-another-writer"] if lock else []))
    code, output = run_child(db, "broadcast", "resume", str(log))
    assert code == 0 and "drained" in output, output[-3000:]
    delivered = Counter(int(line) for line in log.read_text().split())
    for member in (MEM_A1, MEM_A2, SEC_A1, MEM_A1X):
        assert delivered[member] >= 1, member
    store = await opened(db)
    try:
        [row] = await store.broadcasts.recent(1, limit=1)
        counts = await store.broadcasts.counts(row.id)
        assert (counts.sent, counts.pending) == (4, 0)
    finally:
        await store.shutdown()
