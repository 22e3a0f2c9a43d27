"""A tiny Bot API server on 127.0.0.1 for tests that run `frontline run` as a real process.

It answers just enough for the real `run_polling` to start, deliver one `/start` and answer
it; it can also reject the token (401 on getMe) or answer 409 Conflict to getUpdates, as
Telegram does when another process polls with the same token. It keeps the webhook that
setWebhook sets (deleteWebhook removes it, getWebhookInfo tells it, with a delivery error
when told), and can take its time over each sendMessage (`send_delay_s`), so that messages
are in flight when a test stops the bot. `silent_server` accepts
connections and never answers; `closed_port` is a port where nothing listens.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Frontline", "username": "local_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
USER = {"id": 42, "is_bot": False, "first_name": "Ada", "language_code": "en"}
START_UPDATE_ID = 700_001
MAX_LONG_POLL_S = 1.0
CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running")


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
    """What the fake server saw, the one update it still has to deliver, and its faults."""

    reject_token: bool = False  # getMe answers 401 Unauthorized
    conflict: bool = False  # getUpdates answers 409 Conflict
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: threading.Event = field(default_factory=threading.Event)
    polled: threading.Event = field(default_factory=threading.Event)
    next_message_id: int = 100
    send_delay_s: float = 0.0  # each sendMessage is answered after this
    webhook_url: str = ""  # set by setWebhook, cleared by deleteWebhook
    webhook_error: tuple[int, str] | None = None  # getWebhookInfo's last error (date, words)

    def paths(self) -> list[str]:
        """The request paths, in order."""
        with self.lock:
            return [path for path, _ in self.calls]

    def sent_to(self, chat_id: int) -> list[str]:
        """Texts of sendMessage calls to a chat."""
        with self.lock:
            return [str(p.get("text", "")) for path, p in self.calls
                    if path.endswith("/sendMessage") and str(p.get("chat_id")) == str(chat_id)]

    def params_of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of each call of a method, in order."""
        with self.lock:
            return [p for path, p in self.calls if path.endswith(f"/{method}")]

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The Bot API's answer to one call."""
        with self.lock:
            self.calls.append((path, params))
        prefix = f"/bot{TOKEN}/"
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix):]
        if method == "getMe":
            if self.reject_token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return 200, {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            self.polled.set()
            if self.conflict:
                return 409, {"ok": False, "error_code": 409, "description": CONFLICT}
            offset = int(params.get("offset") or 0)
            if offset <= START_UPDATE_ID:
                return 200, {"ok": True, "result": [start_update()]}
            time.sleep(min(float(params.get("timeout") or 0), MAX_LONG_POLL_S))
            return 200, {"ok": True, "result": []}
        if method == "setWebhook":
            self.webhook_url = str(params["url"])
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "deleteWebhook":
            self.webhook_url = ""
            return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}
        if method == "getWebhookInfo":
            info: dict[str, Any] = {"url": self.webhook_url, "has_custom_certificate": False,
                                    "pending_update_count": 0}
            if self.webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_error
            return 200, {"ok": True, "result": info}
        if method == "sendMessage":
            if self.send_delay_s:
                time.sleep(self.send_delay_s)
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
        # setMyCommands, answerCallbackQuery, ...: nothing to model.
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


@contextmanager
def serve(api: FakeBotApi) -> Iterator[str]:
    """Serve `api` on a free port of 127.0.0.1; yields its root URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections (the kernel does, from its backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def closed_port() -> str:
    """The root URL of a port of 127.0.0.1 where nothing listens (connection refused)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def write_config(folder: Path, base_url: str, *, db: str = "frontline.db",
                 name: str = "config.toml", token: str | None = TOKEN, telegram: str = "",
                 sections: str = "") -> Path:
    """A config for `base_url`, the database `db` (relative to the config) and `token`;
    `telegram`: more lines of [telegram], `sections`: more sections."""
    token_line = f'token = "{token}"\n' if token is not None else ""
    path = folder / name
    path.write_text(f'[telegram]\n{token_line}base_url = "{base_url}"\n{telegram}\n'
                    f'[storage]\npath = "{db}"\n\n{sections}', encoding="utf-8")
    return path


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus anything Frontline reads, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTLINE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def start_frontline(cwd: Path, *args: str, log: IO[str],
                    env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m bot ARGS` in `cwd`, its stdout and stderr both into `log`."""
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd,
                            env=clean_env(env), stdout=log, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes], wait_s: float) -> None:
    """Make sure `proc` is gone (killed if it is still running)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(wait_s)
