"""The long-lived things every handler and job needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator
from bot.runtime.metrics import Metrics
from bot.runtime.receiving import Receiving
from storage.store import Store

if TYPE_CHECKING:
    from bot.runtime.alerts import AlertMonitor
    from bot.runtime.outbox import OutboxWorker
    from bot.runtime.scheduler import Scheduler


@dataclass
class Services:
    """Config, storage, clock and translator, shared by handlers and jobs."""

    config: Config
    store: Store
    clock: Clock
    translate: Translator
    outbox: OutboxWorker | None = None  # set once the application has started
    scheduler: Scheduler | None = None  # likewise
    alerts: AlertMonitor | None = None  # likewise
    metrics: Metrics = field(default_factory=Metrics)  # this bot's own registry
    receiving: Receiving = field(init=False)  # when updates last arrived (readiness)

    def __post_init__(self) -> None:
        self.receiving = Receiving(self.clock)

    def wake_outbox(self) -> None:
        """New rows were queued: let the outbox worker (if running) look now."""
        if self.outbox is not None:
            self.outbox.wake()
