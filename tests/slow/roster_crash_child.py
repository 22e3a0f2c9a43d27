"""The child process of the roster import crash test: the bot importing a 100,000-person
roster in chat.

    python tests/slow/roster_crash_child.py DB LOG stage|apply

Runs the real application on a sandbox (which lives in this process, so it dies with it)
and the database DB: a branch with a secretary and a sub-branch; the secretary uploads a
roster CSV of 100,000 people with `/import roster`, reads the preview and presses Import.
Then it stops the world at a chosen point, writes one line to LOG (fsynced) and sleeps, for
the test to SIGKILL it there:

- `stage`: while the changes are being staged (after the second piece);
- `apply`: while the import is being applied (after the third piece).

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
from bot.sandbox.harness import SandboxBot

SECRETARY = 500
PEOPLE = 100_000
PIECES = "storage.roster_imports"


def roster_csv() -> bytes:
    """100,000 people, every tenth in the sub-branch, each with a phone of their own."""
    lines = ["姓名,手机号,所在支部,身份"]
    lines += [f"成员{i},139{i:08d},{'Alpha-1' if i % 10 == 0 else ''},党员"
              for i in range(PEOPLE)]
    return ("\n".join(lines) + "\n").encode()


class Stop(logging.Handler):
    """At the chosen moment, tells the test where it stopped and waits to be killed."""

    def __init__(self, log: TextIO, mode: str) -> None:
        super().__init__(logging.DEBUG)
        self.log, self.mode = log, mode
        self.pieces = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("roster import #"):
            return
        if message.endswith("rows " + ("staged" if self.mode == "stage" else "applied")):
            self.pieces += 1
            if self.pieces == (2 if self.mode == "stage" else 3):
                self.log.write(f"{self.mode}: {message}\n")
                self.log.flush()
                os.fsync(self.log.fileno())
                time.sleep(600)  # the event loop stops here, between two pieces


async def run(db: str, log: TextIO, mode: str) -> None:
    """Build the organization, then import until stopped."""
    bot = SandboxBot(Config(), clock=ManualClock(datetime(2026, 3, 2, 0, 30, tzinfo=UTC)),
                     db_path=db)
    async with bot:
        store, now = bot.store, bot.clock.now()
        branch = await store.branches.create("Alpha", None, at=now)
        await store.branches.create("Alpha-1", branch, at=now)
        bot.user(SECRETARY, "Sec", username="sec", language_code="en")
        await store.people.save(SECRETARY, "Sec", None, "sec", "en", at=now)
        await store.people.set_membership(SECRETARY, branch, "secretary", at=now)
        preview = await bot.send_document(SECRETARY, roster_csv(), "roster.csv",
                                          "/import roster")
        print(preview.plain, flush=True)
        logger = logging.getLogger(PIECES)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(Stop(log, mode))
        await bot.press(SECRETARY, "Import")
    print("not stopped", flush=True)


def main(args: list[str]) -> None:
    """Parse the arguments (see the module docstring) and run."""
    with open(args[1], "a", encoding="utf-8") as log:
        asyncio.run(run(args[0], log, args[2]))


if __name__ == "__main__":
    main(sys.argv[1:])
