"""A big import in chat does not stall anyone: a check-in pressed while 200,000 households are
being written is answered while the import is still writing, and the import completes.

No timing is asserted on the wall clock (that is the bench's job, `bench/import.py`): the
order of events shows it, and the writer's lock is never held long by the import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from bot.clock import local_day
from bot.i18n import Translator
from bot.rules import callbacks as cb
from bot.rules.households import MAX_BYTES, MAX_ROWS
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, SEC_A, Org

PIECES = "storage.household_imports"


def big_csv(rows: int) -> bytes:
    """`rows` households of Alpha (1,000 zones), one of three members responsible for each."""
    names = ("@mia", "@max", "@mo")
    lines = ["zone,label,address,people,notes,responsible"]
    lines += [f"Zone {i // 200},{i % 200 + 1}-{i},{i} Lake Road,{i % 5 + 1},,{names[i % 3]}"
              for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


class _OnPiece(logging.Handler):
    """Calls `seen(rows applied so far)` for each piece of an import applied."""

    def __init__(self, seen: Callable[[int], None]) -> None:
        super().__init__(logging.DEBUG)
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().endswith("rows applied"):
            self.seen(int(record.args[1]))  # type: ignore[index]


@contextmanager
def on_piece(seen: Callable[[int], None]) -> Iterator[None]:
    """Run `seen` (in the event loop, between two pieces) after each piece is applied."""
    logger = logging.getLogger(PIECES)
    handler, level = _OnPiece(seen), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.slow
async def test_a_check_in_during_a_200000_household_import_is_answered_meanwhile(
        bot: SandboxBot, org: Org) -> None:
    data = big_csv(MAX_ROWS)
    assert len(data) <= MAX_BYTES
    prompt = await bot.send(MEM_A1, "/checkin")
    assert prompt.buttons
    sandbox, stats = bot.sandbox, bot.store.db.lock_stats
    stats.longest_hold_s = 0.0
    pieces: list[tuple[int, int]] = []  # (rows applied, Telegram calls made by then)

    def seen(applied: int) -> None:
        if not pieces:  # the import has begun writing households: press now
            sandbox.press(MEM_A1, cb.Checkin("on_duty").pack())
        pieces.append((applied, len(sandbox.calls)))

    with on_piece(seen):
        sandbox.user_sends_document(SEC_A, "big.csv", data, caption="/import households")
        await sandbox.settle(bot.app, seconds=300)

    calls = [name for name, _ in sandbox.calls]
    answered = next(i for i, (name, params) in enumerate(sandbox.calls)
                    if name == "answerCallbackQuery" and i >= pieces[0][1])
    done = max(i for i, (name, params) in enumerate(sandbox.calls)
               if name == "sendMessage" and params.get("chat_id") == SEC_A)
    # The press was answered after the first piece and before the last one: while the
    # import was still writing; the import's answer came after every piece.
    assert pieces[0][1] <= answered < pieces[-1][1] <= done, (pieces, calls[-10:])
    assert pieces[-1][0] == MAX_ROWS and len(pieces) > 10
    assert stats.longest_hold_s < 1.0  # one transaction for it all held the lock ~30 s
    day = local_day(bot.clock.now(), bot.config.defaults.timezone)
    assert await bot.store.checkins.get(MEM_A1, day) is not None

    translate = Translator("zh")
    reply = sandbox.last(SEC_A).plain
    assert translate("zh", "imports.done", branch="Alpha", file="big.csv", created=MAX_ROWS,
                     updated=0) in reply
    zones = await bot.store.zones.of_branch(org.a)
    assert len(zones) == 1000 and sum(z.households for z in zones) == MAX_ROWS
    owners = {h.responsible_id for h in await bot.store.households.of_branch(org.a)}
    assert owners == {MEM_A1, MEM_A2, MEM_A1X}
