"""The child process of the crash tests: a flow that is SIGKILLed the moment the user is told.

    python -m tests.slow.crash_child DB SCENARIO act [--lock-with-another-writer]
    python -m tests.slow.crash_child DB SCENARIO resume LOG

`act` builds a small organization (tests/helpers.py) on the database DB, walks a member or a
secretary through the SCENARIO's flow up to its last step, arms a trap in the sandbox, and
takes the last step: the first message, edit or button answer with text that reaches the
acting user kills this process at once (SIGKILL, from inside the sandbox, before the bot
hears that it arrived). Whatever the user was told by then must be in the database.

With --lock-with-another-writer, another process holds SQLite's write lock (BEGIN
IMMEDIATE) for LOCK_SECONDS while the last step is taken: the bot must wait for it and
still tell the user only after its own commit.

`resume` starts the bot again on DB with a fresh sandbox and lets the outbox send until
nothing is pending, appending the chat id of every delivered broadcast copy to LOG.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from telegram.request import RequestData

from bot.config import Config
from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, SEC_A, build_org, make_bot

LOCK_SECONDS = 1.5
Step = Callable[[], Awaitable[object]]
TOLD = ("sendMessage", "editMessageText", "editMessageCaption", "answerCallbackQuery",
        "sendPhoto", "sendDocument")


def arm(bot: SandboxBot, user: int) -> None:
    """From now on, the first text that reaches `user` kills this process."""
    handle = bot.sandbox.handle

    async def trapped(url: str, method: str, data: RequestData | None) -> tuple[int, bytes]:
        answer = await handle(url, method, data)
        name = url.rpartition("/")[2]
        params = data.parameters if data is not None else {}
        to_user = str(params.get("chat_id")) == str(user) or name == "answerCallbackQuery"
        if name in TOLD and to_user and params.get("text") and answer[0] == 200:
            print(f"told: {name}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return answer

    bot.sandbox.handle = trapped  # type: ignore[method-assign,assignment]


def hold_write_lock(db: str, seconds: float = LOCK_SECONDS) -> subprocess.Popen[str]:
    """Another process that holds the write lock for `seconds` (returns once it holds it)."""
    code = ("import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            f"time.sleep({seconds})\n"
            "c.execute('ROLLBACK')\n")
    holder = subprocess.Popen([sys.executable, "-c", code, db], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    holder.stdout.close()  # it says nothing more
    return holder


async def checkin(bot: SandboxBot) -> Step:
    await bot.send(MEM_A1, "/checkin")
    return lambda: bot.press(MEM_A1, cb.Checkin("unwell").pack())


async def broadcast(bot: SandboxBot) -> Step:
    await bot.send(SEC_A, "/broadcast")
    await bot.send(SEC_A, "明早八点集合，请确认收到")
    await bot.press(SEC_A, cb.BroadcastSetup("subtree").pack())
    await bot.press(SEC_A, cb.BroadcastSetup("ack_y").pack())
    return lambda: bot.press(SEC_A, cb.BroadcastSetup("send").pack())


async def ack(bot: SandboxBot) -> Step:
    await (await broadcast(bot))()
    await bot.drain()
    [(_, data)] = [b for b in bot.sandbox.last(MEM_A1).button_list]
    assert data is not None
    return lambda: bot.press(MEM_A1, data)


async def need(bot: SandboxBot) -> Step:
    await bot.send(MEM_A1, "/need")
    await bot.press(MEM_A1, cb.NeedCategoryChoice("food").pack())
    await bot.press(MEM_A1, cb.NeedUrgencyChoice("urgent").pack())
    await bot.press(MEM_A1, cb.NeedWhom("me").pack())
    await bot.send(MEM_A1, "需要大米")
    await bot.press(MEM_A1, cb.NeedSkipLocation().pack())
    return lambda: bot.press(MEM_A1, cb.NeedStep("ok").pack())


SCENARIOS: dict[str, tuple[int, Callable[[SandboxBot], Awaitable[Step]]]] = {
    "checkin": (MEM_A1, checkin), "ack": (MEM_A1, ack), "need": (MEM_A1, need),
    "broadcast": (SEC_A, broadcast),
}


async def act(db: str, scenario: str, lock: bool) -> None:
    user, prepare = SCENARIOS[scenario]
    bot = make_bot()
    bot = SandboxBot(bot.config, clock=bot.clock, db_path=db)
    async with bot:
        await build_org(bot)
        last_step = await prepare(bot)
        await bot.drain()  # the morning's prompts and the like are out of the way
        arm(bot, user)
        holder = hold_write_lock(db) if lock else None
        await last_step()
        await bot.drain()
        if holder is not None:
            holder.wait()
    print("never told", flush=True)


async def resume(db: str, log: TextIO) -> None:
    bot = make_bot()
    bot = SandboxBot(Config(), clock=bot.clock, db_path=db)
    for user_id in range(100, 1000):
        bot.user(user_id, f"U{user_id}")
    handle = bot.sandbox.handle

    async def logging_handle(url: str, method: str,
                             data: RequestData | None) -> tuple[int, bytes]:
        answer = await handle(url, method, data)
        if answer[0] == 200 and url.endswith("/sendMessage") and data is not None:
            log.write(f"{data.parameters['chat_id']}\n")
            log.flush()
        return answer

    bot.sandbox.handle = logging_handle  # type: ignore[method-assign,assignment]
    async with bot:
        await bot.drain(seconds=60)
    print("drained", flush=True)


def main(args: list[str]) -> None:
    """Parse the arguments (see the module docstring) and run."""
    db, scenario, phase = args[:3]
    if phase == "act":
        asyncio.run(act(db, scenario, "--lock-with-another-writer" in args))
    else:
        with open(args[3], "a", encoding="ascii") as log:
            asyncio.run(resume(db, log))


if __name__ == "__main__":
    main(sys.argv[1:])
