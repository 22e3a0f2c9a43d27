"""The child process of the import crash test: the bot importing 200,000 households in chat.

    python tests/slow/import_crash_child.py DB LOG stage|apply

Runs the real application on a sandbox (which lives in this process, so it dies with it)
and the database DB: builds a branch with a secretary and three members, sends one of them
a broadcast to acknowledge, then the secretary uploads a 200,000-household CSV with
`/import households`. Then it stops the world at a chosen point, writes one line to LOG
(fsynced) and sleeps, for the test to SIGKILL it there:

- `stage`: while the rows are being staged (after the second piece);
- `apply`: while the import is being applied, once the member, who pressed "received"
  after the first piece, has been told their acknowledgement was recorded.

The world stops inside the import's per-piece log call, between two committed pieces.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

from bot.clock import ManualClock
from bot.config import Config
from bot.rules.callbacks import Ack
from bot.sandbox.harness import SandboxBot
from storage.rows import NewMessage

SECRETARY, MEMBERS = 500, (501, 502, 503)
ROWS = 200_000
PIECES = "storage.household_imports"


def big_csv() -> bytes:
    """200,000 households in 1,000 zones, the three members in turn responsible."""
    lines = ["zone,label,address,people,notes,responsible"]
    lines += [f"Zone {i // 200},{i % 200 + 1}-{i},{i} Lake Road,{i % 5 + 1},,"
              f"@m{MEMBERS[i % 3]}" for i in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


class Stop(logging.Handler):
    """At the chosen moment, tells the test where it stopped and waits to be killed."""

    def __init__(self, bot: SandboxBot, log: TextIO, mode: str, broadcast: int) -> None:
        super().__init__(logging.DEBUG)
        self.bot, self.log, self.mode, self.broadcast = bot, log, mode, broadcast
        self.pieces = 0
        self.press: str | None = None  # the "received" press's callback query id

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if self.mode == "stage" and message.endswith("rows staged"):
            self.pieces += 1
            if self.pieces == 2:
                self.stop(message)
        elif self.mode == "apply" and message.endswith("rows applied"):
            self.pieces += 1
            sandbox = self.bot.sandbox
            if self.press is None:
                update = sandbox.press(MEMBERS[0], Ack(self.broadcast).pack())
                self.press = update["callback_query"]["id"]
            elif self.press in sandbox.callback_answers and self.pieces >= 5:
                self.stop(message)

    def stop(self, message: str) -> None:
        self.log.write(f"{self.mode}: {message}\n")
        self.log.flush()
        os.fsync(self.log.fileno())
        time.sleep(600)  # the event loop stops here, between two pieces, until the kill


async def run(db: str, log: TextIO, mode: str) -> None:
    """Build the organization, then import until stopped."""
    bot = SandboxBot(Config(), clock=ManualClock(datetime(2026, 3, 2, 0, 30, tzinfo=UTC)),
                     db_path=db)
    async with bot:
        store, now = bot.store, bot.clock.now()
        branch = await store.branches.create("Alpha", None, at=now)
        for user_id in (SECRETARY, *MEMBERS):
            bot.user(user_id, f"U{user_id}", username=f"m{user_id}", language_code="en")
            await store.people.save(user_id, f"U{user_id}", None, f"m{user_id}", "en", at=now)
            role = "secretary" if user_id == SECRETARY else "member"
            await store.people.set_membership(user_id, branch, role, at=now)
        broadcast = await store.broadcasts.create(
            branch_id=branch, author_id=SECRETARY, scope="branch", body="crash",
            media_kind=None, media_file_id=None, to_groups=False, ack_required=True,
            messages=[NewMessage(chat_id=m, member_id=m, text="Water at the gate at 6",
                                 buttons=[[("OK", Ack.later("ID"))]]) for m in MEMBERS],
            status_chat_id=None, status_message_id=None, at=now, placeholder="ID")
        await bot.drain()
        logger = logging.getLogger(PIECES)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(Stop(bot, log, mode, broadcast))
        print("importing", flush=True)
        bot.sandbox.user_sends_document(SECRETARY, "big.csv", big_csv(),
                                        caption="/import households")
        await bot.sandbox.settle(bot.app, seconds=300)
    print("not stopped", flush=True)


def main(args: list[str]) -> None:
    """Parse the arguments (see the module docstring) and run."""
    with open(args[1], "a", encoding="utf-8") as log:
        asyncio.run(run(args[0], log, args[2]))


if __name__ == "__main__":
    main(sys.argv[1:])
