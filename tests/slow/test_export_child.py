"""The export's child process never outlives what it was for: a build that runs too long is
killed and answered; one under way when the bot stops is killed at once and answered (the
shutdown is not held for the rest of it); and a child whose bot died, even by SIGKILL, ends
on its own. Real processes and real waits (a second or so each)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.rules.export import process
from handlers.reports.export import pending
from storage.store import Store
from tests.e2e.export import children
from tests.e2e.export.test_build_process import appears, left_in, stand_in, temporary
from tests.helpers import ROOT, SEC_A, build_org, make_bot, t

__all__ = ["temporary"]  # the fixture


def gone(pid: int, seconds: float = 20.0) -> bool:
    """True once the process has ended (a zombie waiting for its reaper counts as ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.02)
    return False


async def _export_failures(db: str) -> list[str]:
    store = Store(db)
    await store.initialize(create=False)
    try:
        return [json.loads(detail)["failed"] for _, _, action, _, _, detail
                in await store.audit.entries(limit=50) if action == "export"]
    finally:
        await store.shutdown()


@pytest.mark.parametrize("how", ["timeout", "stopping"])
async def test_a_build_cut_short_is_answered_and_its_child_killed(
        tmp_path: Path, temporary: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    stand_in(monkeypatch, f"hold:{gate}")
    if how == "timeout":
        monkeypatch.setattr(process, "TIMEOUT_S", 1.0)
    bot = make_bot()
    await bot.start()
    try:
        await build_org(bot)
        await bot.send(SEC_A, "/export")
        await asyncio.to_thread(appears, gate / "pid")
        pid = int((gate / "pid").read_text())
        if how == "timeout":
            await asyncio.gather(*pending(bot.app.bot_data))
    finally:
        await bot.stop()
    expected = "export.failed" if how == "timeout" else "export.interrupted"
    assert bot.sandbox.last(SEC_A).plain == t(expected)
    assert bot.sandbox.calls_of("sendDocument") == []
    assert await asyncio.to_thread(gone, pid)
    assert left_in(temporary) == []
    reason = "took longer than 1 s" if how == "timeout" else "the bot is stopping"
    assert await _export_failures(str(bot.config.storage.path)) == [reason]


async def test_a_child_whose_bot_was_killed_ends(tmp_path: Path) -> None:
    """...and removes the file it was writing, which its bot can no longer remove."""
    db = tmp_path / "f.db"
    store = Store(db)
    await store.initialize()
    await store.shutdown()
    gate, temporary = tmp_path / "gate", tmp_path / "tmp"
    gate.mkdir()
    temporary.mkdir()
    driver = subprocess.Popen(  # noqa: ASYNC220 (a test's driver, started once)
        [sys.executable, "-m", "tests.slow.export_orphan_driver", str(db)], cwd=ROOT,
        env={**os.environ, children.MODE: f"hold:{gate}", "TMPDIR": str(temporary)})
    try:
        await asyncio.to_thread(appears, gate / "pid")
        pid = int((gate / "pid").read_text())
        assert len(left_in(temporary)) == 1
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    assert await asyncio.to_thread(gone, pid)
    assert left_in(temporary) == []
