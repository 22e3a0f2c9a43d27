"""The outbox worker's sweep over the pending rows, and each message's attempt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.runtime.outbox.recording import Recording
from bot.runtime.outbox.results import Outcome, SendResult
from storage.outbox import OutboxOutcome
from storage.rows import OutboxItem

logger = logging.getLogger(__package__)

BATCH = 500
# Transient failures in a row (of any messages, no success between) that pause all sending.
TROUBLE_STREAK = 3
MAX_PAUSE = 60.0


class Sweep(Recording):
    """Takes pending rows in queue order and sends them under the pacer's limits."""

    # --- the sweep --------------------------------------------------------------------------

    async def _run(self) -> None:
        failing = False
        while not self._stopping:
            # Cleared before looking, so that a wake() during a pass that found nothing
            # (rows queued meanwhile) makes the worker look again instead of idling.
            self._wake.clear()
            try:
                busy = await self._pass()
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception:
                if not failing:  # once per incident, not once a second
                    logger.exception("the outbox could not be read; retrying every second")
                failing = True
                await asyncio.sleep(1)
                continue
            if busy or self._wake.is_set():
                continue
            self._idle.set()
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                # Wake up now and then anyway: another process may have queued rows.
                await asyncio.wait_for(self._wake.wait(), timeout=30)

    async def _pass(self) -> bool:
        """One sweep over the pending rows in queue order; False if there is nothing to do."""
        store = self.store
        held_chats: set[int] = set()  # chats whose next row must wait: order within a chat
        waits: list[float] = []
        pending = started = False
        after = 0
        moves = self._moves  # what moved from here on is seen by this pass or the next
        while not self._stopping:
            known = [m for m, row in self._gone.items() if row not in self._claimed]
            self._written_since_read.clear()
            items = await store.outbox.pending(after_id=after, limit=BATCH)
            stale = self._written_since_read
            for member in known:  # the rows just read know it
                self._gone.pop(member, None)
            for item in items:
                if self._stopping:
                    break
                pending = True
                chat = item.chat_id
                if (item.id in self._claimed or item.id in stale or chat in held_chats
                        or chat in self._busy_chats):
                    held_chats.add(chat)
                    continue
                if item.member_id is not None and (
                        not item.reachable or item.member_id in self._gone):
                    self._claim(item)
                    self._done(OutboxOutcome(item.id, "skipped", error="unreachable",
                                              broadcast_id=item.broadcast_id))
                    continue
                wait = self._item_wait(item)
                if wait > 0:
                    if self.pacer.chat_wait(chat) > 0:
                        self._paced.add(item.id)
                    waits.append(wait)
                    held_chats.add(chat)
                    continue
                paid = item.kind in self.paid_kinds
                if not await self._slot(paid, item.id):
                    break
                if (wait := self._item_wait(item)) > 0:  # time passed while waiting
                    waits.append(wait)
                    held_chats.add(chat)
                    continue
                self._start(item, paid)
                started = True
            await self._report_touched()
            if len(items) < BATCH:
                break
            after = items[-1].id
        if not pending and not self._claimed:
            await self._finish_broadcasts()
            return False
        if not started and not self._stopping and self._moves == moves:
            # Nothing moved while this pass looked (a send finishing or an outcome written
            # after its rows were read would have): sleep until something does.
            self._moved.clear()
            await self._wait_for_change(min(waits) if waits else None)
        return True

    def _item_wait(self, item: OutboxItem) -> float:
        """Seconds before this row may be tried (its chat's pace, its own backoff)."""
        wait = self.pacer.chat_wait(item.chat_id)
        not_before = self._not_before.get(item.id)
        if not_before is not None:
            wait = max(wait, not_before - self.pacer.now())
        return wait

    async def _slot(self, paid: bool, row_id: int) -> bool:
        """Wait until message `row_id` may start: outcomes writable, a free slot, the overall
        pace (a wait for which counts it as paced).

        Returns False if the worker is stopping.
        """
        while not self._stopping:
            if self._unwritable is not None:
                await self._writable.wait()
                continue
            if len(self._claimed) >= self.max_in_flight:
                self._moved.clear()
                await self._moved.wait()
                continue
            wait = self.pacer.overall_wait(paid)
            if wait > 0:
                self._paced.add(row_id)
                await self.sleep(wait)
                continue
            return True
        return False

    async def _wait_for_change(self, seconds: float | None) -> None:
        """Sleep until a held-back row is due, a send finishes, or new rows are queued."""
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait()),
                   asyncio.ensure_future(self._moved.wait())]
        if seconds is not None:
            waiters.append(asyncio.ensure_future(self.sleep(seconds)))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in waiters:
                future.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    def _start(self, item: OutboxItem, paid: bool) -> None:
        if item.id in self._paced:
            self._paced.discard(item.id)
            self.events.paced(item.kind)
        self.pacer.record(item.chat_id, paid)
        self._claim(item)
        self._busy_chats.add(item.chat_id)
        task = asyncio.create_task(self._send_one(item, paid), name=f"outbox-{item.id}")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send_one(self, item: OutboxItem, paid: bool) -> None:
        """Send one message and decide what to record; never raises."""
        try:
            while (wait := self.pacer.dispatch_wait(paid)) > 0:
                await self.sleep(wait)
            if self.pacer.paused_until > self.pacer.now():
                # A 429 came back after this one was started but before it went out: it
                # must not reach Telegram during the pause. Nothing to record; it goes later.
                self._claimed.pop(item.id, None)
                return
            self.pacer.dispatch(paid)
            try:
                result = await self.send(item, paid)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A bug or an unexpected refusal must not block the outbox: count it as a
                # failed attempt, so the row ends as failed after max_attempts.
                logger.exception("sending outbox row %d failed unexpectedly", item.id)
                result = SendResult(Outcome.TRANSIENT, error=type(exc).__name__)
            self._settle(item, result)
        finally:
            self._busy_chats.discard(item.chat_id)
            self._move()

    def _settle(self, item: OutboxItem, result: SendResult) -> None:
        pacer = self.pacer
        outcome = result.outcome
        broadcast = item.broadcast_id
        if outcome is Outcome.SENT:
            self.sent_count += 1
            self._trouble = 0
            self._not_before.pop(item.id, None)
            self._done(OutboxOutcome(item.id, "sent", message_id=result.message_id,
                                      broadcast_id=broadcast))
            return
        if outcome is Outcome.RETRY_AFTER:
            logger.warning("Telegram asked to wait %.0f s; all sending paused",
                           result.retry_after)
            added = pacer.pause(min(result.retry_after, 3600.0))
            self.paused_by_retry_after += added
            self.events.retry_after(item.kind)
            self.events.paused("retry_after", added)
            pacer.widen()
            self._claimed.pop(item.id, None)  # nothing to record: try it again after the pause
            return
        self._not_before.pop(item.id, None)
        if outcome is Outcome.TRANSIENT:
            attempts = item.attempts + 1
            self._trouble += 1
            if self._trouble >= TROUBLE_STREAK:
                pause = min(self.backoff * 2 ** (self._trouble - TROUBLE_STREAK), MAX_PAUSE)
                added = pacer.pause(pause)
                self.paused_by_trouble += added
                self.events.paused("trouble", added)
            if attempts >= self.max_attempts:
                self._done(OutboxOutcome(item.id, "failed", error=result.error,
                                          broadcast_id=broadcast))
                return
            self._not_before[item.id] = pacer.now() + min(
                self.backoff * 2 ** (attempts - 1), MAX_PAUSE)
            self._done(OutboxOutcome(item.id, "attempted", error=result.error or "transient",
                                      broadcast_id=broadcast))
            return
        if outcome is Outcome.UNREACHABLE:
            if item.member_id is not None:
                self._gone[item.member_id] = item.id
            self._done(OutboxOutcome(item.id, "unreachable", error=result.error,
                                      member_id=item.member_id, broadcast_id=broadcast))
            return
        self._done(OutboxOutcome(item.id, "failed", error=result.error, broadcast_id=broadcast))

