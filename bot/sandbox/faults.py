"""What goes wrong between the bot and Telegram, on purpose: scripted and random faults (429
with retry_after, 5xx, timeouts, 403 blocked, 400), flood control, and the network's latency."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Sequence

from telegram.error import TimedOut

from bot.sandbox.checks import (
    CHAT_NOT_FOUND,
    FORBIDDEN_BLOCKED,
    ApiError,
    JSONDict,
    Response,
    as_chat_id,
)
from bot.sandbox.models import Fault

#: The fault kinds accepted by :meth:`Faults.fail` and :meth:`Faults.random_faults`.
FAULT_KINDS: tuple[str, ...] = ("429", "500", "502", "timeout", "403", "400")

#: Methods subject to the simulated flood control of :meth:`Faults.rate_limit`.
FLOOD_METHODS: frozenset[str] = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage"}
)


class Faults:
    """The faults, flood control and latency of a sandbox (a part of `Sandbox`).

    Attributes:
        arrivals: Set to a list to collect the loop times at which sends (the methods under
            flood control) arrived; ``None`` collects nothing.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._random: tuple[float, tuple[str, ...], frozenset[str], int] | None = None
        self._rng = random.Random(0)
        self._rate: float | None = None
        self._window: deque[float] = deque()
        self._chat_limits = False
        self._last_to_chat: dict[int, float] = {}
        self._to_group: dict[int, deque[float]] = {}
        # network
        self._latency = 0.0
        self._jitter = 0.0
        self._latency_rng = random.Random(0)
        self.arrivals: list[float] | None = None  # loop times at which sends arrived
        super().__init__()

    def fail(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail; failed calls change nothing.

        Args:
            method: The Bot API method (e.g. ``"sendMessage"``).
            kind: ``"429"`` (RetryAfter), ``"500"`` / ``"502"`` (NetworkError), ``"timeout"``
                (TimedOut), ``"403"`` (Forbidden: blocked), ``"400"`` (BadRequest: chat not
                found).
            times: How many calls fail.
            chat_id: Only calls with this ``chat_id`` fail.
            retry_after: Seconds for ``"429"``.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(Fault(method, kind, times, chat_id, retry_after))

    def clear_faults(self) -> None:
        """Remove scripted and random faults and the rate limit."""
        self._faults.clear()
        self._random = None
        self._rate = None
        self._window.clear()

    def random_faults(
        self,
        rate: float,
        kinds: Sequence[str] = ("429", "500"),
        *,
        methods: Sequence[str] = ("sendMessage",),
        retry_after: int = 1,
        seed: int = 0,
    ) -> None:
        """Make each call of ``methods`` fail with probability ``rate`` (0 turns it off).

        Args:
            rate: Probability in ``[0, 1]``.
            kinds: Fault kinds to choose from uniformly.
            methods: The affected methods.
            retry_after: Seconds for ``"429"``.
            seed: Seed of the random generator (reproducible runs).
        """
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ValueError(f"unknown fault kinds {bad}; expected some of {FAULT_KINDS}")
        self._rng = random.Random(seed)
        self._random = (rate, tuple(kinds), frozenset(methods), retry_after) if rate else None

    def rate_limit(self, per_second: float | None, *, per_chat: bool = False) -> None:
        """Simulate flood control for sendMessage/sendPhoto/sendDocument/copyMessage.

        Args:
            per_second: More calls than this within any 1 s window answer 429 with
                ``retry_after=1``; ``None`` turns it off.
            per_chat: Also answer 429 to a second message to one chat within a second, and
                to a 21st message to one group within a minute.
        """
        self._rate = per_second
        self._window.clear()
        self._chat_limits = per_chat and per_second is not None
        self._last_to_chat.clear()
        self._to_group.clear()

    def latency(self, round_trip_ms: float, jitter_ms: float = 0.0, *, seed: int = 0) -> None:
        """Put a network between the bot and the sandbox: every call takes `round_trip_ms`,
        plus up to `jitter_ms` more on the way there (uniformly at random).

        The waits run on the event loop's clock, so under `bot.sandbox.vtime` they cost no real
        time.
        """
        if round_trip_ms < 0 or jitter_ms < 0:
            raise ValueError("latency and jitter must not be negative")
        self._latency = round_trip_ms / 1000
        self._jitter = jitter_ms / 1000
        self._latency_rng = random.Random(seed)

    def _faulty(self) -> bool:
        """Whether any call may fail or be counted (the fast path skips `_check_faults`)."""
        return bool(self._faults or self._random is not None or self._rate is not None
                    or self.arrivals is not None)

    def _check_faults(self, name: str, params: JSONDict) -> Response | None:
        """The failure this call meets, if any (and count it against the limits)."""
        if self._faults:
            for fault in self._faults:
                if fault.method != name:
                    continue
                if fault.chat_id is not None and as_chat_id(params.get("chat_id")) != (
                    fault.chat_id
                ):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return _fault_response(fault.kind, fault.retry_after)
        if self._random is not None:
            rate, kinds, methods, retry_after = self._random
            if name in methods and self._rng.random() < rate:
                return _fault_response(self._rng.choice(kinds), retry_after)
        if self._rate is not None and name in FLOOD_METHODS:
            now = asyncio.get_running_loop().time()
            window = self._window
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self._rate:
                return _fault_response("429", 1)
            if self._chat_limits:
                chat = as_chat_id(params.get("chat_id")) or 0
                if now - self._last_to_chat.get(chat, -1e9) < 1.0:
                    return _fault_response("429", 1)
                if chat < 0:
                    times = self._to_group.setdefault(chat, deque())
                    while times and now - times[0] >= 60.0:
                        times.popleft()
                    if len(times) >= 20:
                        return _fault_response("429", 60)
                    times.append(now)
                self._last_to_chat[chat] = now
            window.append(now)
        if self.arrivals is not None and name in FLOOD_METHODS:
            self.arrivals.append(asyncio.get_running_loop().time())
        return None


def _fault_response(kind: str, retry_after: int) -> Response:
    if kind == "timeout":
        raise TimedOut("Timed out (sandbox fault)")
    if kind == "429":
        return ApiError(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        ).response()
    if kind == "500":
        return ApiError(500, "Internal Server Error").response()
    if kind == "502":
        return ApiError(502, "Bad Gateway").response()
    if kind == "403":
        return ApiError(403, FORBIDDEN_BLOCKED).response()
    return ApiError(400, CHAT_NOT_FOUND).response()
