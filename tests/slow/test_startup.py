"""`frontline run` under real conditions: one bot per database, a bad token, no network, a
server that never answers, another poller (409): each is one line, and the token is never
shown. Most of these run `frontline run` as a real process against tests/slow/fake_bot_api.py.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import TOKEN_ENV, load_config
from bot.runtime.app import (
    CONFLICTS_TO_STOP,
)
from bot.runtime.instance import lock_path
from storage.store import Store
from tests.slow.fake_bot_api import (
    TOKEN,
    FakeBotApi,
    clean_env,
    closed_port,
    serve,
    silent_server,
    start_frontline,
    stop,
    write_config,
)

SECRET = TOKEN.partition(":")[2]
# Safety nets against a hanging child, not assertions about speed.
WAIT_S = 30.0
# A start-up failure must be reported within this (PTB's 5 s per call, and some slack).
GIVE_UP_S = 20.0


def frontline(cwd: Path, *args: str, env: dict[str, str] | None = None,
              ) -> tuple[int, str, float]:
    """Run `python -m bot ARGS` to its end: exit code, stdout and stderr together, seconds."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=clean_env(env),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          encoding="utf-8", timeout=WAIT_S + GIVE_UP_S, check=False)
    return proc.returncode, proc.stdout, time.monotonic() - started


def lines(output: str) -> list[str]:
    """The non-empty lines of an output."""
    return [line for line in output.splitlines() if line.strip()]


def init(folder: Path, base_url: str, **kwargs: Any) -> Path:
    """A config for `base_url` and its database, with a root branch; returns the config."""
    config = write_config(folder, base_url, **kwargs)
    asyncio.run(_create(load_config(config, environ={}).storage.path))
    return config


async def _create(path: Path) -> None:
    store = Store(path)
    await store.initialize(create=True)
    try:
        await store.branches.create("Org", None, at=datetime.now(UTC))
    finally:
        await store.shutdown()


def wait_until(event: threading.Event, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for `event` while `proc` runs."""
    deadline = time.monotonic() + WAIT_S
    while not event.wait(0.1):
        assert proc.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")


# --- start-up failures: one line, never the token ---------------------------------------------


@pytest.fixture(params=["rejected", "refused", "silent"])
def failing_api(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, int, str]]:
    """A Bot API that fails at start: (case, root URL, expected exit code, words to expect)."""
    case = request.param
    if case == "rejected":
        with serve(FakeBotApi(reject_token=True)) as root:
            yield case, root, 2, "rejected the token (Unauthorized)"
    elif case == "refused":
        yield case, closed_port(), 1, "cannot reach the Bot API server at"
    else:
        with silent_server() as root:
            yield case, root, 1, "did not answer within 5 s"


@pytest.mark.slow
def test_start_up_failure_is_one_line_without_the_token(
    tmp_path: Path, failing_api: tuple[str, str, int, str]
) -> None:
    """Quiet, the output is that one line; with -v (debug log) it ends with it."""
    case, root, expected_code, words = failing_api
    configs: dict[tuple[str, ...], Path] = {}
    for verbose in ((), ("-v",)):  # side by side, each on its own database
        folder = tmp_path / ("verbose" if verbose else "quiet")
        folder.mkdir()
        configs[verbose] = init(folder, root)
    started = time.monotonic()
    runs = {verbose: subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config), *verbose],
        cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, encoding="utf-8") for verbose, config in configs.items()}
    try:
        outputs = {verbose: proc.communicate(timeout=WAIT_S)[0]
                   for verbose, proc in runs.items()}
    finally:
        for proc in runs.values():
            stop(proc, WAIT_S)
    took = time.monotonic() - started
    assert took < GIVE_UP_S, (took, outputs)
    for verbose, output in outputs.items():
        assert runs[verbose].returncode == expected_code, output
        assert TOKEN not in output
        assert SECRET not in output
        assert "Traceback" not in output
        last = lines(output)[-1]
        assert last.startswith("frontline: "), output
        assert words in last, output
        key = "token" if case == "rejected" else "base_url"
        assert f"[telegram] {key} in {configs[verbose]}" in last
        assert root in last  # which server, without the token
        if not verbose:
            assert len(lines(output)) == 1, output


@pytest.mark.slow
def test_rejected_token_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    with serve(FakeBotApi(reject_token=True)) as root:
        config = init(tmp_path, root, token=None)
        code, output, _ = frontline(tmp_path, "run", "--config", str(config),
                                    env={TOKEN_ENV: TOKEN})
    assert code == 2, output
    assert lines(output) == [
        f"frontline: the Bot API server at {root} rejected the token (Unauthorized); "
        f"check {TOKEN_ENV} (it replaces [telegram] token in {config})"]


# --- one bot per database ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="flock and SIGKILL")
def test_a_second_bot_on_the_same_database_is_refused_until_the_first_is_gone(
    tmp_path: Path,
) -> None:
    api = FakeBotApi()
    tmp_path = tmp_path.resolve()
    first_dir, other_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir()
    other_dir.mkdir()
    with serve(api) as root:
        config = init(first_dir, root)
        # Another config file, in another folder, reaching the same file by a relative path.
        other = write_config(other_dir, root, db="../a/frontline.db", name="other.toml")
        log = tmp_path / "first.log"
        with log.open("w", encoding="utf-8") as out:
            first = start_frontline(first_dir, "run", "--config", str(config), log=out)
            try:
                wait_until(api.polled, first, log)
                before = len(api.paths())
                for command in ("run", "migrate"):
                    code, output, took = frontline(other_dir, command, "--config", str(other))
                    assert code == 2, output
                    assert lines(output) == [
                        f"frontline: {first_dir / 'frontline.db'} is in use by pid "
                        f"{first.pid} on {socket.gethostname()} since {_since(output)} "
                        "(frontline run); stop it first (one bot per database)"], output
                    assert took < WAIT_S
                assert not [p for p in api.paths()[before:] if p.endswith("/getMe")]

                first.send_signal(signal.SIGKILL)  # no clean-up at all
                first.wait(WAIT_S)
                api.polled.clear()
                with (tmp_path / "second.log").open("w", encoding="utf-8") as out2:
                    second = start_frontline(other_dir, "run", "--config", str(other),
                                             log=out2)
                    try:
                        wait_until(api.polled, second, tmp_path / "second.log")
                        second.send_signal(signal.SIGINT)
                        assert second.wait(WAIT_S) == 0
                    finally:
                        stop(second, WAIT_S)
            finally:
                stop(first, WAIT_S)
    holder = json.loads(lock_path(first_dir / "frontline.db").read_text(encoding="utf-8"))
    assert holder["pid"] == second.pid  # the stale description was overwritten
    assert "Traceback" not in (tmp_path / "second.log").read_text(encoding="utf-8")


def _since(output: str) -> str:
    """The time in a refusal, checked to be an ISO time in the config's zone (Shanghai)."""
    since = output.split(" since ", 1)[1].split(" (", 1)[0]
    when = datetime.fromisoformat(since)
    offset = when.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 8 * 3600
    assert abs((datetime.now(UTC) - when).total_seconds()) < 2 * WAIT_S
    return since


# --- another process polling with the same token -----------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_another_poller_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    api = FakeBotApi(conflict=True)
    with serve(api) as root:
        config = init(tmp_path, root)
        code, output, took = frontline(tmp_path, "run", "--config", str(config))
    assert code == 2, output
    assert "Traceback" not in output
    assert " ERROR " not in output
    assert TOKEN not in output
    about = [line for line in lines(output) if "Conflict" in line]
    assert len(about) == 1, output
    assert about[0] == lines(output)[-1]
    assert about[0].startswith("frontline: stopped: Telegram answers getUpdates with")
    assert "another process is polling this bot's updates with the same token" in about[0]
    assert sum(path.endswith("/getUpdates") for path in api.paths()) >= CONFLICTS_TO_STOP
    assert took < WAIT_S
