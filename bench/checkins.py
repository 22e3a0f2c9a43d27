"""Benchmark: the morning check-in rush, against the framework's floor.

Frontline: N members (default 1,000) each send `/checkin` (not measured), then each presses
the "on duty" button once; the measured phase queues the N presses in the sandbox and waits
until the real Application (identity pre-handler, check-in handler, SQLite write, callback
answer, message edit) has handled them all.

Floor: the same sandbox with a bare PTB Application (no rate limiter) whose only handler is
a CallbackQueryHandler that answers the callback, pressed N times the same way: on a message
of the same shape as Frontline's prompt (its text and five-button keyboard, copied from the
Frontline run), so both sides decode the same updates.

Both are warmed up first; their measured runs alternate (so drifts in machine load hit
both alike) and the best run of each is kept. The last
line of output is machine-readable:

    checkins_per_s=<x> floor_per_s=<y> ratio=<x/y>

Run from the repository root: `python bench/checkins.py [--members N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import pstats
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler

from bot.clock import ManualClock, local_day
from bot.config import Config
from bot.sandbox import Sandbox, SandboxMessage
from bot.sandbox.harness import SandboxBot

BUTTON = "ck:on_duty"
FIRST_USER = 700_000
WARMUP = 100
SETTLE_S = 600.0  # a bound for a stuck run, far above any real one
# 08:30 in Shanghai (the default timezone), a Monday.
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)

BareApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Prompt:
    """The shape of the message whose button is pressed."""

    text: str
    parse_mode: str | None
    markup: InlineKeyboardMarkup


@dataclass
class Series:
    """The measured runs of one scenario."""

    name: str
    presses: int
    seconds: list[float]

    @property
    def rates(self) -> list[float]:
        """Presses per second of each run."""
        return [self.presses / s for s in self.seconds]

    @property
    def best(self) -> float:
        """The best rate (the least disturbed run)."""
        return max(self.rates)


async def measure(sandbox: Sandbox, settle: Callable[[], Awaitable[None]],
                  presses: Sequence[tuple[int, int]],
                  profiler: cProfile.Profile | None = None) -> float:
    """Queue every press, wait until all are handled; the elapsed seconds."""
    sandbox.record_calls = False
    if profiler is not None:
        profiler.enable()
    try:
        started = time.perf_counter()
        for user_id, message_id in presses:
            sandbox.user_presses(user_id, message_id, BUTTON)
        await settle()
        return time.perf_counter() - started
    finally:
        if profiler is not None:
            profiler.disable()
        sandbox.record_calls = True


# --- Frontline -----------------------------------------------------------------------------

Round = Callable[[list[int], "cProfile.Profile | None"], Awaitable[float]]


@asynccontextmanager
async def frontline(members: int) -> AsyncIterator[tuple[Round, Prompt, Prompt]]:
    """The real application; each round is a new day with one check-in per member."""
    clock = ManualClock(START)
    async with SandboxBot(Config(), clock=clock) as bot:
        sandbox, store = bot.sandbox, bot.store
        now = clock.now()
        branch = await store.branches.create("Bench Branch", None, at=now)
        for user_id in range(FIRST_USER, FIRST_USER + members):
            name = f"M{user_id}"
            bot.user(user_id, name, language_code="en")
            # The same names as in Telegram, so the identity pre-handler has nothing to refresh.
            await store.people.save(user_id, name, None, None, "en", at=now)
            await store.people.set_membership(user_id, branch, "member", at=now)

        async def settle() -> None:
            await sandbox.settle(bot.app, seconds=SETTLE_S)

        async def one_day(who: list[int], profiler: cProfile.Profile | None) -> float:
            # A new day, so every press is that day's first check-in, as in the morning.
            clock.advance(days=1)
            for user_id in who:
                sandbox.user_sends(user_id, "/checkin")
            await settle()
            presses = [(u, _with_button(sandbox, u)) for u in who]
            seconds = await measure(sandbox, settle, presses, profiler)
            day = local_day(clock.now(), bot.config.defaults.timezone)
            done = await store.db.fetchone("SELECT count(*) FROM checkins WHERE day = ?",
                                           (day.isoformat(),))
            if done[0] != len(who):
                raise SystemExit(f"only {done[0]} of {len(who)} check-ins were recorded")
            return seconds

        # One press by hand, to copy the prompt and the confirmation it is edited into.
        clock.advance(days=1)
        prompt = _copy(await bot.send(FIRST_USER, "/checkin"))
        confirmation = _copy(await bot.press(FIRST_USER, BUTTON))
        yield one_day, prompt, confirmation


def _copy(message: SandboxMessage) -> Prompt:
    assert message.reply_markup is not None
    return Prompt(message.text or "", message.parse_mode,
                  InlineKeyboardMarkup.de_json(message.reply_markup, None))


def _with_button(sandbox: Sandbox, user_id: int) -> int:
    """The id of the bot's latest message to the user, which must carry the button."""
    message = sandbox.last(user_id)
    if not any(data == BUTTON for _, data in message.button_list):
        raise SystemExit(f"user {user_id}: the last bot message has no {BUTTON} button: "
                         f"{message.plain!r}")
    return message.message_id


# --- the floor -----------------------------------------------------------------------------


async def _answer(update: Update, context: object) -> None:
    """Answer the callback query; nothing else."""
    assert update.callback_query is not None
    await update.callback_query.answer()


@asynccontextmanager
async def floor(members: int, prompt: Prompt,
                edit_to: Prompt | None = None) -> AsyncIterator[Round]:
    """A bare PTB Application on the same kind of sandbox, answering each press.

    With `edit_to`, it also edits the pressed message into that text and keyboard, as
    Frontline does: a reference for what PTB alone costs for Frontline's two API calls.
    """
    sandbox = Sandbox(now=lambda: START)
    app: BareApp = (ApplicationBuilder().token(sandbox.token).request(sandbox.request())
                    .get_updates_request(sandbox.request()).build())

    async def answer_and_edit(update: Update, context: object) -> None:
        query = update.callback_query
        assert query is not None and edit_to is not None
        await query.answer("✅")
        await query.edit_message_text(edit_to.text, parse_mode=edit_to.parse_mode,
                                      reply_markup=edit_to.markup)

    app.add_handler(CallbackQueryHandler(_answer if edit_to is None else answer_and_edit))
    for user_id in range(FIRST_USER, FIRST_USER + members):
        sandbox.add_user(user_id, f"M{user_id}", language_code="en")

    async def settle() -> None:
        await sandbox.settle(app, seconds=SETTLE_S)

    async def one_round(who: list[int], profiler: cProfile.Profile | None) -> float:
        presses = []
        for user_id in who:
            sent = await app.bot.send_message(user_id, prompt.text, parse_mode=prompt.parse_mode,
                                              reply_markup=prompt.markup)
            presses.append((user_id, sent.message_id))
        before = len(sandbox.callback_answers)
        seconds = await measure(sandbox, settle, presses, profiler)
        if len(sandbox.callback_answers) - before != len(who):
            raise SystemExit("the floor did not answer every press")
        return seconds

    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
    await app.start()
    try:
        yield one_round
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def run(members: int, repeat: int,
              profiler: cProfile.Profile | None) -> tuple[Series, Series, Series]:
    """Warm all up, then alternate their measured rounds so all see the same machine."""
    users = list(range(FIRST_USER, FIRST_USER + members))
    ours: list[float] = []
    base: list[float] = []
    edit: list[float] = []
    async with AsyncExitStack() as stack:
        ours_round, prompt, confirmation = await stack.enter_async_context(frontline(members))
        base_round = await stack.enter_async_context(floor(members, prompt))
        edit_round = await stack.enter_async_context(floor(members, prompt, confirmation))
        for one_round in (base_round, edit_round, ours_round):
            await one_round(users[:WARMUP], None)
        for i in range(repeat):
            base.append(await base_round(users, None))
            edit.append(await edit_round(users, None))
            ours.append(await ours_round(users, profiler if i == 0 else None))
    return (Series("Frontline check-in (handler + SQLite + answer + edit)", members, ours),
            Series("PTB floor (CallbackQueryHandler that only answers)", members, base),
            Series("reference: bare PTB answer + the same edit, no DB", members, edit))


# --- report --------------------------------------------------------------------------------


def table(rows: list[Series]) -> str:
    """A readable table of the runs."""
    runs = max(len(r.seconds) for r in rows)
    head = ["scenario", *(f"run {i + 1} /s" for i in range(runs)), "best /s", "ms/press"]
    body = [[r.name, *(f"{rate:,.0f}" for rate in r.rates), f"{r.best:,.0f}",
             f"{1000 / r.best:.3f}"] for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, body)])


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measurements and print the table and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000, metavar="N",
                        help="members pressing (default: 1000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R",
                        help="measurements per scenario; the best is kept (default: 3)")
    parser.add_argument("--profile", type=int, nargs="?", const=25, metavar="LINES",
                        help="cProfile the first measured Frontline run and print the top "
                        "functions by cumulative time")
    args = parser.parse_args(argv)
    if args.members < WARMUP or args.repeat < 1:
        parser.error(f"--members must be at least {WARMUP} and --repeat at least 1")
    logging.basicConfig(level=logging.ERROR)

    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    ours, base, edit = asyncio.run(run(args.members, args.repeat, profiler))
    total = time.perf_counter() - started

    print(f"{args.members:,} members, one press each; best of {args.repeat} runs after a "
          f"{WARMUP}-press warm-up (whole benchmark {timedelta(seconds=round(total))})")
    print(table([ours, base, edit]))
    print(f"Frontline / (answer + edit reference) = {ours.best / edit.best:.2f}")
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print("\nprofile of the first measured Frontline run (cumulative):")
        print(out.getvalue())
    print(f"checkins_per_s={ours.best:.0f} floor_per_s={base.best:.0f} "
          f"ratio={ours.best / base.best:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
