"""The outbox worker: sends what the outbox holds, paced under Telegram's limits, never lost.

Rows are written before anything is sent (one transaction per broadcast or run), and the
worker keeps several messages in flight, so that its rate is the configured limit and not the
network's round trip. What it has taken but not yet recorded is *claimed* (in memory): at
most `max_in_flight` rows, which bounds what a crash can repeat. Nothing is ever sent twice
otherwise:

- an outcome is recorded in the database before its row may be looked at again; outcomes
  are written in batches, one transaction for all that finished meanwhile;
- when an outcome cannot be written (the database is locked by a long writer, the disk is
  full), the outcome stays in memory, **no new message is started**, the log says why once,
  and the worker tries again with backoff until the write succeeds; then sending resumes;
- a crash loses what was claimed and not recorded: after a restart those rows are pending
  and are sent again (at most `max_in_flight` messages, each at most once more).

Pacing, all measured on the monotonic clock when a request starts:
- overall, at most `rate` messages in any one-second window (Telegram allows about 30/s);
- one message at a time per chat, at most one a second, and 20 a minute to a group; messages
  to one chat go in the order they were queued (a later one never overtakes one that is
  backing off);
- a 429 pauses *all* sending for its `retry_after`, then the same message is tried again;
  it also widens the pacer's margin a little (a network's jitter brings requests sent a
  second apart closer where Telegram counts them), narrowed again after quiet stretches;
- timeouts and 5xx are retried with exponential backoff, up to `max_attempts`, then the
  message is marked failed. One such failure holds back only that chat; several in a row
  mean Telegram is in trouble, and then all sending pauses too;
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
from typing import Any

from bot.clock import Clock
from storage.outbox import OutboxOutcome
from storage.rows import OutboxItem
from storage.store import Store

logger = logging.getLogger(__name__)

WINDOW = 1.02  # seconds; a little over one, so that a window Telegram counts never exceeds rate
CHAT_INTERVAL = 1.05  # a little over a second, like WINDOW: a request may leave a little late
# A network's jitter brings requests sent WINDOW apart closer where Telegram counts them. Each
# 429 widens the window (and the interval per chat) by WIDEN, up to MAX_EXTRA; every
# NARROW_AFTER seconds without one narrow it by NARROW, down to WINDOW.
WIDEN = 0.01
NARROW = 0.005
MAX_EXTRA = 0.2
NARROW_AFTER = 30.0
GROUP_PER_MINUTE = 20
BATCH = 500
# Transient failures in a row (of any messages, no success between) that pause all sending.
TROUBLE_STREAK = 3
MAX_PAUSE = 60.0
RECORD_RETRY = 0.5  # first wait before writing outcomes again; doubles up to MAX_RECORD_RETRY
MAX_RECORD_RETRY = 10.0
# The outbox rows sent as paid broadcasts when paid broadcasting is on: broadcasts and their
# reminders, the daily prompts and reminders. The rest (notices to a few people) stay free.
PAID_KINDS = frozenset({"broadcast", "reminder", "rhythm_prompt", "rhythm_reminder"})


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


SendFn = Callable[[OutboxItem, bool], Awaitable[SendResult]]  # (item, as a paid broadcast)
ProgressFn = Callable[[int, bool], Awaitable[None]]
SleepFn = Callable[[float], Awaitable[None]]


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class _Lane:
    """One overall budget: an even stream (a token bucket refilled at `rate` per `WINDOW`,
    holding a tenth of a second's worth) and never more than `rate` in any `WINDOW`."""

    def __init__(self, rate: int, now: float) -> None:
        self.rate = rate
        self.sent: deque[float] = deque()
        self.dispatched: deque[float] = deque()  # when requests really left (see Pacer)
        self.burst = max(1.0, min(rate / 10, 10.0))  # small bursts: a smooth stream
        self.window = WINDOW
        self.refill = rate / WINDOW  # tokens per second
        self.tokens = self.burst
        self.filled_at = now

    def set_window(self, window: float) -> None:
        self.window = window
        self.refill = self.rate / window

    def _fill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.filled_at) * self.refill)
        self.filled_at = now
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()

    def wait(self, now: float) -> float:
        self._fill(now)
        wait = 0.0
        if len(self.sent) >= self.rate:
            wait = self.sent[0] + self.window - now
        if self.tokens < 1 - 1e-9:  # (a float short of one token is a token)
            wait = max(wait, (1 - self.tokens) / self.refill)
        return wait

    def take(self, now: float) -> None:
        self._fill(now)
        self.tokens -= 1
        self.sent.append(now)

    def dispatch_wait(self, now: float) -> float:
        while self.dispatched and self.dispatched[0] <= now - self.window:
            self.dispatched.popleft()
        if len(self.dispatched) >= self.rate:
            return self.dispatched[0] + self.window - now
        return 0.0


class Pacer:
    """Overall, per-chat and per-group limits on a monotonic clock.

    Overall, sends are spread evenly and never more than `rate` in any `WINDOW` (see
    `_Lane`): an even stream reaches Telegram as one, whatever the network's jitter adds.
    With `paid_rate`, paid broadcasts have a budget of their own (Telegram's
    allow_paid_broadcast ignores the free limit); per-chat limits and 429 pauses are shared.
    Direct replies count against the free budget (`count_direct`): Telegram counts them
    too, so the outbox yields to them.
    """

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic, *,
                 paid_rate: float | None = None) -> None:
        self.rate = max(1, int(rate))
        self.now = monotonic
        self.last_to_chat: dict[int, float] = {}
        self.to_group: dict[int, deque[float]] = {}
        self.paused_until = 0.0
        start = monotonic()
        self.free = _Lane(self.rate, start)
        self.paid = _Lane(max(1, int(paid_rate)), start) if paid_rate else None
        self.extra = 0.0  # seconds added to WINDOW and CHAT_INTERVAL after 429s (see WIDEN)
        self._extra_since = start  # when `extra` last changed

    def widen(self) -> None:
        """A 429 came back: keep a little further under the limit from now on."""
        self._set_extra(min(MAX_EXTRA, self.extra + WIDEN))

    def _set_extra(self, extra: float) -> None:
        self.extra = extra
        self._extra_since = self.now()
        for lane in (self.free, self.paid):
            if lane is not None:
                lane.set_window(WINDOW + extra)

    def _sent_one(self, now: float) -> None:
        if self.extra > 0 and now - self._extra_since >= NARROW_AFTER:
            self._set_extra(max(0.0, self.extra - NARROW))

    def _lane(self, paid: bool) -> _Lane:
        return self.paid if paid and self.paid is not None else self.free

    def dispatch_wait(self, paid: bool = False) -> float:
        """Seconds before a message started earlier may really go out: when the event loop
        is busy, started sends can bunch up, and Telegram counts them as they arrive."""
        return max(0.0, self._lane(paid).dispatch_wait(self.now()))

    def dispatch(self, paid: bool = False) -> None:
        """Count a request leaving now (a free one counts in the paid budget's window too:
        the paid limit is taken as one for everything the bot sends)."""
        now = self.now()
        self._lane(paid).dispatched.append(now)
        if not paid and self.paid is not None:
            self.paid.dispatched.append(now)

    def count_direct(self, chat_id: int | None = None) -> None:
        """A direct reply was sent (to `chat_id`): it used the free budget, and its chat's."""
        now = self.now()
        self.free.take(now)
        if self.paid is not None:
            self.paid.sent.append(now)
            self.paid.dispatched.append(now)
        if chat_id is not None:
            self.last_to_chat[chat_id] = now
            if chat_id < 0:
                self.to_group.setdefault(chat_id, deque()).append(now)

    def chat_wait(self, chat_id: int) -> float:
        """Seconds before `chat_id` may get another message (0 if now)."""
        now = self.now()
        wait = self.last_to_chat.get(chat_id, -1e9) + CHAT_INTERVAL + self.extra - now
        if chat_id < 0:
            times = self.to_group.get(chat_id)
            if times:
                while times and times[0] <= now - 60:
                    times.popleft()
                if len(times) >= GROUP_PER_MINUTE:
                    wait = max(wait, times[0] + 60 - now)
        return max(0.0, wait)

    def overall_wait(self, paid: bool = False) -> float:
        """Seconds before any message (a paid one, with `paid`) may be sent (0 if now)."""
        now = self.now()
        wait = max(self.paused_until - now, self._lane(paid).wait(now))
        return max(0.0, wait)

    def record(self, chat_id: int, paid: bool = False) -> None:
        """Count a message that is being sent now."""
        now = self.now()
        self._lane(paid).take(now)
        self._sent_one(now)
        if not paid and self.paid is not None:
            self.paid.sent.append(now)
        self.last_to_chat[chat_id] = now
        if chat_id < 0:
            self.to_group.setdefault(chat_id, deque()).append(now)
        if len(self.last_to_chat) > 50_000:
            horizon = now - CHAT_INTERVAL - self.extra
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
    """Sends pending outbox rows in the order they were queued, several at a time.

    A row waits its turn only when its chat may not get a message yet (one in flight, one a
    second, 20 a minute to a group) or it is backing off after a timeout or 5xx; the rows
    of other chats behind it go on.
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
        max_in_flight: int | None = None,
        paid_rate: float | None = None,
        paid_kinds: frozenset[str] = PAID_KINDS,
        monotonic: Callable[[], float] | None = None,
        sleep: SleepFn = asyncio.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.send = send
        # The event loop's clock by default, so that it runs on virtual time with the loop.
        self.pacer = Pacer(rate, monotonic or _loop_time, paid_rate=paid_rate)
        self.paid_kinds = paid_kinds if paid_rate else frozenset()
        self.progress = progress
        self.progress_interval = progress_interval
        self.max_attempts = max_attempts
        self.backoff = backoff
        # One second's worth of messages in flight keeps the rate whatever the round trip
        # (up to a second); it is also what a crash may repeat at most.
        paid_lane = self.pacer.paid
        self.max_in_flight = max(1, max_in_flight or self.pacer.rate + (
            paid_lane.rate if paid_lane else 0))
        self.sleep = sleep
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._moved = asyncio.Event()  # a send finished or outcomes were written
        self._moves = 0  # ... counted, so that a pass knows whether anything moved meanwhile
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._claimed: dict[int, OutboxItem] = {}  # taken, outcome not yet written
        # Rows whose outcome was written since the page being swept was read: that page still
        # shows them as they were (pending), so they must not be taken from it again.
        self._written_since_read: set[int] = set()
        self._busy_chats: set[int] = set()  # chats with a message in flight
        # Members found unreachable -> the row that found it: until that outcome is written
        # and the outbox read again, the rows already read still say they are reachable.
        self._gone: dict[int, int] = {}
        self._outcomes: list[OutboxOutcome] = []  # finished, not yet written
        self._outcomes_ready = asyncio.Event()
        self._unwritable: str | None = None  # why outcomes cannot be written, while so
        self._writable = asyncio.Event()
        self._writable.set()
        self._touched: set[int] = set()  # broadcasts with outcomes written since reported
        self._last_progress: dict[int, float] = {}
        self._not_before: dict[int, float] = {}  # outbox row id -> when it may be tried again
        self._trouble = 0  # transient failures in a row
        self.sent_count = 0
        self.paused_by_retry_after = 0.0  # seconds all sending was paused by 429s
        self.paused_by_trouble = 0.0  # ... and by runs of timeouts / 5xx
        self.most_in_flight = 0

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

    def wake(self) -> None:
        """New rows were queued: look at the outbox now."""
        self._idle.clear()
        self._wake.set()

    async def idle(self) -> None:
        """Wait until nothing is pending (for tests, the demo and benchmarks)."""
        await self._idle.wait()

    def state(self) -> str:
        """What the worker is doing, in one line (for a timeout's message and the log)."""
        task = self._task
        running = "none" if task is None else "ended" if task.done() else "running"
        paused = max(0.0, self.pacer.paused_until - self.pacer.now())
        return (f"worker {running}, idle={self._idle.is_set()}, claimed={len(self._claimed)}, "
                f"in flight={len(self._sending)}, outcomes to write={len(self._outcomes)}, "
                f"unwritable={self._unwritable!r}, paused for {paused:.1f} s, "
                f"backing off={len(self._not_before)}, sent={self.sent_count}")

    @property
    def writable(self) -> bool:
        """False while outcomes cannot be written to the database (sending is paused)."""
        return self._unwritable is None

    def seconds_for(self, messages: int, kind: str) -> float:
        """About how long the outbox takes to send `messages` rows of this kind."""
        paid = kind in self.paid_kinds
        lane = self.pacer.paid if paid and self.pacer.paid is not None else self.pacer.free
        return messages / lane.refill

    def lane_kinds(self, kind: str) -> frozenset[str] | None:
        """The kinds that share a budget with `kind` (None: every kind)."""
        if not self.paid_kinds:
            return None
        return self.paid_kinds if kind in self.paid_kinds else None

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
                    waits.append(wait)
                    held_chats.add(chat)
                    continue
                paid = item.kind in self.paid_kinds
                if not await self._slot(paid):
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

    async def _slot(self, paid: bool) -> bool:
        """Wait until a message may start: outcomes writable, a free slot, the overall pace.

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

    # --- one message --------------------------------------------------------------------------

    def _move(self) -> None:
        """Something moved: a send finished, outcomes were written, or the worker stops."""
        self._moves += 1
        self._moved.set()

    def _claim(self, item: OutboxItem) -> None:
        self._claimed[item.id] = item
        self.most_in_flight = max(self.most_in_flight, len(self._claimed))

    def _start(self, item: OutboxItem, paid: bool) -> None:
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
            self.paused_by_retry_after += pacer.pause(min(result.retry_after, 3600.0))
            pacer.widen()
            self._claimed.pop(item.id, None)  # nothing to record: try it again after the pause
            return
        self._not_before.pop(item.id, None)
        if outcome is Outcome.TRANSIENT:
            attempts = item.attempts + 1
            self._trouble += 1
            if self._trouble >= TROUBLE_STREAK:
                pause = min(self.backoff * 2 ** (self._trouble - TROUBLE_STREAK), MAX_PAUSE)
                self.paused_by_trouble += pacer.pause(pause)
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

    def _done(self, outcome: OutboxOutcome) -> None:
        """Queue an outcome to be written; the row stays claimed until it is."""
        self._outcomes.append(outcome)
        self._outcomes_ready.set()

    # --- writing outcomes -----------------------------------------------------------------------

    async def _record_loop(self) -> None:
        """Write the outcomes as they come, in one transaction each time; retry on failure."""
        retry = RECORD_RETRY
        while True:
            if not self._outcomes:
                if self._stopping and not self._sending:
                    return
                self._outcomes_ready.clear()
                await self._outcomes_ready.wait()
                continue
            batch = list(self._outcomes)
            try:
                await self.store.outbox.record(batch, at=self.clock.now())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._cannot_write(exc)
                if self._stopping and not self._sending:
                    return  # the rows stay pending: sent again at the next start
                await self.sleep(retry)
                retry = min(retry * 2, MAX_RECORD_RETRY)
                continue
            retry = RECORD_RETRY
            del self._outcomes[:len(batch)]
            for outcome in batch:
                self._claimed.pop(outcome.row_id, None)
                self._written_since_read.add(outcome.row_id)
                if outcome.broadcast_id is not None:
                    self._touched.add(outcome.broadcast_id)
            if self._unwritable is not None:
                logger.warning("the database can be written again; sending resumes")
                self._unwritable = None
                self._writable.set()
            self._move()

    def _cannot_write(self, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if self._unwritable is None:
            # Once per incident: the log must not fill with a line a second.
            logger.error("cannot record what was sent (%s); sending is paused until the "
                         "database can be written", reason)
            self._writable.clear()
        self._unwritable = reason

    # --- broadcasts ------------------------------------------------------------------------------

    async def _report_touched(self) -> None:
        """Progress for the broadcasts that moved (at most every `progress_interval`), and
        the final report for those that finished."""
        touched, self._touched = self._touched, set()
        for broadcast_id in sorted(touched):
            try:
                finished = await self.store.broadcasts.finish(broadcast_id, at=self.clock.now())
            except Exception:
                logger.exception("could not mark broadcast %d finished", broadcast_id)
                self._touched.add(broadcast_id)
                continue
            if finished:
                await self._report(broadcast_id, finished=True)
            else:
                await self._maybe_progress(broadcast_id)

    async def _maybe_progress(self, broadcast_id: int) -> None:
        now = self.pacer.now()
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
        await self._report_touched()
        for broadcast_id in await self.store.broadcasts.unfinished():
            if await self.store.broadcasts.finish(broadcast_id, at=self.clock.now()):
                await self._report(broadcast_id, finished=True)
