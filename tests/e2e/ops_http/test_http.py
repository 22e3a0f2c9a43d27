"""The bot's HTTP server in this process: the Starlette app (`bot.runtime.http`) of a real
application on the sandbox, driven through httpx's ASGI transport. The webhook's secret,
/healthz, /readyz as the state changes (on the test's clock) and /metrics.
tests/slow/test_webhook.py runs the same over real HTTP in a real `frontline run`."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.clock import ManualClock
from bot.config import WebhookConfig
from bot.rules.health import STUCK_AFTER
from bot.runtime.http import SECRET_HEADER, asgi_app
from bot.sandbox.harness import SandboxBot
from storage.rows import NewMessage
from tests.helpers import make_bot, t

SECRET = "s3cret_TOKEN-1"
PATH = "/tg"
ADA = 4242
WEBHOOK = WebhookConfig(url="https://bot.example.org", path=PATH, secret_token=SECRET)


@pytest.fixture
async def running() -> AsyncIterator[SandboxBot]:
    """A started bot with the scheduler's minute job off (ticks come when a test says)."""
    async with make_bot() as bot:
        queue = bot.app.job_queue
        assert queue is not None
        for job in queue.get_jobs_by_name("tick"):
            job.enabled = False
        bot.user(ADA, "Ada", language_code="en")
        yield bot


@pytest.fixture
async def client(running: SandboxBot) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the bot's ASGI app, webhook route included."""
    app = asgi_app(running.app, webhook=WEBHOOK)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bot") as http:
        yield http


def start_update(update_id: int = 9001) -> dict[str, Any]:
    """A private /start from Ada, as Telegram posts it."""
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()),
        "chat": {"id": ADA, "type": "private", "first_name": "Ada"},
        "from": {"id": ADA, "is_bot": False, "first_name": "Ada", "language_code": "en"},
        "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def rows(path: Path) -> dict[str, int]:
    """The number of rows of every table of the database."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in tables}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the metrics' text (None if absent)."""
    shown = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = "^" + re.escape(f"{name}{{{shown}}}" if labels else name) + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


async def handled(bot: SandboxBot) -> None:
    """Wait until every update put on the queue was handled."""
    await asyncio.wait_for(bot.app.update_queue.join(), 5)


# --- the webhook ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]},
                                     {SECRET_HEADER: SECRET.upper()}, {SECRET_HEADER: ""}])
async def test_a_request_without_the_secret_is_refused_and_changes_nothing(
        running: SandboxBot, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    before = rows(running.config.storage.path)
    answer = await client.post(PATH, json=start_update(), headers=headers)
    assert answer.status_code == 403
    await handled(running)
    assert rows(running.config.storage.path) == before
    assert running.sandbox.bot_messages(ADA) == []
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_webhook_requests_total", result="forbidden") == 1
    assert sample(metrics, "frontline_updates_handled_total", kind="message") is None


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"message": {}}', b'{"update_id": "7"}',
                                  b'{"update_id": 7, "message": {"chat": 1}}'])
async def test_a_body_that_is_not_an_update_is_400_and_changes_nothing(
        running: SandboxBot, client: httpx.AsyncClient, body: bytes) -> None:
    before = rows(running.config.storage.path)
    answer = await client.post(PATH, content=body, headers={SECRET_HEADER: SECRET,
                                                            "Content-Type": "application/json"})
    assert answer.status_code == 400
    await handled(running)
    assert rows(running.config.storage.path) == before
    assert running.sandbox.bot_messages(ADA) == []


async def test_an_update_with_the_secret_is_answered_at_once_and_handled(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    running.services.receiving.webhook = True  # as `frontline run` says in webhook mode
    answer = await client.post(PATH, json=start_update(), headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200
    await handled(running)
    (reply,) = running.sandbox.bot_messages(ADA)
    assert reply.plain == t("start.how_to_join", "en")
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_webhook_requests_total", result="ok") == 1
    assert sample(metrics, "frontline_updates_handled_total", kind="message") == 1
    assert sample(metrics, "frontline_update_handling_seconds_count", kind="message") == 1
    assert sample(metrics, "frontline_messages_total", kind="reply", outcome="sent") == 1
    ready = (await client.get("/readyz")).json()
    assert "last webhook request 0 s ago" in ready["checks"]["updates"]["detail"]


async def test_the_webhook_route_is_there_only_in_webhook_mode(running: SandboxBot) -> None:
    app = asgi_app(running.app)  # polling mode's server: health and metrics only
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bot") as http:
        answer = await http.post(PATH, json=start_update(), headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 404
        assert (await http.get("/healthz")).text == "ok"
    await handled(running)
    assert running.sandbox.bot_messages(ADA) == []


# --- health and readiness ----------------------------------------------------------------------


async def test_healthz_and_readyz_when_all_is_well(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok")
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["ready"] is True
    assert set(body["checks"]) == {"database", "outbox", "scheduler", "updates"}
    assert all(check["ok"] for check in body["checks"].values()), body
    assert body["checks"]["database"]["detail"].startswith("writable")
    assert body["checks"]["outbox"]["detail"] == "nothing pending"


async def test_readyz_knows_when_getupdates_last_answered(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    clock = running.clock
    assert isinstance(clock, ManualClock)
    await running.send(ADA, "/start")
    clock.advance(seconds=30)
    updates = (await client.get("/readyz")).json()["checks"]["updates"]
    assert updates["ok"] is True
    assert re.fullmatch(r"last getUpdates answer \d+ s ago", updates["detail"]), updates


async def test_readyz_turns_red_while_the_outbox_cannot_move_and_green_again(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    """Telegram answers every send with 429 and an hour's retry_after: nothing is delivered.
    Ten minutes later (on the test's clock) the outbox is stuck; once Telegram lets it
    send, it is not."""
    clock = running.clock
    assert isinstance(clock, ManualClock)
    running.sandbox.fail("sendMessage", "429", times=10_000, chat_id=ADA, retry_after=3600)
    await running.store.outbox.enqueue("notice", [NewMessage(ADA, None, "hello")],
                                       at=clock.now())
    running.services.wake_outbox()
    for _ in range(1000):  # until the worker has tried and been told to wait
        metrics = (await client.get("/metrics")).text
        if sample(metrics, "frontline_telegram_429_total", source="outbox"):
            break
        await asyncio.sleep(0.01)
    clock.advance(seconds=(STUCK_AFTER - timedelta(seconds=1)).total_seconds())
    body = (await client.get("/readyz")).json()
    assert body["checks"]["outbox"]["ok"] is True, body
    assert body["checks"]["outbox"]["detail"].startswith("1 pending")
    clock.advance(seconds=1)
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    outbox = answer.json()["checks"]["outbox"]
    assert outbox["ok"] is False
    assert outbox["detail"].startswith("stuck: 1 pending, the oldest queued 10 min ago")
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_outbox_messages", state="pending") == 1
    assert sample(metrics, "frontline_outbox_oldest_pending_age_seconds") == 600
    assert (sample(metrics, "frontline_telegram_429_total", source="outbox") or 0) >= 1
    assert (sample(metrics, "frontline_sending_paused_seconds_total",
                   reason="retry_after") or 0) >= 3600

    running.sandbox.clear_faults()
    await running.drain(seconds=7200)  # the pause ends (on the loop's virtual time)
    outbox = (await client.get("/readyz")).json()["checks"]["outbox"]
    assert outbox == {"ok": True, "detail": "nothing pending"}
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_messages_total", kind="notice", outcome="sent") == 1
    assert sample(metrics, "frontline_outbox_messages", state="pending") == 0


async def test_readyz_says_when_the_scheduler_stopped_ticking(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    clock = running.clock
    assert isinstance(clock, ManualClock)
    scheduler = running.services.scheduler
    assert scheduler is not None
    await scheduler.tick()
    clock.advance(minutes=2)
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["scheduler"] == {"ok": False,
                                                    "detail": "last tick 2 min ago"}
    await scheduler.tick()
    assert (await client.get("/readyz")).json()["checks"]["scheduler"]["ok"] is True


# --- metrics ------------------------------------------------------------------------------------


async def test_scheduled_runs_done_and_late(running: SandboxBot,
                                            client: httpx.AsyncClient) -> None:
    """Four branches; the next day at 08:20 (the prompt was due at 08:00) with no tick: four
    prompts late. A tick does them: none late, four done."""
    clock = running.clock
    assert isinstance(clock, ManualClock)
    store, now = running.store, clock.now()
    root = await store.branches.create("Root", None, at=now)
    for name in ("A", "B", "C"):
        await store.branches.create(name, root, at=now)
    await running.settle()  # the start-up catch-up is done: nothing was due then
    clock.set(now.replace(hour=0, minute=20) + timedelta(days=1))  # 08:20 in Shanghai
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_scheduled_runs_late") == 4
    assert sample(metrics, "frontline_scheduled_runs_total", kind="prompt") is None
    scheduler = running.services.scheduler
    assert scheduler is not None
    await scheduler.idle()  # the start-up catch-up, if it is still under way
    await scheduler.tick()
    await scheduler.idle()
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_scheduled_runs_late") == 0
    assert sample(metrics, "frontline_scheduled_runs_total", kind="prompt") == 4
    assert (sample(metrics, "frontline_db_write_lock_wait_seconds_count") or 0) > 0
    assert sample(metrics, "frontline_scheduler_last_tick_timestamp_seconds") == \
        clock.now().timestamp()


async def test_each_application_has_its_own_registry() -> None:
    async with make_bot() as one, make_bot() as other:
        assert one.services.metrics.registry is not other.services.metrics.registry
        one.services.metrics.webhook_request("ok")
        assert sample((await _metrics(other)), "frontline_webhook_requests_total",
                      result="ok") == 0


async def _metrics(bot: SandboxBot) -> str:
    app = asgi_app(bot.app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bot") as http:
        return (await http.get("/metrics")).text


async def test_readyz_turns_red_when_getupdates_stops_answering(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    clock = running.clock
    assert isinstance(clock, ManualClock)
    await running.send(ADA, "/start")  # a getUpdates answer came
    assert running.app.updater is not None
    await running.app.updater.stop()  # ... and no other will
    clock.advance(minutes=5)
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["updates"] == {
        "ok": False, "detail": "last getUpdates answer 5 min ago"}


async def test_while_the_bot_stops_a_webhook_request_is_refused_for_later(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    """After the queue closed, an update answered 200 would be lost: 503, and Telegram
    sends it again later."""
    assert running.app.updater is not None
    await running.app.updater.stop()
    await running.app.stop()
    answer = await client.post(PATH, json=start_update(), headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 503
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_webhook_requests_total", result="unavailable") == 1


async def test_messages_sent_retried_and_paced_by_kind(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    """Two notices to one chat, the first answered 500 once (retried): each then waits for
    the chat's second (paced: the retry too); a reply answered 429 once (waited out, sent)."""
    clock = running.clock
    running.sandbox.fail("sendMessage", "500", times=1, chat_id=ADA)
    await running.store.outbox.enqueue(
        "notice", [NewMessage(ADA, None, "one"), NewMessage(ADA, None, "two")], at=clock.now())
    await running.drain()
    running.sandbox.fail("sendMessage", "429", times=1, chat_id=ADA, retry_after=1)
    await running.send(ADA, "/start")
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_messages_total", kind="notice", outcome="sent") == 2
    assert sample(metrics, "frontline_messages_retried_total", kind="notice",
                  reason="transient") == 1
    assert sample(metrics, "frontline_messages_paced_total", kind="notice") == 2
    assert sample(metrics, "frontline_telegram_429_total", source="reply") == 1
    assert sample(metrics, "frontline_messages_retried_total", kind="reply",
                  reason="retry_after") == 1
    assert sample(metrics, "frontline_messages_total", kind="reply", outcome="sent") == 1
    assert sample(metrics, "frontline_telegram_429_total", source="outbox") == 0


async def test_a_message_given_up_on_is_not_a_delivery(
        running: SandboxBot, client: httpx.AsyncClient) -> None:
    """Telegram answers every try with 500 until the outbox gives the message up (failed):
    the outbox did not deliver, so its last progress stays unset and readiness names no
    delivery (as `frontline status` and the alerts: `bot.rules.health.outbox_stuck`)."""
    worker = running.services.outbox
    assert worker is not None
    worker.backoff = 0.01
    running.sandbox.fail("sendMessage", "500", times=worker.max_attempts + 3, chat_id=ADA)
    await running.store.outbox.enqueue("notice", [NewMessage(ADA, None, "lost")],
                                       at=running.clock.now())
    running.services.wake_outbox()
    await running.drain()
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "frontline_messages_total", kind="notice", outcome="failed") == 1
    assert worker.last_progress is None
    assert sample(metrics, "frontline_outbox_last_progress_timestamp_seconds") == 0
