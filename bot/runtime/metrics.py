"""The bot's metrics, in the Prometheus text format (README, "Monitoring", lists them).

One `Metrics` per Application, on a registry of its own (never the library's global one:
the tests build hundreds of applications in one process). Storage and the rules know
nothing of it: the wiring (`bot.runtime.app`) hands plain callbacks down (the writer lock's
`on_wait`, the ledger's `on_done`, the update processor's `observe`, the rate limiter's
`on_event`), and the outbox worker is told through `OutboxEvents`, which this implements.
What the database holds (the outbox's backlog, the late runs) is read at scrape time.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from bot.rules.late import late_runs
from storage.store import Store

if TYPE_CHECKING:
    from bot.runtime.services import Services

__all__ = ["CONTENT_TYPE", "Metrics", "exposition"]

logger = logging.getLogger(__name__)

# The `*_created` series double every counter and say nothing a dashboard uses.
disable_created_metrics()

UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LOCK_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0)
WEBHOOK_RESULTS = ("ok", "forbidden", "bad", "unavailable")
OUTCOMES = ("sent", "failed", "unreachable", "skipped")  # what an outbox row ends as


class Metrics:
    """The metrics of one running bot, and the callbacks that keep them."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("frontline_updates_handled", "Updates handled, by kind of "
                               "update (message, callback_query, ...)", ["kind"], registry=r)
        self.update_seconds = Histogram(
            "frontline_update_handling_seconds", "Seconds from taking an update from the "
            "queue to the end of its handlers", ["kind"], buckets=UPDATE_BUCKETS, registry=r)
        self.messages = Counter(
            "frontline_messages", "Messages sent or given up on, by kind (reply: a direct "
            "answer; else the outbox row's kind) and outcome", ["kind", "outcome"], registry=r)
        self.retried = Counter(
            "frontline_messages_retried", "Attempts to be tried again, by kind and reason "
            "(transient: a timeout or 5xx; retry_after: a 429)", ["kind", "reason"], registry=r)
        self.paced_total = Counter(
            "frontline_messages_paced", "Outbox messages that waited for Telegram's limits "
            "before going out", ["kind"], registry=r)
        self.too_many = Counter("frontline_telegram_429", "429 Too Many Requests answers, by "
                                "source (outbox, reply)", ["source"], registry=r)
        self.paused_total = Counter(
            "frontline_sending_paused_seconds", "Seconds all outbox sending was paused, by "
            "reason (retry_after, trouble)", ["reason"], registry=r)
        self.backlog = Gauge("frontline_outbox_messages", "Outbox rows by state (pending; "
                             "failed: of those queued in the last 24 h), read at scrape time",
                             ["state"], registry=r)
        self.oldest = Gauge("frontline_outbox_oldest_pending_age_seconds", "Age of the oldest "
                            "pending outbox row (0: none)", registry=r)
        self.progress_at = Gauge("frontline_outbox_last_progress_timestamp_seconds", "When "
                                 "the outbox last delivered a message: sent, skipped or found "
                                 "unreachable (0: not since start)", registry=r)
        self.runs = Counter("frontline_scheduled_runs", "Scheduled runs recorded in the "
                            "ledger, by kind", ["kind"], registry=r)
        self.runs_late = Gauge("frontline_scheduled_runs_late", "Scheduled runs (prompt, "
                               "reminder, digest, weekly) due 15 minutes ago or more and not done"
                               " (bot.rules.late, as frontline status)", registry=r)
        self.tick_at = Gauge("frontline_scheduler_last_tick_timestamp_seconds", "When the "
                             "scheduler last ticked", registry=r)
        self.lock_wait = Histogram(
            "frontline_db_write_lock_wait_seconds", "Seconds a write waited for the "
            "database's one writer lock", buckets=LOCK_BUCKETS, registry=r)
        self.webhook = Counter("frontline_webhook_requests", "Webhook requests by result "
                               "(ok, forbidden, bad, unavailable)", ["result"], registry=r)
        self.received_at = Gauge("frontline_updates_last_received_timestamp_seconds", "When "
                                 "a getUpdates answer, a webhook request or a clean "
                                 "getWebhookInfo last came", registry=r)
        for result in WEBHOOK_RESULTS:
            self.webhook.labels(result)
        for source in ("outbox", "reply"):
            self.too_many.labels(source)
        for reason in ("retry_after", "trouble"):
            self.paused_total.labels(reason)

    def watch_store(self, store: Store) -> None:
        """Hand storage its callbacks: the writer lock's waits, the runs recorded."""
        store.db.lock_stats.on_wait = self.lock_waited
        store.runs.on_done = self.run_done
        store.followups.on_done = self.run_done

    # --- callbacks ---------------------------------------------------------------------------

    def update_handled(self, kind: str, seconds: float) -> None:
        """An update was handled (`PerPersonUpdateProcessor`'s `observe`)."""
        self.updates.labels(kind).inc()
        self.update_seconds.labels(kind).observe(seconds)

    def lock_waited(self, seconds: float) -> None:
        """A write waited this long for the writer's lock (`LockStats.on_wait`)."""
        self.lock_wait.observe(seconds)

    def run_done(self, kind: str) -> None:
        """A scheduled run was recorded in the ledger (`Runs.on_done`)."""
        self.runs.labels(kind).inc()

    def reply_event(self, event: str) -> None:
        """A direct reply's event (`RetryingRateLimiter.on_event`)."""
        if event == "429":
            self.too_many.labels("reply").inc()
            self.retried.labels("reply", "retry_after").inc()
        elif event == "retried":
            self.retried.labels("reply", "transient").inc()
        else:
            self.messages.labels("reply", event).inc()

    def webhook_request(self, result: str) -> None:
        """A webhook request was answered (`bot.runtime.http`)."""
        self.webhook.labels(result).inc()

    # --- OutboxEvents ------------------------------------------------------------------------

    def outcome(self, kind: str, state: str) -> None:
        """An outbox row's outcome (attempted: a timeout or 5xx, tried again later)."""
        if state == "attempted":
            self.retried.labels(kind, "transient").inc()
        else:
            self.messages.labels(kind, state).inc()

    def retry_after(self, kind: str) -> None:
        """Telegram answered an outbox message with 429."""
        self.too_many.labels("outbox").inc()
        self.retried.labels(kind, "retry_after").inc()

    def paced(self, kind: str) -> None:
        """An outbox message waited for Telegram's limits."""
        self.paced_total.labels(kind).inc()

    def paused(self, reason: str, seconds: float) -> None:
        """All outbox sending was paused `seconds` more."""
        if seconds > 0:
            self.paused_total.labels(reason).inc(seconds)


def _stamp(when: datetime | None) -> float:
    return when.timestamp() if when is not None else 0.0


async def exposition(services: Services) -> bytes:
    """The metrics in the text format, with what the database holds read now."""
    metrics, now = services.metrics, services.clock.now()
    try:
        backlog = await services.store.health.outbox(now=now)
        metrics.backlog.labels("pending").set(backlog.pending)
        metrics.backlog.labels("failed").set(backlog.failed)
        oldest = backlog.oldest_pending
        metrics.oldest.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        metrics.runs_late.set(len(await late_runs(services.store, now)))
    except Exception as exc:  # the rest still answers; readiness says what is wrong
        logger.warning("metrics: could not read the outbox's backlog or the late runs (%s: %s)",
                       type(exc).__name__, exc)
    if services.outbox is not None:
        metrics.progress_at.set(_stamp(services.outbox.last_progress))
    if services.scheduler is not None:
        metrics.tick_at.set(_stamp(services.scheduler.last_tick))
    metrics.received_at.set(_stamp(services.receiving.last_received))
    return generate_latest(metrics.registry)
