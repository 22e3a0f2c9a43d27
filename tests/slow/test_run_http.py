"""`frontline run` with its HTTP server, as a real process against the fake Bot API
(tests/slow/fake_bot_api.py), over real HTTP on the loopback: the webhook (its secret, a
body that is not an update, setWebhook at start and deleteWebhook at a clean stop),
/healthz, /readyz turning red while another program holds the database's write lock, and
/metrics; SIGTERM in the middle of a broadcast (exit 0 within 10 s, every member gets the
message exactly once across the restart); a port in use is one line.
tests/e2e/ops_http/ covers the same app in-process, and the states that need a clock."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.runtime.http import SECRET_HEADER
from storage.rows import NewMessage
from storage.store import Store
from tests.e2e.ops_http.test_http import rows, sample
from tests.slow.fake_bot_api import (
    TOKEN,
    FakeBotApi,
    serve,
    start_frontline,
    start_update,
    stop,
)
from tests.slow.test_startup import WAIT_S, frontline, init, lines, wait_until

SECRET = "s3cret_Webhook-Token"
PUBLIC = "https://bot.example.org"
STOP_WITHIN_S = 10.0  # the promise for SIGTERM, mid-broadcast included
FIRST = 100_000  # the broadcast's recipients: FIRST, FIRST + 1, ...


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on (now)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
        return port


def webhook_sections(port: int) -> str:
    return (f'[webhook]\nurl = "{PUBLIC}"\npath = "/tg"\nlisten = "127.0.0.1"\nport = {port}\n'
            f'secret_token = "{SECRET}"\nremove_on_stop = true\n')


def until(done: Callable[[], object], proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (polling) until `done()` is true while `proc` runs."""
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert proc.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
        time.sleep(0.05)


def answers(url: str) -> bool:
    """True once `url` answers 200."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop_with_sigterm(proc: subprocess.Popen[bytes], log: Path) -> float:
    """SIGTERM; asserts exit code 0; returns the seconds it took."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(WAIT_S)
    took = time.monotonic() - started
    assert code == 0, log.read_text(encoding="utf-8")
    return took


# --- the webhook ------------------------------------------------------------------------------


@pytest.mark.slow
def test_webhook_mode_over_real_http(tmp_path: Path) -> None:
    api = FakeBotApi()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "run.log"
    with serve(api) as root:
        config = init(tmp_path, root, telegram='updates = "webhook"\n',
                      sections=webhook_sections(port))
        db = tmp_path / "frontline.db"
        with log.open("w", encoding="utf-8") as out:
            # -v: debug logging, where PTB shows each call's parameters (the secret's too).
            proc = start_frontline(tmp_path, "run", "--config", str(config), "-v", log=out)
            try:
                until(lambda: api.params_of("setWebhook"), proc, log)
                until(lambda: answers(f"{base}/healthz"), proc, log)
                (params,) = api.params_of("setWebhook")
                assert params["url"] == f"{PUBLIC}/tg"
                assert params["secret_token"] == SECRET
                assert params["max_connections"] == "40"
                assert {"message", "callback_query", "my_chat_member", "chat_member"} <= set(
                    re.findall(r'"(\w+)"', params["allowed_updates"]))
                assert params.get("drop_pending_updates") in (None, "false", "False")

                before = rows(db)
                for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
                    refused = httpx.post(f"{base}/tg", json=start_update(), headers=headers)
                    assert refused.status_code == 403
                bad = httpx.post(f"{base}/tg", content=b'{"update_id": ',
                                 headers={SECRET_HEADER: SECRET,
                                          "Content-Type": "application/json"})
                assert bad.status_code == 400
                assert rows(db) == before
                assert api.sent_to(42) == []

                ok = httpx.post(f"{base}/tg", json=start_update(),
                                headers={SECRET_HEADER: SECRET})
                assert (ok.status_code, ok.content) == (200, b"")
                wait_until(api.answered, proc, log)

                metrics = httpx.get(f"{base}/metrics")
                assert metrics.headers["content-type"].startswith("text/plain")
                text = metrics.text
                assert sample(text, "frontline_webhook_requests_total", result="forbidden") == 3
                assert sample(text, "frontline_webhook_requests_total", result="bad") == 1
                assert sample(text, "frontline_webhook_requests_total", result="ok") == 1
                assert sample(text, "frontline_updates_handled_total", kind="message") == 1
                assert sample(text, "frontline_messages_total", kind="reply",
                              outcome="sent") == 1

                ready = httpx.get(f"{base}/readyz")
                assert ready.status_code == 200, ready.text
                assert ready.json()["ready"] is True
                # Another program holds the write lock (a long writer): not ready.
                with closing(sqlite3.connect(db, isolation_level=None)) as holder:
                    holder.execute("BEGIN IMMEDIATE")
                    locked = httpx.get(f"{base}/readyz", timeout=10)
                    assert locked.status_code == 503
                    database = locked.json()["checks"]["database"]
                    assert database["ok"] is False
                    assert database["detail"].startswith("cannot take the write lock within")
                    assert answers(f"{base}/healthz")  # alive all the same
                    holder.execute("ROLLBACK")
                assert httpx.get(f"{base}/readyz").status_code == 200
                assert stop_with_sigterm(proc, log) < STOP_WITHIN_S
            finally:
                stop(proc, WAIT_S)
    paths = [path.rpartition("/")[2] for path in api.paths()]
    assert "getUpdates" not in paths
    assert paths.index("deleteWebhook") > paths.index("setWebhook")  # remove_on_stop
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    assert SECRET not in output and TOKEN not in output
    assert f"webhook at {PUBLIC}/tg" in output


@pytest.mark.slow
def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    api = FakeBotApi()
    with serve(api) as root, socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        config = init(tmp_path, root, sections=f'[http]\nport = {port}\n')
        code, output, _ = frontline(tmp_path, "run", "--config", str(config))
    assert code == 1, output
    assert lines(output) == [
        f"frontline: cannot listen on 127.0.0.1:{port} (Address already in use); check "
        f"[http] listen and port in {config}"]
    assert api.paths() == []  # refused before any call to Telegram


# --- SIGTERM in the middle of a broadcast -------------------------------------------------------


async def _broadcast(db: Path, recipients: int) -> None:
    """A branch of `recipients` members and a broadcast to all of them, pending."""
    store = Store(db)
    await store.initialize()
    try:
        now = datetime.now(UTC)
        branch = await store.branches.create("Broadcast", None, at=now)
        ids = range(FIRST, FIRST + recipients)
        for user_id in ids:
            await store.people.save(user_id, f"U{user_id}", None, None, "en", at=now)
            await store.people.set_membership(user_id, branch, "member", at=now)
        await store.broadcasts.create(
            branch_id=branch, author_id=FIRST, scope="branch", body="stop", media_kind=None,
            media_file_id=None, to_groups=False, ack_required=False,
            messages=[NewMessage(chat_id=u, member_id=u, text=f"stop {u}") for u in ids],
            status_chat_id=None, status_message_id=None, at=now)
    finally:
        await store.shutdown()


@pytest.mark.slow
def test_sigterm_mid_broadcast_exits_0_and_each_member_gets_it_once(tmp_path: Path) -> None:
    """Polling with [http]; 200 members at 25 a second, each send answered after 0.2 s (so
    that some are in flight): SIGTERM after 40, exit 0 within 10 s; the restart sends the
    rest; nobody gets it twice."""
    recipients = 200
    api = FakeBotApi(send_delay_s=0.2)
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def received() -> Counter[int]:
        return Counter(int(p["chat_id"]) for p in api.params_of("sendMessage")
                       if int(p["chat_id"]) >= FIRST)

    with serve(api) as root:
        config = init(tmp_path, root, sections=f'[http]\nlisten = "127.0.0.1"\nport = {port}\n')
        db = tmp_path / "frontline.db"
        asyncio.run(_broadcast(db, recipients))
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        with logs[0].open("w", encoding="utf-8") as out:
            proc = start_frontline(tmp_path, "run", "--config", str(config), log=out)
            try:
                until(lambda: sum(received().values()) >= 40, proc, logs[0])
                text = httpx.get(f"{base}/metrics").text
                assert (sample(text, "frontline_outbox_messages", state="pending") or 0) > 0
                assert (sample(text, "frontline_messages_total", kind="broadcast",
                               outcome="sent") or 0) > 0
                assert answers(f"{base}/healthz")
                took = stop_with_sigterm(proc, logs[0])
            finally:
                stop(proc, WAIT_S)
        assert took < STOP_WITHIN_S
        first = received()
        assert 40 <= sum(first.values()) < recipients, "SIGTERM landed mid-broadcast"
        pending = sqlite3.connect(db).execute(
            "SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        assert pending == recipients - sum(first.values())  # every send recorded

        with logs[1].open("w", encoding="utf-8") as out:
            proc = start_frontline(tmp_path, "run", "--config", str(config), log=out)
            try:
                until(lambda: len(received()) == recipients, proc, logs[1])
                stop_with_sigterm(proc, logs[1])
            finally:
                stop(proc, WAIT_S)
    counts = received()
    assert set(counts) == set(range(FIRST, FIRST + recipients))
    assert set(counts.values()) == {1}, "nobody gets it twice"
    for log in logs:
        output = log.read_text(encoding="utf-8")
        assert "Traceback" not in output and " ERROR " not in output, output
        assert "outcomes not written" not in output


@pytest.mark.slow
def test_sigterm_while_telegram_does_not_answer_still_exits_0_within_10_s(
        tmp_path: Path) -> None:
    """The sends in flight never get an answer: each gives up at PTB's timeout (5 s), its
    attempt is recorded (the row stays pending, to be sent again), and the bot exits."""
    recipients = 50
    api = FakeBotApi(send_delay_s=0.2)
    with serve(api) as root:
        config = init(tmp_path, root)
        db = tmp_path / "frontline.db"
        asyncio.run(_broadcast(db, recipients))
        log = tmp_path / "run.log"
        with log.open("w", encoding="utf-8") as out:
            proc = start_frontline(tmp_path, "run", "--config", str(config), log=out)
            try:
                until(lambda: len(api.params_of("sendMessage")) >= 10, proc, log)
                api.send_delay_s = 20.0  # Telegram stops answering
                calls = len(api.params_of("sendMessage"))
                until(lambda: len(api.params_of("sendMessage")) > calls, proc, log)
                took = stop_with_sigterm(proc, log)
            finally:
                stop(proc, WAIT_S)
    assert took < STOP_WITHIN_S
    with closing(sqlite3.connect(db)) as conn:
        pending, tried = conn.execute(
            "SELECT count(*), sum(attempts > 0) FROM outbox WHERE state = 'pending'").fetchone()
    assert pending > 0 and tried >= 1  # the hung ones: tried once, to be sent again
    assert "Traceback" not in log.read_text(encoding="utf-8")
