"""`frontline run` talks to the Bot API server at `[telegram] base_url`.

A tiny Bot API server on 127.0.0.1 (tests/slow/fake_bot_api.py) answers just enough for the real
`run_polling` to start, receive one `/start` and answer it; then the bot is stopped with
SIGINT as a person would.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slow.fake_bot_api import (
    TOKEN,
    FakeBotApi,
    clean_env,
    serve,
    start_frontline,
    stop,
    write_config,
)

# Bounds on waiting for the child process: safety nets, not assertions about speed.
REPLY_WAIT_S = 20.0
EXIT_WAIT_S = 20.0


@pytest.fixture
def bot_api() -> Iterator[tuple[FakeBotApi, str]]:
    """The fake Bot API server on a free port of 127.0.0.1, and its root URL."""
    api = FakeBotApi()
    with serve(api) as root:
        yield api, root


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="stops the bot with SIGINT")
@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_run_polls_and_answers_through_base_url(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str], verbose: bool
) -> None:
    """Also: nothing it prints shows the token, not even its debug log (`-v`)."""
    api, root = bot_api
    config = write_config(tmp_path, root)
    made = subprocess.run([sys.executable, "-m", "bot", "init", "--config", str(config),
                           "--org", "Org"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=EXIT_WAIT_S, check=False)
    assert made.returncode == 0, made
    with (tmp_path / "run.log").open("w+", encoding="utf-8") as log:
        proc = start_frontline(tmp_path, "run", "--config", str(config),
                               *(["-v"] if verbose else []), log=log)
        try:
            deadline = time.monotonic() + REPLY_WAIT_S
            while not api.answered.wait(0.1):
                if proc.poll() is not None or time.monotonic() > deadline:
                    break
            assert api.answered.is_set(), (
                f"no how-to-join answer to chat 42; exit code {proc.poll()}; "
                f"calls {api.paths()}; log:\n{(tmp_path / 'run.log').read_text()}")
            proc.send_signal(signal.SIGINT)
            code = proc.wait(EXIT_WAIT_S)
        finally:
            stop(proc, EXIT_WAIT_S)
    output = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert code == 0, output
    assert "Traceback" not in output
    assert TOKEN not in output
    assert TOKEN.partition(":")[2] not in output
    if verbose:  # PTB logged its Bot API URL, without the token
        assert f"{root}/bot<token>" in output, output
    paths = api.paths()
    assert f"/bot{TOKEN}/getMe" in paths
    assert f"/bot{TOKEN}/getUpdates" in paths
    assert all(path.startswith(f"/bot{TOKEN}/") for path in paths), paths
    texts = api.sent_to(42)
    assert any("invite link" in text for text in texts), texts
    assert (tmp_path / "frontline.db").is_file()  # relative to the config file
