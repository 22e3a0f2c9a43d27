"""A crash mid-broadcast: SIGKILL the sending process, restart it, nothing is lost.

The bot runs in a child process (tests/slow/outbox_crash_child.py) with its own sandbox; each
delivery is logged to a file before the outbox hears of it, so the logs of both runs hold
every message that reached a recipient.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import ROOT

CHILD = Path(__file__).with_name("outbox_crash_child.py")
RECIPIENTS = 2000
FIRST = 100_000
RATE = 300  # messages/s: the kill lands well inside the run
KILL_AFTER = 500  # deliveries
TIMEOUT = 120.0

pytestmark = pytest.mark.slow


def lines(path: Path) -> list[str]:
    """The complete lines of a log (a line cut by the kill is not a delivery)."""
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="ascii").split("\n")[:-1] if line]


def start(db: Path, log: Path, latency_ms: int, *extra: str) -> subprocess.Popen[bytes]:
    """Start the child on the database, logging deliveries to `log`; output to `log`.out."""
    with log.with_suffix(".out").open("wb") as out:
        return subprocess.Popen(
            [sys.executable, str(CHILD), str(db), str(log), str(RECIPIENTS), str(RATE),
             str(latency_ms), *extra], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def output(log: Path) -> str:
    """The end of what the child printed."""
    return log.with_suffix(".out").read_text(encoding="utf-8", errors="replace")[-3000:]


@pytest.mark.parametrize("latency_ms", [0, 150])
def test_sigkill_mid_broadcast_loses_nothing_and_repeats_at_most_those_in_flight(
        tmp_path: Path, latency_ms: int) -> None:
    db, first_log, second_log = tmp_path / "bot.db", tmp_path / "one.log", tmp_path / "two.log"
    children: list[subprocess.Popen[bytes]] = []
    try:
        child = start(db, first_log, latency_ms, "--enqueue")
        children.append(child)
        deadline = time.monotonic() + TIMEOUT
        while len(lines(first_log)) < KILL_AFTER:
            assert child.poll() is None, output(first_log)
            assert time.monotonic() < deadline, "the first run did not get going"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=TIMEOUT)
        assert child.returncode == -signal.SIGKILL
        before = lines(first_log)
        assert KILL_AFTER <= len(before) < RECIPIENTS, "the kill landed mid-broadcast"

        child = start(db, second_log, latency_ms)
        children.append(child)
        child.wait(timeout=TIMEOUT)
        assert child.returncode == 0, output(second_log)
        assert "drained" in output(second_log)
    finally:
        for running in children:
            if running.poll() is None:
                running.kill()
                running.wait()
    after = lines(second_log)
    received = Counter(int(chat) for chat in before + after)
    assert set(received) == set(range(FIRST, FIRST + RECIPIENTS)), "every recipient got it"
    twice = [chat for chat, n in received.items() if n > 1]
    # What was in flight (taken, its outcome not yet written) may arrive twice: at most
    # max_in_flight messages, one second's worth at the configured rate.
    assert len(twice) <= RATE and all(received[chat] == 2 for chat in twice), twice
    assert not set(after) & set(before) - {str(chat) for chat in twice}
