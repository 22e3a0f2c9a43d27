"""How the bot receives updates: getUpdates (the long poll), the webhook methods (accepted,
nothing is pushed), and answerCallbackQuery (the answer to a pressed button)."""

from __future__ import annotations

import asyncio
from itertools import islice
from typing import TYPE_CHECKING

from telegram.request import RequestData

from bot.sandbox.checks import MAX_CALLBACK_ANSWER_LENGTH, QUERY_TOO_OLD, JSONDict, bad
from bot.sandbox.methods.registry import method

if TYPE_CHECKING:
    from bot.sandbox.world import World


@method("getUpdates")
async def get_updates(world: World, params: JSONDict, _: RequestData | None) -> list[JSONDict]:
    """Confirm the updates below ``offset``, wait up to ``timeout`` seconds for one, and
    answer at most ``limit`` (1 to 100) of the queued ones."""
    offset = params.get("offset")
    if offset is not None:
        _confirm(world, int(offset))
    timeout = float(params.get("timeout") or 0)
    if not world.updates and timeout > 0:
        world.arrived.clear()
        try:
            async with asyncio.timeout(timeout):
                await world.arrived.wait()
        except TimeoutError:
            pass
    limit = int(params.get("limit") or 100)
    return list(islice(world.updates, max(1, min(limit, 100))))


def _confirm(world: World, offset: int) -> None:
    updates = world.updates
    while updates and updates[0]["update_id"] < offset:
        updates.popleft()
    if not updates:
        world.drained.set()


@method("deleteWebhook", "setWebhook")
def webhook(world: World, params: JSONDict, _: RequestData | None) -> bool:
    return True


@method("answerCallbackQuery")
def answer_callback_query(world: World, params: JSONDict, _: RequestData | None) -> bool:
    query_id = str(params.get("callback_query_id"))
    if query_id not in world.open_queries:
        raise bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
    text = params.get("text")
    if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad("MESSAGE_TOO_LONG")
    world.open_queries.discard(query_id)
    world.callback_answers[query_id] = params
    return True
