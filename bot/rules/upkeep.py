"""The organization's own daily runs, after the branches' due work in the scheduler's run:
the backup (`bot.rules.backups`), then retention (`bot.rules.retention`), both at the
`[backup]` time, local in `[defaults] timezone`, both through the ledger of runs.

Retention runs whether or not backups are on; when they are, the day's copy is made first,
so that what retention is about to prune is still in the newest copy (for `keep` more days:
the backup folder deserves the same care as the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import BackupConfig, Config, RetentionConfig
from bot.rules import backups, retention
from bot.rules.backups import BackupResult
from bot.rules.retention import BUDGET_S, RetentionResult
from storage.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upkeep:
    """What the daily upkeep needs from the configuration (and, for tests, a hook called with
    each backup copy just before it is checked)."""

    backup: BackupConfig = field(default_factory=BackupConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    timezone: str = "Asia/Shanghai"
    budget_s: float = BUDGET_S
    before_check: Callable[[Path], None] | None = None

    @classmethod
    def of(cls, config: Config) -> Upkeep:
        """The upkeep a configuration asks for."""
        return cls(config.backup, config.retention, config.defaults.timezone)


@dataclass(frozen=True, slots=True)
class Kept:
    """What one scheduler run's upkeep did (None: nothing was due)."""

    backup: BackupResult | None = None
    retention: RetentionResult | None = None


async def run_due(store: Store, upkeep: Upkeep, now: datetime) -> Kept:
    """The day's backup and retention, if due at `now` and not done yet. A failure of one
    is logged and does not keep the other from running."""
    zone = ZoneInfo(upkeep.timezone)
    backup = kept = None
    try:
        backup = await backups.run_due(store, upkeep.backup, now, zone=zone,
                                       before_check=upkeep.before_check)
    except Exception:
        logger.exception("the backup failed")
    try:
        kept = await retention.run_due(store, upkeep.retention, now, zone=zone,
                                       at=upkeep.backup.at, budget_s=upkeep.budget_s)
    except Exception:
        logger.exception("retention failed")
    return Kept(backup, kept)
