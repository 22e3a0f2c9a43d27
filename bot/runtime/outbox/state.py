"""The outbox worker's state, and the small operations on it every part of the worker uses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock
from bot.runtime.outbox.pacer import Pacer, loop_time
from bot.runtime.outbox.results import NoEvents, OutboxEvents, ProgressFn, SendFn, SleepFn
from storage.outbox import OutboxOutcome
from storage.rows import OutboxItem
from storage.store import Store

# The outbox rows sent as paid broadcasts when paid broadcasting is on: broadcasts and their
# reminders, the daily prompts and reminders. The rest (notices to a few people) stay free.
PAID_KINDS = frozenset({"broadcast", "reminder", "rhythm_prompt", "rhythm_reminder"})


class WorkerState:
    """What the outbox worker knows (see `OutboxWorker`, which is this and its parts)."""

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
        events: OutboxEvents | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.send = send
        # The event loop's clock by default, so that it runs on virtual time with the loop.
        self.pacer = Pacer(rate, monotonic or loop_time, paid_rate=paid_rate)
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
        self.events: OutboxEvents = events or NoEvents()
        # For readiness (`bot.rules.health.outbox_stuck`), on the injected clock: when the
        # worker started, and when a message was last delivered or given up on.
        self.started_at = clock.now()
        self.last_progress: datetime | None = None
        self._paced: set[int] = set()  # rows held back by the pace (counted once when sent)
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

    def _move(self) -> None:
        """Something moved: a send finished, outcomes were written, or the worker stops."""
        self._moves += 1
        self._moved.set()

    def _claim(self, item: OutboxItem) -> None:
        self._claimed[item.id] = item
        self.most_in_flight = max(self.most_in_flight, len(self._claimed))

    def _done(self, outcome: OutboxOutcome) -> None:
        """Queue an outcome to be written; the row stays claimed until it is."""
        item = self._claimed.get(outcome.row_id)
        self.events.outcome(item.kind if item is not None else "unknown", outcome.state)
        self._paced.discard(outcome.row_id)
        self._outcomes.append(outcome)
        self._outcomes_ready.set()

