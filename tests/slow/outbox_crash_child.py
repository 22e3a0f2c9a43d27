"""The child process of the crash test: the bot sending one broadcast, logging each delivery.

    python tests/slow/outbox_crash_child.py DB LOG RECIPIENTS RATE LATENCY_MS [--enqueue]

Runs the real application on a sandbox (which lives in this process, so it dies with it)
and the database DB. With --enqueue it first writes a broadcast to RECIPIENTS members (the
first start only); either way it then lets the outbox send until nothing is pending, and
exits 0. Every message the sandbox delivers is appended to LOG as its chat id, written
through to the file before the worker hears of the delivery: so the log holds everything
that was delivered, even when this process is killed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import TextIO

from telegram.request import RequestData

from bot.clock import ManualClock
from bot.config import Config
from bot.sandbox import Sandbox
from bot.sandbox.harness import SandboxBot
from storage.rows import NewMessage

FIRST = 100_000


async def run(db: str, log: TextIO, recipients: int, rate: float, latency_ms: float,
              enqueue: bool) -> None:
    """Start the bot, queue the broadcast if asked, send until nothing is pending."""
    ids = range(FIRST, FIRST + recipients)
    sandbox = Sandbox()
    sandbox.latency(latency_ms)  # messages in flight when the kill lands
    for user_id in ids:
        sandbox.add_user(user_id, f"U{user_id}", language_code="en")
    sandbox.record_calls = False
    handle = sandbox.handle

    async def logging_handle(url: str, method: str,
                             data: RequestData | None) -> tuple[int, bytes]:
        status, body = await handle(url, method, data)
        if status == 200 and url.endswith("/sendMessage") and data is not None:
            log.write(f"{data.parameters['chat_id']}\n")
            log.flush()
            os.fsync(log.fileno())
        return status, body

    sandbox.handle = logging_handle  # type: ignore[method-assign,assignment]
    bot = SandboxBot(Config(), clock=ManualClock(datetime(2026, 3, 2, tzinfo=UTC)),
                     sandbox=sandbox, db_path=db, outbox_rate=rate)
    async with bot:
        if enqueue:
            store, now = bot.store, bot.clock.now()
            branch = await store.branches.create("Crash", None, at=now)
            for user_id in ids:
                await store.people.save(user_id, f"U{user_id}", None, None, "en", at=now)
                await store.people.set_membership(user_id, branch, "member", at=now)
            await store.broadcasts.create(
                branch_id=branch, author_id=FIRST, scope="branch", body="crash",
                media_kind=None, media_file_id=None, to_groups=False, ack_required=True,
                messages=[NewMessage(chat_id=u, member_id=u, text=f"crash {u}",
                                     buttons=[[("OK", "ack:1")]]) for u in ids],
                status_chat_id=None, status_message_id=None, at=now)
            print("enqueued", flush=True)
        await bot.drain(seconds=300)
    print("drained", flush=True)


def main(args: list[str]) -> None:
    """Parse the arguments (see the module docstring) and run."""
    with open(args[1], "a", encoding="ascii") as log:
        asyncio.run(run(args[0], log, int(args[2]), float(args[3]), float(args[4]),
                        "--enqueue" in args))


if __name__ == "__main__":
    main(sys.argv[1:])
