"""deploy/healthcheck.py, the Docker image's HEALTHCHECK, against a real HTTP server on the
loopback: healthy only on 200 from /readyz, at the address the configuration gives."""

from __future__ import annotations

import importlib.util
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from tests.deployfiles import DEPLOY


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = _load()


class Readyz:
    """A server that answers every GET with `status` and `body`, and notes the paths asked."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b"ok"
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def readyz() -> Iterator[Readyz]:
    server = Readyz()
    thread = threading.Thread(target=server.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        thread.join()


def _config(tmp_path: Path, body: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text('[storage]\npath = "frontline.db"\n' + body, encoding="utf-8")
    return str(path)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_polling_asks_the_http_sections_address(
    tmp_path: Path, readyz: Readyz, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, f'[http]\nlisten = "127.0.0.1"\nport = {readyz.port}\n')
    assert healthcheck.main(["--config", config]) == 0
    assert readyz.paths == ["/readyz"]
    assert capsys.readouterr().out == f"http://127.0.0.1:{readyz.port}/readyz: 200\n"


def test_red_readyz_is_unhealthy_and_says_why(
    tmp_path: Path, readyz: Readyz, capsys: pytest.CaptureFixture[str]
) -> None:
    readyz.status, readyz.body = 503, b"outbox: stuck for 12 min"
    config = _config(tmp_path, f"[http]\nport = {readyz.port}\n")
    assert healthcheck.main(["--config", config]) == 1
    assert capsys.readouterr().out.endswith(": 503 outbox: stuck for 12 min\n")


def test_webhook_mode_asks_the_webhooks_server_on_the_loopback(
    tmp_path: Path, readyz: Readyz, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in the container: the bot listens on every address, the check asks 127.0.0.1; the
    # [http] section (used only in polling mode) points elsewhere.
    config = _config(tmp_path, '[telegram]\nupdates = "webhook"\n'
                     f'[webhook]\nurl = "https://bot.example.org"\nsecret_token = "s"\n'
                     f'listen = "0.0.0.0"\nport = {readyz.port}\n'
                     f"[http]\nport = {_closed_port()}\n")
    monkeypatch.setenv("FRONTLINE_CONFIG", config)  # as the image sets it
    assert healthcheck.main([]) == 0
    assert readyz.paths == ["/readyz"]


def test_no_answer_is_unhealthy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, f"[http]\nport = {_closed_port()}\n")
    assert healthcheck.main(["--config", config]) == 1
    assert "no answer" in capsys.readouterr().out


def test_polling_without_a_server_says_what_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert healthcheck.main(["--config", _config(tmp_path, "")]) == 1
    assert "add an [http] section" in capsys.readouterr().out


def test_a_broken_configuration_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert healthcheck.main(["--config", str(tmp_path / "missing.toml")]) == 1
    out = capsys.readouterr().out
    assert "cannot read the file" in out and out.count("\n") == 1


def test_ipv6_listen_addresses_are_bracketed() -> None:
    from bot.config import config_from_mapping

    config = config_from_mapping({"http": {"listen": "::", "port": 9000}})
    assert healthcheck.readyz_url(config) == "http://[::1]:9000/readyz"
