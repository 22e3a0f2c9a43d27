"""When the bot is unwell: the thresholds and the verdicts that `/readyz`, `frontline
status` and the admins' alerts share, so the three never disagree.

Decisions (README, "Running in production"):
- Delivery is *stuck* when the outbox has had work for `STUCK_AFTER` and nothing was
  delivered (sent, skipped or found unreachable) in that time. A 429 pause of a few seconds
  or minutes is pacing, not a fault; ten minutes without progress is.
- The scheduler is *late* when it has not ticked for `TICK_LATE_AFTER` (it ticks each
  minute): two missed ticks, never one slow one.
- A scheduled run is *late* when its time has passed by `RUN_LATE_AFTER` with no ledger row
  (the 08:00 prompt not under way at 08:15).
- Updates *arrive* while the last successful receive (a getUpdates answer in polling mode, a
  webhook request or a clean getWebhookInfo in webhook mode) is within `UPDATES_LATE_AFTER`.
- The backups are *stale* when `[backup] folder` is set and the last good daily backup is
  older than `BACKUP_STALE_AFTER`: a day and the two hours a late start or a slow copy may
  take (`bot.rules.backups.backup_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STUCK_AFTER = timedelta(minutes=10)
TICK_LATE_AFTER = timedelta(minutes=2)
RUN_LATE_AFTER = timedelta(minutes=15)
UPDATES_LATE_AFTER = timedelta(minutes=5)
BACKUP_STALE_AFTER = timedelta(hours=26)


@dataclass(frozen=True)
class Check:
    """One readiness check: its name (`database`, `outbox`, `scheduler`, `updates`), whether
    it passes, and one line saying what was seen (no personal data, no token)."""

    name: str
    ok: bool
    detail: str


def outbox_stuck(pending: int, last_progress: datetime | None, work_since: datetime | None,
                 now: datetime) -> bool:
    """True when the outbox has work and has not moved for `STUCK_AFTER`.

    `last_progress`: when a message was last delivered: sent, skipped or found unreachable
    (nobody waits for it any more); one given up on (failed) is not a delivery, so an outbox
    whose every message fails is stuck (None: never);
    `work_since`: when the oldest pending message was queued (None: none pending)."""
    if pending <= 0 or work_since is None:
        return False
    moved = max(last_progress, work_since) if last_progress is not None else work_since
    return now - moved >= STUCK_AFTER


def tick_late(last_tick: datetime | None, started: datetime, now: datetime) -> bool:
    """True when the scheduler has not ticked for `TICK_LATE_AFTER` (counting from start-up
    until the first tick)."""
    return now - (last_tick or started) >= TICK_LATE_AFTER


def updates_late(last_received: datetime | None, started: datetime, now: datetime) -> bool:
    """True when no update (or clean poll) came for `UPDATES_LATE_AFTER`."""
    return now - (last_received or started) >= UPDATES_LATE_AFTER
