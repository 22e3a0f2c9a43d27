"""Readiness (`/readyz`): four checks, each with the verdict of `bot.rules.health`.

- `database`: a write could start now (`Health.writable`: the write lock taken and given
  back on a connection of its own, within a second; room on the disk), and the outbox can
  record what it sends;
- `outbox`: not stuck (`outbox_stuck`): pending rows but nothing delivered (sent, skipped or
  found unreachable; a failed message is not a delivery) for ten minutes. The worker's
  start counts as movement: after a restart it gets its ten minutes before old pending rows
  make it stuck;
- `scheduler`: ticked within two minutes (`tick_late`);
- `updates`: arrive (`updates_late`, see `bot.runtime.receiving`).

Every check answers within `CHECK_TIMEOUT_S` (one that does not is red, saying so), so a
probe never hangs on a database that does not answer. Times are the injected clock's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.rules.health import Check, outbox_stuck, tick_late
from bot.runtime.receiving import ago
from bot.runtime.services import Services

CHECK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Readiness:
    """The checks; ready when all pass."""

    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        """True when every check passes."""
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        """`{"ready": bool, "checks": {name: {"ok": bool, "detail": str}}}`."""
        return {"ready": self.ready,
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks}}


async def readiness(services: Services) -> Readiness:
    """Run the four checks (see the module's docstring)."""
    now = services.clock.now()
    database, outbox = await asyncio.gather(
        _within("database", _database(services)),
        _within("outbox", _outbox(services, now)))
    return Readiness((database, outbox, _scheduler(services, now),
                      services.receiving.check(now)))


async def _within(name: str, check: Awaitable[Check]) -> Check:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except TimeoutError:
        return Check(name, False, f"no answer within {CHECK_TIMEOUT_S:g} s")
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}")


async def _database(services: Services) -> Check:
    if not services.store.db.is_open:
        return Check("database", False, "the database is not open")
    writable = await services.store.health.writable()
    if not writable.ok:
        return Check("database", False, writable.detail)
    outbox = services.outbox
    if outbox is not None and not outbox.writable:
        return Check("database", False, "the outbox cannot record what it sent; sending is "
                     "paused")
    return Check("database", True, writable.detail)


async def _outbox(services: Services, now: datetime) -> Check:
    worker = services.outbox
    if worker is None:
        return Check("outbox", False, "the outbox worker has not started")
    backlog = await services.store.health.outbox(now=now)
    moved = worker.last_progress or worker.started_at
    stuck = outbox_stuck(backlog.pending, moved, backlog.oldest_pending, now)
    failed = f"; {backlog.failed} failed in 24 h" if backlog.failed else ""
    if backlog.pending == 0:
        return Check("outbox", True, f"nothing pending{failed}")
    oldest = backlog.oldest_pending
    queued = f", the oldest queued {ago((now - oldest).total_seconds())} ago" if oldest else ""
    if worker.last_progress is not None:
        last = f"last delivery {ago((now - worker.last_progress).total_seconds())} ago"
    else:
        last = f"no delivery since the start {ago((now - worker.started_at).total_seconds())} ago"
    verdict = "stuck: " if stuck else ""
    return Check("outbox", not stuck,
                 f"{verdict}{backlog.pending} pending{queued}; {last}{failed}")


def _scheduler(services: Services, now: datetime) -> Check:
    scheduler = services.scheduler
    if scheduler is None:
        return Check("scheduler", False, "the scheduler has not started")
    late = tick_late(scheduler.last_tick, scheduler.started_at, now)
    if scheduler.last_tick is None:
        since = ago((now - scheduler.started_at).total_seconds())
        return Check("scheduler", not late, f"no tick yet (started {since} ago)")
    return Check("scheduler", not late,
                 f"last tick {ago((now - scheduler.last_tick).total_seconds())} ago")
