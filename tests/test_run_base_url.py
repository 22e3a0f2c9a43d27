"""`frontline run` talks to the Bot API server at `[telegram] base_url`.

A tiny Bot API server on 127.0.0.1 answers just enough for the real `run_polling` to start,
receive one `/start` and answer it; then the bot is stopped with SIGINT as a person would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Frontline", "username": "local_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
USER = {"id": 42, "is_bot": False, "first_name": "Ada", "language_code": "en"}
START_UPDATE_ID = 700_001
# Bounds on waiting for the child process: safety nets, not assertions about speed.
REPLY_WAIT_S = 20.0
EXIT_WAIT_S = 20.0
MAX_LONG_POLL_S = 1.0


def start_update() -> dict[str, Any]:
    """A private `/start` from user 42, as Telegram sends it."""
    return {
        "update_id": START_UPDATE_ID,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 42, "type": "private", "first_name": "Ada"},
            "from": USER,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """The call's parameters, however PTB encoded them (form, multipart or JSON)."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        loaded: dict[str, Any] = json.loads(body)
        return loaded
    if kind == "application/x-www-form-urlencoded":
        return {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    if kind == "multipart/form-data":
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        assert match, content_type
        params: dict[str, Any] = {}
        for part in body.split(b"--" + match.group(1).encode()):
            head, sep, value = part.partition(b"\r\n\r\n")
            name = re.search(rb'name="([^"]*)"', head)
            if sep and name:
                params[name.group(1).decode()] = value.removesuffix(b"\r\n").decode()
        return params
    raise AssertionError(f"unexpected Content-Type {content_type!r}")


@dataclass
class FakeBotApi:
    """What the fake server saw, and the one update it still has to deliver."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: threading.Event = field(default_factory=threading.Event)
    next_message_id: int = 100

    def paths(self) -> list[str]:
        """The request paths, in order."""
        with self.lock:
            return [path for path, _ in self.calls]

    def sent_to(self, chat_id: int) -> list[str]:
        """Texts of sendMessage calls to a chat."""
        with self.lock:
            return [str(p.get("text", "")) for path, p in self.calls
                    if path.endswith("/sendMessage") and str(p.get("chat_id")) == str(chat_id)]

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The Bot API's answer to one call."""
        with self.lock:
            self.calls.append((path, params))
        prefix = f"/bot{TOKEN}/"
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix):]
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            if offset <= START_UPDATE_ID:
                return 200, {"ok": True, "result": [start_update()]}
            time.sleep(min(float(params.get("timeout") or 0), MAX_LONG_POLL_S))
            return 200, {"ok": True, "result": []}
        if method == "sendMessage":
            with self.lock:
                self.next_message_id += 1
                message_id = self.next_message_id
            chat_id = int(params["chat_id"])
            text = str(params.get("text", ""))
            if chat_id == 42 and "invite link" in text:
                self.answered.set()
            return 200, {"ok": True, "result": {
                "message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Ada"},
                "from": BOT_USER, "text": re.sub(r"<[^>]*>", "", text)}}
        # deleteWebhook, setMyCommands, answerCallbackQuery, ...: nothing to model.
        return 200, {"ok": True, "result": True}


def make_handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `api`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            params = parse_body(self.headers.get("Content-Type", ""), body)
            status, payload = api.answer(self.path, params)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot stopped during a long poll and hung up: nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep the test output clean

    return Handler


@pytest.fixture
def bot_api() -> Iterator[tuple[FakeBotApi, str]]:
    """The fake Bot API server on a free port of 127.0.0.1, and its root URL."""
    api = FakeBotApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.skipif(sys.platform == "win32", reason="stops the bot with SIGINT")
def test_run_polls_and_answers_through_base_url(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str]
) -> None:
    api, root = bot_api
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{root}"\n\n'
        '[storage]\npath = "frontline.db"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTLINE_")}
    log = (tmp_path / "run.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)], cwd=tmp_path, env=env,
        stdout=log, stderr=subprocess.STDOUT)
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
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    output = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert code == 0, output
    assert "Traceback" not in output
    paths = api.paths()
    assert f"/bot{TOKEN}/getMe" in paths
    assert f"/bot{TOKEN}/getUpdates" in paths
    assert all(path.startswith(f"/bot{TOKEN}/") for path in paths), paths
    texts = api.sent_to(42)
    assert any("invite link" in text for text in texts), texts
    assert (tmp_path / "frontline.db").is_file()  # relative to the config file
