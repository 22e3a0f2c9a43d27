"""Retention (`[retention]`): once a day, old rows are pruned and old check-ins anonymised,
counts kept for the records, and the file gives its free pages back.

What each period covers, and why, is in the README ("What is kept, and for how long"); the
SQL is `storage.retention`. The run is due once per local day of `[defaults] timezone`, at
the `[backup]` time (03:30 unless set; right after the day's backup when backups are on: the
copy is made before anything is pruned), recorded in the ledger of runs (kind `retention`,
keyed by the day) with the counts of what it did. It works in pieces of a few thousand rows,
each a short transaction of its own, and for at most `BUDGET_S` seconds per scheduler tick:
the first run on a big database (a year of history to anonymise) goes on over the next
ticks, its ledger row marked under way, its counts adding up, until nothing is left. Then the
file is compacted (SQLite's incremental vacuum, a step at a time) and the WAL emptied.

A period of 0 days keeps that data for ever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from bot.config import RetentionConfig
from storage import compact
from storage.retention import PIECE
from storage.rows import DigestCounts
from storage.store import Store

logger = logging.getLogger(__name__)

BUDGET_S = 10.0  # seconds of work per tick (the bot answers between pieces meanwhile)
VACUUM_PAGES = 1024  # pages given back per step (4 MiB of 4 KiB pages, ~70 ms of the lock)
KIND = "retention"
COUNTS = ("outbox_deleted", "outbox_emptied", "attachments_deleted", "audit_deleted",
          "checkins_anonymised", "days_counted", "needs_cleared", "visits_cleared",
          "answers_cleared", "pages_freed")


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """What is old, for each period that is not "for ever" (None)."""

    outbox: datetime | None
    audit: datetime | None
    health: datetime | None  # free text of needs, visits, answers
    health_day: date | None  # check-ins of local days before this one

    @classmethod
    def of(cls, config: RetentionConfig, now: datetime, zone: ZoneInfo) -> Cutoffs:
        """The cutoffs at `now` (check-in days in `zone`, the organization's default)."""
        def ago(days: int) -> datetime | None:
            return now - timedelta(days=days) if days else None

        today = now.astimezone(zone).date()
        return cls(ago(config.outbox_days), ago(config.audit_days), ago(config.health_days),
                   today - timedelta(days=config.health_days) if config.health_days else None)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """A day's retention run so far: done, or to be continued at the next tick."""

    day: date
    done: bool
    counts: dict[str, int] = field(default_factory=dict)


class _Clock:
    """The tick's budget of work."""

    def __init__(self, budget_s: float) -> None:
        self.ends = time.monotonic() + budget_s

    @property
    def over(self) -> bool:
        return time.monotonic() >= self.ends


async def _repeat(step: Callable[[], Awaitable[bool]], budget: _Clock) -> bool:
    """Run `step` until it says there is nothing more (True) or the budget is spent."""
    while not budget.over:
        if not await step():
            return True
        await asyncio.sleep(0)  # let the bot's other work run between pieces
    return False


async def prune(store: Store, cutoffs: Cutoffs, counts: dict[str, int], *,
                budget_s: float = BUDGET_S, piece: int = PIECE) -> bool:
    """Prune, anonymise and compact what `cutoffs` make old, adding to `counts`, for at most
    `budget_s` seconds; True when nothing is left to do."""
    retention = store.retention
    budget = _Clock(budget_s)

    def add(key: str, n: int) -> None:
        counts[key] = counts.get(key, 0) + n

    walked = 0  # the outbox is walked in id order, from its first row each run

    async def outbox() -> bool:
        nonlocal walked
        assert cutoffs.outbox is not None
        done = await retention.prune_outbox(cutoffs.outbox, piece, after=walked)
        walked = done.upto
        add("outbox_deleted", done.deleted)
        add("outbox_emptied", done.emptied)
        return done.more

    async def attachments() -> bool:
        assert cutoffs.outbox is not None
        n = await retention.prune_attachments(cutoffs.outbox, piece)
        add("attachments_deleted", n)
        return n > 0

    async def audit() -> bool:
        assert cutoffs.audit is not None
        n = await retention.prune_audit(cutoffs.audit, piece)
        add("audit_deleted", n)
        return n > 0

    async def checkins() -> bool:
        assert cutoffs.health_day is not None
        done = await retention.anonymise_checkins(cutoffs.health_day, piece)
        if done is None:
            return False
        add("checkins_anonymised", done.anonymised)
        add("days_counted", int(done.counted))
        return True

    async def needs() -> bool:
        assert cutoffs.health is not None
        n = await retention.clear_needs(cutoffs.health, piece)
        add("needs_cleared", n)
        return n > 0

    async def visits() -> bool:
        assert cutoffs.health is not None
        n = await retention.clear_visits(cutoffs.health, piece)
        add("visits_cleared", n)
        return n > 0

    async def answers() -> bool:
        assert cutoffs.health is not None
        n = await retention.clear_answers(cutoffs.health, piece)
        add("answers_cleared", n)
        return n > 0

    steps: list[Callable[[], Awaitable[bool]]] = []
    if cutoffs.outbox is not None:
        steps += [outbox, attachments]
    if cutoffs.audit is not None:
        steps.append(audit)
    if cutoffs.health is not None:
        steps += [checkins, needs, visits, answers]
    for step in steps:
        if not await _repeat(step, budget):
            return False
    return await _compact(store, counts, budget)


async def _compact(store: Store, counts: dict[str, int], budget: _Clock) -> bool:
    """Give the free pages back, a step at a time, then empty the WAL."""
    freed = 0

    async def step() -> bool:
        nonlocal freed
        if await compact.free_pages(store.db) == 0:
            return False
        n = await compact.give_back(store.db, VACUUM_PAGES)
        freed += n
        return n > 0  # 0: the file does not keep auto_vacuum = INCREMENTAL

    finished = await _repeat(step, budget)
    counts["pages_freed"] = counts.get("pages_freed", 0) + freed
    if finished and freed:
        await compact.checkpoint(store.db)
    return finished


async def run_due(store: Store, config: RetentionConfig, now: datetime, *, zone: ZoneInfo,
                  at: clock_time, budget_s: float = BUDGET_S,
                  piece: int = PIECE) -> RetentionResult | None:
    """Do (or go on with) today's retention run if it is due at `now` (past `at`, local
    in `zone`) and not done yet; None if nothing was due."""
    local = now.astimezone(zone)
    if local.time().replace(tzinfo=None) < at:
        return None
    day = local.date()
    root = await store.runs.upkeep_root()
    if root is None:
        return None  # no organization yet: nothing to keep or prune
    recorded = await store.runs.upkeep(KIND, day)
    if recorded is not None and recorded.done:
        return None
    counts = {key: int(n) for key, n in dict(recorded.detail).get("counts", {}).items()
              } if recorded is not None else {}
    done = await prune(store, Cutoffs.of(config, now, zone), counts, budget_s=budget_s,
                       piece=piece)
    kept = {"outbox_days": config.outbox_days, "audit_days": config.audit_days,
            "health_days": config.health_days}
    await store.runs.record_upkeep(root, KIND, day, at=now,
                                   detail={"counts": counts, "kept": kept}, done=done)
    if done:
        logger.info("retention done for %s: %s", day.isoformat(),
                    " ".join(f"{key}={counts.get(key, 0)}" for key in COUNTS))
    return RetentionResult(day, done, counts)


async def with_kept_statuses(store: Store, root_id: int, day: date,
                             parts: list[DigestCounts]) -> list[DigestCounts]:
    """A digest's parts for `day` with their counts by status taken from the counts kept
    when the day's check-ins were anonymised (the check-ins now say only that the members
    checked in); the parts unchanged for a day whose statuses are still there.

    The kept counts are by the branch each member checked in from; the rest of the digest
    counts today's members of each part. They differ only for members moved or removed
    since: then a part's statuses need not add up to its check-ins.
    """
    through = await store.retention.anonymised_through()
    if through is None or day > through:
        return parts  # the day's statuses are all there (the usual case: one lookup)
    kept = await store.retention.kept_statuses(root_id, day)
    if not kept:
        return parts
    out = []
    for part in parts:
        got = kept.get(part.branch_id, {})
        out.append(dataclasses.replace(
            part, on_duty=got.get("on_duty", 0), available=got.get("available", 0),
            unwell=got.get("unwell", 0), quarantined=got.get("quarantined", 0),
            off=got.get("off", 0)))
    return out
