"""Direct replies survive Telegram's passing faults.

PTB's AIORateLimiter already waits out a 429's `retry_after` and tries again. This
subclass also retries server errors (5xx) and network failures a few times with a short
backoff; a timeout is retried only for calls that are safe to repeat (an edit, an answer
to a button), never for a send, where the first attempt may have gone through and a
retry would show the member the same message twice. Bad requests (400) and 403 are not
retried: they would fail again.

`on_event` (the metrics) is told of each direct send's end ("sent", "failed"), each retry
after a network fault ("retried"), and of every 429 Telegram answers ("429", whatever the
call; AIORateLimiter waits it out and tries again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

Answer = bool | dict[str, Any] | list[dict[str, Any]]  # a Bot API call's result
Call = Callable[..., Coroutine[Any, Any, Answer]]

# `rate_limit_args` of a request that the outbox paces and retries itself: no waiting, no retry.
UNPACED = -1

# Calls Telegram counts against a bot's overall sending budget (about 30 a second).
SENDS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "copyMessage",
    "forwardMessage", "sendMediaGroup",
})
NOT_IDEMPOTENT = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "copyMessage",
    "forwardMessage", "sendMediaGroup",
})


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries 5xx and network faults (see the module docstring)."""

    def __init__(self, *, network_retries: int = 2, backoff: float = 0.5,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff
        # Told of every direct send as it goes out, with its chat (the outbox's pacer counts
        # it against the overall budget and the chat's).
        self.on_send: Callable[[int | None], None] | None = None
        self.on_event: Callable[[str], None] | None = None  # see the module's docstring

    async def process_request(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """Send through the rate limiter; retry what is worth retrying."""
        if rate_limit_args == UNPACED:
            return await callback(*args, **kwargs)
        send = endpoint in SENDS
        if self.on_send is not None and send:
            chat = data.get("chat_id")
            self.on_send(chat if isinstance(chat, int) else None)
        tell = self.on_event or _nobody
        if self.on_event is not None:
            callback = _telling_429(callback, tell)
        try:
            result = await self._retrying(callback, args, kwargs, endpoint, data,
                                          rate_limit_args, tell)
        except Exception:
            if send:
                tell("failed")
            raise
        if send:
            tell("sent")
        return result

    async def _retrying(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
        tell: Callable[[str], None],
    ) -> Answer:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except TimedOut:
                if endpoint in NOT_IDEMPOTENT or attempt >= self.network_retries:
                    raise
            except NetworkError:
                if attempt >= self.network_retries:
                    raise
            attempt += 1
            tell("retried")
            logger.info("retrying %s after a network fault (attempt %d)", endpoint, attempt + 1)
            await asyncio.sleep(self.backoff * attempt)


def _nobody(event: str) -> None:
    """Tells nobody."""


def _telling_429(
    callback: Call,
    tell: Callable[[str], None],
) -> Call:
    """`callback`, telling of each 429 it gets (AIORateLimiter waits it out and retries)."""

    async def told(*args: Any, **kwargs: Any) -> Answer:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter:
            tell("429")
            raise

    return told
