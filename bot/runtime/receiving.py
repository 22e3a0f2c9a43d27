"""Whether updates arrive (readiness's `updates` check, `bot.rules.health.updates_late`).

Polling: the time of each successful getUpdates answer (an empty one included: a long poll
answers every few seconds while nobody writes), noted by `WatchedRequest` around the
Updater's own request object. Webhook: the time of each accepted webhook request, and,
since nobody may write for an hour, a getWebhookInfo once a minute (`watch_webhook`) that
counts as "arriving" when Telegram has our URL and reports no delivery error in the last
`UPDATES_LATE_AFTER` (Telegram keeps `last_error_date` after the fault is gone).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.clock import Clock
from bot.rules.health import UPDATES_LATE_AFTER, Check, updates_late

logger = logging.getLogger(__name__)

WEBHOOK_INFO_EVERY = timedelta(minutes=1)


def ago(seconds: float) -> str:
    """A short English span: "12 s", "4 min", "3 h"."""
    if seconds < 120:
        return f"{max(0, int(seconds))} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"


def _ago(then: datetime, now: datetime) -> str:
    return ago((now - then).total_seconds())


class Receiving:
    """When updates last arrived, by whichever way they come."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.webhook = False  # set by `frontline run` in webhook mode
        self.started_at = clock.now()
        self.last_poll: datetime | None = None
        self.last_post: datetime | None = None
        self.last_clean_info: datetime | None = None
        self.problem: str | None = None  # what the last getWebhookInfo found wrong, if anything

    def polled(self) -> None:
        """A getUpdates answer came."""
        self.last_poll = self.clock.now()

    def posted(self) -> None:
        """A webhook request was accepted."""
        self.last_post = self.clock.now()

    @property
    def last_received(self) -> datetime | None:
        """The latest sign that updates arrive (None: none yet)."""
        signs = [t for t in (self.last_poll, self.last_post, self.last_clean_info) if t]
        return max(signs) if signs else None

    def check(self, now: datetime) -> Check:
        """The `updates` check of readiness."""
        late = updates_late(self.last_received, self.started_at, now)
        if not self.webhook:
            if self.last_poll is None:
                detail = f"no getUpdates answer yet (started {_ago(self.started_at, now)} ago)"
            else:
                detail = f"last getUpdates answer {_ago(self.last_poll, now)} ago"
            return Check("updates", not late, detail)
        parts = []
        if self.last_post is not None:
            parts.append(f"last webhook request {_ago(self.last_post, now)} ago")
        else:
            parts.append("no webhook request yet")
        if self.problem is not None:
            parts.append(self.problem)
        elif self.last_clean_info is not None:
            parts.append(f"getWebhookInfo clean {_ago(self.last_clean_info, now)} ago")
        return Check("updates", not late, "; ".join(parts))

    def webhook_info(self, info: Any, url: str) -> None:
        """Note what getWebhookInfo answered (a `telegram.WebhookInfo`)."""
        now = self.clock.now()
        if info.url != url:
            self.problem = ("Telegram's webhook is not this bot's URL (another program set "
                            "or deleted it)")
            return
        error_at: datetime | None = info.last_error_date
        if error_at is not None and error_at.tzinfo is None:
            error_at = error_at.replace(tzinfo=UTC)
        if error_at is not None and now - error_at < UPDATES_LATE_AFTER:
            self.problem = (f"Telegram could not deliver an update {_ago(error_at, now)} ago "
                            f"({info.last_error_message or 'no reason given'}); "
                            f"{info.pending_update_count} waiting")
            return
        self.problem = None
        self.last_clean_info = now


class WatchedRequest(BaseRequest):
    """Another request object, calling `answered` after each answer with status 200 (the
    Updater's getUpdates goes through its own request object: `get_updates_request`)."""

    def __init__(self, inner: BaseRequest, answered: Callable[[], None]) -> None:
        self.inner = inner
        self.answered = answered

    @property
    def read_timeout(self) -> float | None:
        """The wrapped request's."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Initialize the wrapped request."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut the wrapped request down."""
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """The wrapped request's answer, noted when it is a 200."""
        status, payload = await self.inner.do_request(
            url, method, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        if status == 200:
            self.answered()
        return status, payload


def watch_webhook(application: Application[Any, Any, Any, Any, Any, Any],
                  receiving: Receiving, url: str) -> None:
    """Ask Telegram for the webhook's state now and once a minute (see the module)."""
    failing = False

    async def look(context: Any) -> None:
        nonlocal failing
        bot: Bot = context.bot
        try:
            info = await bot.get_webhook_info()
        except TelegramError as exc:
            if not failing:  # once per incident
                logger.warning("getWebhookInfo failed (%s); trying again each minute", exc)
            failing = True
            return
        failing = False
        receiving.webhook_info(info, url)

    queue = application.job_queue
    assert queue is not None
    queue.run_repeating(look, interval=WEBHOOK_INFO_EVERY, first=0, name="webhook_info")
