"""The outbox worker: sends what the outbox holds, paced under Telegram's limits, never lost.

Rows are written before anything is sent (one transaction per broadcast) and each is marked
as soon as its message is sent, before the next is sent, so that a crash at any moment
leaves at most the one message in flight unrecorded: after a restart it may arrive twice,
and nothing is lost.

Pacing, all measured on the monotonic clock:
- overall, at most `rate` messages in any one-second window (Telegram allows about 30/s);
- at most one message per second to one chat, and 20 per minute to one group;
- a 429 pauses *all* sending for its `retry_after`, then the same message is tried again;
- timeouts and 5xx are retried with exponential backoff (sending pauses meanwhile: they
  mean Telegram is in trouble), up to `max_attempts`, then the message is marked failed;
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

    def pause(self, seconds: float) -> None:
        """Stop all sending for `seconds` (a 429's retry_after)."""
        self.paused_until = max(self.paused_until, self.now() + seconds)


class OutboxWorker:
    """Sends pending outbox rows, one at a time, in the order they were queued."""

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
    ) -> None:
        self.store = store
        self.clock = clock
        self.send = send
        self.pacer = Pacer(rate)
        self.progress = progress
        self.progress_interval = progress_interval
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_progress: dict[int, float] = {}
        self.sent_count = 0

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
            try:
                busy = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox pass failed; retrying in a second")
                await asyncio.sleep(1)
                continue
            if not busy:
                self._idle.set()
                self._wake.clear()
                if self._stopping:
                    break
                with contextlib.suppress(TimeoutError):
                    # Wake up now and then anyway: another process may have queued rows.
                    await asyncio.wait_for(self._wake.wait(), timeout=30)

    async def _pass(self) -> bool:
        """Send one batch; False if nothing was pending."""
        items = await self.store.pending_outbox(limit=BATCH)
        if not items:
            await self._finish_broadcasts()
            return False
        self._idle.clear()
        touched: set[int] = set()
        waiting: list[float] = []
        sent_any = False
        for item in items:
            if self._stopping:
                return True
            chat_wait = self.pacer.chat_wait(item.chat_id)
            if chat_wait > 0:
                waiting.append(chat_wait)
                continue
            await self._deliver(item)
            sent_any = True
            if item.broadcast_id is not None:
                touched.add(item.broadcast_id)
                await self._maybe_progress(item.broadcast_id)
        for broadcast_id in touched:
            if await self.store.finish_broadcast(broadcast_id, at=self.clock.now()):
                await self._report(broadcast_id, finished=True)
        if not sent_any and waiting:
            await asyncio.sleep(min(waiting))
        return True

    async def _deliver(self, item: OutboxItem) -> None:
        """Send one message, retrying as its outcome says, and record the result."""
        store = self.store
        if item.member_id is not None and not item.reachable:
            await store.outbox_done(item.id, "skipped", error="unreachable", at=self.clock.now())
            return
        attempts = item.attempts
        while not self._stopping:
            wait = self.pacer.overall_wait()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self.pacer.record(item.chat_id)
            result = await self.send(item)
            now = self.clock.now()
            if result.outcome is Outcome.SENT:
                await store.outbox_done(item.id, "sent", message_id=result.message_id, at=now)
                self.sent_count += 1
                return
            if result.outcome is Outcome.RETRY_AFTER:
                logger.warning("Telegram asked to wait %.0f s; all sending paused",
                               result.retry_after)
                self.pacer.pause(result.retry_after)
                continue
            if result.outcome is Outcome.TRANSIENT:
                attempts = await store.outbox_attempted(item.id, result.error or "transient")
                if attempts >= self.max_attempts:
                    await store.outbox_done(item.id, "failed", error=result.error, at=now)
                    return
                self.pacer.pause(self.backoff * 2 ** (attempts - 1))
                continue
            if result.outcome is Outcome.UNREACHABLE:
                await store.outbox_done(item.id, "unreachable", error=result.error, at=now)
                if item.member_id is not None:
                    await store.set_reachable(item.member_id, False, at=now)
                    await store.skip_unreachable(item.member_id, at=now)
                return
            await store.outbox_done(item.id, "failed", error=result.error, at=now)
            return

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
