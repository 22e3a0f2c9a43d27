"""The outbox worker: its life cycle (see the package's docstring)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.runtime.outbox.sweep import Sweep

logger = logging.getLogger(__package__)


class OutboxWorker(Sweep):
    """Sends pending outbox rows in the order they were queued, several at a time.

    A row waits its turn only when its chat may not get a message yet (one in flight, one a
    second, 20 a minute to a group) or it is backing off after a timeout or 5xx; the rows
    of other chats behind it go on.
    """

    # --- life cycle -----------------------------------------------------------------------

    async def initialize(self) -> None:
        """Start sending (and resume whatever a previous run left pending)."""
        if self._task is None:
            self._stopping = False
            self._recorder = asyncio.create_task(self._record_loop(), name="outbox-recorder")
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def shutdown(self) -> None:
        """Stop starting messages, let those in flight finish, write their outcomes."""
        self._stopping = True
        self._wake.set()
        self._move()
        task, self._task = self._task, None
        if task is not None:
            await self._finish(task, 10)
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=10)
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            self._outcomes_ready.set()
            await self._finish(recorder, 5)
        if self._outcomes:
            logger.warning("stopping with %d outcomes not written; those messages will be "
                           "sent again at the next start", len(self._outcomes))

    @staticmethod
    async def _finish(task: asyncio.Task[None], seconds: float) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
