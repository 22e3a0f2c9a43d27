"""Updates are handled concurrently across people and in order for each person.

PTB's default processes one update at a time, so every wait on the database or on
Telegram idles the bot. Its `concurrent_updates` runs updates side by side but gives up
their order, and a member who taps "unwell" then "on duty" must end up "on duty". This
processor keeps one lock per person (the user behind the update, else its chat): updates of
different people overlap, those of one person run one after another, in arrival order.
ConversationHandler keys its state per chat and user, so it stays correct under it.

Each update handled is told to `observe` (the metrics): its kind (the Update's field that is
set: message, callback_query, ...) and the seconds from the moment it was taken from the
queue to the end of its handlers, a wait behind the same person's earlier updates included
(what that person waits).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.runtime import logs

MAX_CONCURRENT_UPDATES = 256

Observe = Callable[[str, float], None]  # (kind of update, seconds to handle it)


def update_kind(update: object) -> str:
    """The kind of an update: the name of its field that is set (`message`, ...), "other"."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return str(kind)
    return "other"


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across people, sequential for each person."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES, *,
                 observe: Observe | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}
        self.observe = observe

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once this person's earlier updates are done."""
        update_id = update.update_id if isinstance(update, Update) else None
        with logs.for_update(update_id):  # its log lines carry its id
            if self.observe is None:
                await self._in_turn(update, coroutine)
                return
            started = time.perf_counter()
            try:
                await self._in_turn(update, coroutine)
            finally:
                self.observe(update_kind(update), time.perf_counter() - started)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            left = self._holders[key] - 1
            if left:
                self._holders[key] = left
            else:
                del self._holders[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
