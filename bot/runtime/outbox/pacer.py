"""The outbox's pacing: overall, per-chat and per-group limits on a monotonic clock (the
event loop's by default, so that it runs on virtual time with the loop)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

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


def loop_time() -> float:
    """The running event loop's clock."""
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
        # With no pause under way all of it is added, exactly: (now + s) - now is not always s
        # in floating point.
        added = seconds if self.paused_until <= now else max(0.0, until - self.paused_until)
        self.paused_until = max(self.paused_until, until)
        return added

