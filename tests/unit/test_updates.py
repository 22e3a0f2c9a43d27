"""Updates run concurrently across people and in order for each person."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.runtime.updates import PerPersonUpdateProcessor
from tests.helpers import MEM_A1, MEM_A2


def _message(update_id: int, user_id: int) -> Update:
    return Update.de_json({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "text": "x",
                    "chat": {"id": user_id, "type": "private", "first_name": "U"},
                    "from": {"id": user_id, "is_bot": False, "first_name": "U"}},
    }, None)


async def _run(first_user: int, second_user: int) -> list[str]:
    processor = PerPersonUpdateProcessor()
    done: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        done.append("first")

    async def fast() -> None:
        done.append("second")

    await asyncio.gather(
        processor.process_update(_message(1, first_user), slow()),
        processor.process_update(_message(2, second_user), fast()),
    )
    return done


async def test_one_persons_updates_keep_their_order() -> None:
    assert await _run(MEM_A1, MEM_A1) == ["first", "second"]


async def test_different_people_do_not_wait_for_each_other() -> None:
    assert await _run(MEM_A1, MEM_A2) == ["second", "first"]


async def test_locks_are_released() -> None:
    processor = PerPersonUpdateProcessor()

    async def nothing() -> None:
        return None

    await processor.process_update(_message(1, MEM_A1), nothing())
    assert processor._locks == {} and processor._holders == {}
