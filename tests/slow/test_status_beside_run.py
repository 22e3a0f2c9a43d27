"""`frontline status` as a real process while `frontline run` (another real process) polls a
fake Bot API and answers a /start: it reads beside the bot (exit 0, the bot named as the
holder), and the bot, logging JSON lines at debug level, writes nothing but JSON objects,
the update's lines carrying its id, without the token."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.slow.fake_bot_api import (
    START_UPDATE_ID,
    TOKEN,
    FakeBotApi,
    clean_env,
    serve,
    start_frontline,
    stop,
    write_config,
)

WAIT_S = 20.0  # safety nets against a hanging child, not assertions about speed


def frontline_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=WAIT_S, check=False)


@pytest.mark.skipif(sys.platform == "win32", reason="stops the bot with SIGINT")
def test_status_beside_a_running_bot_that_logs_json(tmp_path: Path) -> None:
    api = FakeBotApi()
    with serve(api) as root:
        config = write_config(tmp_path, root)
        config.write_text(config.read_text(encoding="utf-8")
                          + '\n[logging]\nformat = "json"\n', encoding="utf-8")
        made = frontline_process(tmp_path, "init", "--config", str(config), "--org", "Org")
        assert made.returncode == 0, made
        with (tmp_path / "run.log").open("w+", encoding="utf-8") as log:
            proc = start_frontline(tmp_path, "run", "--config", str(config), "-v", log=log)
            try:
                deadline = time.monotonic() + WAIT_S
                while not api.answered.wait(0.1):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        break
                assert api.answered.is_set(), (tmp_path / "run.log").read_text()
                status = frontline_process(tmp_path, "status", "--config", str(config))
                assert status.returncode == 0, status
                assert f"bot: held by pid {proc.pid} " in status.stdout
                assert "(frontline run)" in status.stdout
                assert status.stdout.rstrip().endswith("verdict: healthy")
                proc.send_signal(signal.SIGINT)
                code = proc.wait(WAIT_S)
            finally:
                stop(proc, WAIT_S)
    output = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert code == 0, output
    assert TOKEN not in output and TOKEN.partition(":")[2] not in output
    records = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    assert any(r["message"].startswith("Frontline is starting") for r in records)
    answering = [r for r in records if r.get("update_id") == START_UPDATE_ID]
    assert any(r["message"] == f"Processing update <update {START_UPDATE_ID}>"
               for r in answering)
    assert any(r["message"] == "Calling Bot API endpoint `sendMessage` with parameters "
               "`<hidden>`" for r in answering)
