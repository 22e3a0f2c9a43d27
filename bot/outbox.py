"""The outbox worker: sends what the outbox holds, paced under Telegram's limits, never lost.

Rows are written before anything is sent (one transaction per broadcast) and each is marked
as soon as its message is sent, before the next is sent, so that a crash at any moment
leaves at most the one message in flight unrecorded: after a restart it may arrive twice,
and nothing is lost.

Pacing, all measured on the monotonic clock:
- overall, at most `rate` messages in any one-second window (Telegram allows about 30/s);
- at most one message per second to one chat, and 20 per minute to one group;
- a 429 pauses *all* sending for its `retry_after`, then the same message is tried again;
- timeouts and 5xx are retried with exponential backoff, up to `max_attempts`, then the
  message is marked failed. One such failure holds back only that message (the others go
  on); several in a row mean Telegram is in trouble, and then all sending pauses too;
- 403 and "chat not found" mark the member unreachable: their pending messages are
  skipped, and so are later ones until they write to the bot again.

The worker knows nothing of Telegram: `send` (given by the handlers layer) turns one
outbox item into a `SendResult`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from bot.clock import Clock
from storage.rows import OutboxItem
from storage.store import Store

logger = logging.getLogger(__name__)

WINDOW = 1.02  # seconds; a little over one, so that a window Telegram counts never exceeds rate
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
BATCH = 500
# Transient failures in a row (of any messages, no success between) that pause all sending.
TROUBLE_STREAK = 3
MAX_PAUSE = 60.0


class Outcome(Enum):
    """What happened to one attempt to send."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"  # 429: wait, then try the same message again
    TRANSIENT = "transient"  # timeout, 5xx: back off and retry, up to a limit
    UNREACHABLE = "unreachable"  # 403, chat not found: the member cannot be reached
    FAILED = "failed"  # any other refusal: give up on this message


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt."""

    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str | None = None


SendFn = Callable[[OutboxItem], Awaitable[SendResult]]
ProgressFn = Callable[[int, bool], Awaitable[None]]
SleepFn = Callable[[float], Awaitable[None]]


class Pacer:
    """Overall, per-chat and per-group limits on a monotonic clock."""

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate = max(1, int(rate))
        self.now = monotonic
        self.sent: deque[float] = deque()
        self.last_to_chat: dict[int, float] = {}
        self.to_group: dict[int, deque[float]] = {}
        self.paused_until = 0.0

    def chat_wait(self, chat_id: int) -> float:
        """Seconds before `chat_id` may get another message (0 if now)."""
        now = self.now()
        wait = self.last_to_chat.get(chat_id, -1e9) + CHAT_INTERVAL - now
        if chat_id < 0:
            times = self.to_group.get(chat_id)
            if times:
                while times and times[0] <= now - 60:
                    times.popleft()
                if len(times) >= GROUP_PER_MINUTE:
                    wait = max(wait, times[0] + 60 - now)
        return max(0.0, wait)

    def overall_wait(self) -> float:
        """Seconds before any message may be sent (0 if now)."""
        now = self.now()
        while self.sent and self.sent[0] <= now - WINDOW:
            self.sent.popleft()
        wait = self.paused_until - now
        if len(self.sent) >= self.rate:
            wait = max(wait, self.sent[0] + WINDOW - now)
        return max(0.0, wait)

    def record(self, chat_id: int) -> None:
        """Count a message that is being sent now."""
        now = self.now()
        self.sent.append(now)
        self.last_to_chat[chat_id] = now
        if chat_id < 0:
            self.to_group.setdefault(chat_id, deque()).append(now)
        if len(self.last_to_chat) > 50_000:
            horizon = now - CHAT_INTERVAL
            self.last_to_chat = {c: t for c, t in self.last_to_chat.items() if t > horizon}
            self.to_group = {c: t for c, t in self.to_group.items() if t and t[-1] > now - 60}

    def pause(self, seconds: float) -> float:
        """Stop all sending for `seconds` (a 429's retry_after); returns the seconds added.

        Pauses overlap: one asked for while another runs extends it only by what goes
        beyond it.
        """
        now = self.now()
        until = now + seconds
        added = max(0.0, until - max(self.paused_until, now))
        self.paused_until = max(self.paused_until, until)
        return added


class OutboxWorker:
    """Sends pending outbox rows, one at a time, in the order they were queued.

    A row waits its turn only when its chat may not get a message yet (one a second, 20 a
    minute to a group) or it is backing off after a timeout or 5xx; the rows behind it go on.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        send: SendFn,
        *,
        rate: float,
        progress: ProgressFn | None = None,
        progress_interval: float = 3.0,
        max_attempts: int = 5,
        backoff: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: SleepFn = asyncio.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.send = send
        self.pacer = Pacer(rate, monotonic)
        self.progress = progress
        self.progress_interval = progress_interval
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_progress: dict[int, float] = {}
        self._not_before: dict[int, float] = {}  # outbox row id -> when it may be tried again
        self._trouble = 0  # transient failures in a row
        self.sent_count = 0
        self.paused_by_retry_after = 0.0  # seconds all sending was paused by 429s
        self.paused_by_trouble = 0.0  # ... and by runs of timeouts / 5xx

    async def initialize(self) -> None:
        """Start sending (and resume whatever a previous run left pending)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def shutdown(self) -> None:
        """Stop after the message in flight, if any."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=10)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def wake(self) -> None:
        """New rows were queued: look at the outbox now."""
        self._idle.clear()
        self._wake.set()

    async def idle(self) -> None:
        """Wait until nothing is pending (for tests, the demo and benchmarks)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before looking, so that a wake() during a pass that found nothing
            # (rows queued meanwhile) makes the worker look again instead of idling.
            self._wake.clear()
            try:
                busy = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox pass failed; retrying in a second")
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
        """One sweep over the pending rows in queue order; False if none was pending."""
        store = self.store
        touched: set[int] = set()
        unreachable: set[int] = set()  # members found unreachable during this sweep
        waiting: list[float] = []
        pending = acted = False
        after = 0
        while not self._stopping:
            items = await store.pending_outbox(after_id=after, limit=BATCH)
            if not items:
                break
            pending = True
            for item in items:
                if self._stopping:
                    break
                if item.member_id is not None and (
                        not item.reachable or item.member_id in unreachable):
                    await store.outbox_done(item.id, "skipped", error="unreachable",
                                            at=self.clock.now())
                else:
                    wait = self._item_wait(item)
                    if wait > 0:
                        waiting.append(wait)
                        continue
                    outcome = await self._deliver(item)
                    if outcome is Outcome.UNREACHABLE and item.member_id is not None:
                        unreachable.add(item.member_id)
                acted = True
                if item.broadcast_id is not None:
                    touched.add(item.broadcast_id)
                    await self._maybe_progress(item.broadcast_id)
            if len(items) < BATCH:
                break
            after = items[-1].id
        for broadcast_id in touched:
            if await store.finish_broadcast(broadcast_id, at=self.clock.now()):
                await self._report(broadcast_id, finished=True)
        if not pending:
            await self._finish_broadcasts()
            return False
        if not acted and waiting and not self._stopping:
            await self._wait_or_wake(min(waiting))
        return True

    def _item_wait(self, item: OutboxItem) -> float:
        """Seconds before this row may be tried (its chat's pace, its own backoff)."""
        wait = self.pacer.chat_wait(item.chat_id)
        not_before = self._not_before.get(item.id)
        if not_before is not None:
            wait = max(wait, not_before - self.pacer.now())
        return wait

    async def _wait_or_wake(self, seconds: float) -> None:
        """Sleep until a held-back row is due, or new rows are queued."""
        waker = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait([waker, sleeper], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (waker, sleeper):
                future.cancel()
            await asyncio.gather(waker, sleeper, return_exceptions=True)

    async def _deliver(self, item: OutboxItem) -> Outcome | None:
        """Send one message, retrying a 429 at once (after the pause), and record the result.

        Returns the outcome recorded, or None if the worker stopped first.
        """
        store = self.store
        pacer = self.pacer
        while not self._stopping:
            wait = max(pacer.overall_wait(), pacer.chat_wait(item.chat_id))
            if wait > 0:
                await self.sleep(wait)
                continue
            pacer.record(item.chat_id)
            try:
                result = await self.send(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A bug or an unexpected refusal must not block the outbox: count it as a
                # failed attempt, so the row ends as failed after max_attempts.
                logger.exception("sending outbox row %d failed unexpectedly", item.id)
                result = SendResult(Outcome.TRANSIENT, error=type(exc).__name__)
            outcome = result.outcome
            now = self.clock.now()
            if outcome is Outcome.SENT:
                await store.outbox_done(item.id, "sent", message_id=result.message_id, at=now)
                self.sent_count += 1
                self._trouble = 0
                self._not_before.pop(item.id, None)
                return outcome
            if outcome is Outcome.RETRY_AFTER:
                logger.warning("Telegram asked to wait %.0f s; all sending paused",
                               result.retry_after)
                self.paused_by_retry_after += pacer.pause(min(result.retry_after, 3600.0))
                continue
            self._not_before.pop(item.id, None)
            if outcome is Outcome.TRANSIENT:
                attempts = await store.outbox_attempted(item.id, result.error or "transient")
                self._trouble += 1
                if self._trouble >= TROUBLE_STREAK:
                    pause = min(self.backoff * 2 ** (self._trouble - TROUBLE_STREAK), MAX_PAUSE)
                    self.paused_by_trouble += pacer.pause(pause)
                if attempts >= self.max_attempts:
                    await store.outbox_done(item.id, "failed", error=result.error, at=now)
                    return Outcome.FAILED
                self._not_before[item.id] = pacer.now() + min(
                    self.backoff * 2 ** (attempts - 1), MAX_PAUSE)
                return outcome
            if outcome is Outcome.UNREACHABLE:
                await store.outbox_done(item.id, "unreachable", error=result.error, at=now)
                if item.member_id is not None:
                    await store.set_reachable(item.member_id, False, at=now)
                    await store.skip_unreachable(item.member_id, at=now)
                return outcome
            await store.outbox_done(item.id, "failed", error=result.error, at=now)
            return Outcome.FAILED
        return None

    async def _maybe_progress(self, broadcast_id: int) -> None:
        now = time.monotonic()
        if now - self._last_progress.get(broadcast_id, 0.0) >= self.progress_interval:
            self._last_progress[broadcast_id] = now
            await self._report(broadcast_id, finished=False)

    async def _report(self, broadcast_id: int, *, finished: bool) -> None:
        if self.progress is None:
            return
        try:
            await self.progress(broadcast_id, finished)
        except Exception:
            logger.exception("could not report the progress of a broadcast")
        if finished:
            self._last_progress.pop(broadcast_id, None)

    async def _finish_broadcasts(self) -> None:
        for broadcast_id in await self.store.unfinished_broadcasts():
            if await self.store.finish_broadcast(broadcast_id, at=self.clock.now()):
                await self._report(broadcast_id, finished=True)
