"""Counting a digest: everything is counted in SQL (`storage.digest`); this module asks for the
day's window and orders the sub-branches, worst first."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.rules import retention
from bot.rules.digest import coverage
from bot.rules.digest.arguments import day_bounds
from bot.rules.digest.coverage import DigestCoverage
from bot.rules.vocab import CARE
from storage.rows import Branch, DigestCounts, DigestDecline, DigestNeed, DigestPerson
from storage.store import Store

SHOW_NAMES = 12  # names per list before "and N more" (fewer if the message would not fit)
SHOW_NEEDS = 5
SHOW_DECLINES = 5


@dataclass(frozen=True)
class Digest:
    """What a digest shows, as counted."""

    branch: Branch
    day: date
    total: DigestCounts  # the whole subtree
    children: list[DigestCounts]  # one per direct sub-branch (its subtree), worst first
    people: list[DigestPerson]  # up to `shown` of each kind
    shown: int
    needs: list[DigestNeed]
    declines: list[DigestDecline]
    broadcasts: int
    recipients: int
    acks: int
    coverage: DigestCoverage | None = None  # None: no households in the subtree
    # People of the roster not yet joined at the day's end (or now), by part: the branch's
    # own id and each direct sub-branch's id. No members: in no count above.
    waiting: Mapping[int, int] = field(default_factory=dict)

    @property
    def waiting_total(self) -> int:
        """People of the subtree's roster not yet joined."""
        return sum(self.waiting.values())


def rate(part: int, whole: int) -> int:
    """A percentage, rounded."""
    return round(100 * part / whole) if whole else 0


def problems(counts: DigestCounts) -> int:
    """How much is wrong in a part of the subtree, to order equal rates."""
    return counts.unwell + counts.quarantined + counts.needs_open_critical + counts.overdue


def worst_first(children: list[DigestCounts]) -> list[DigestCounts]:
    """Sub-branches by check-in rate, lowest first; more problems first; empty ones last."""
    return sorted(children, key=lambda c: (c.members == 0,
                                           c.checked / c.members if c.members else 0.0,
                                           -problems(c), c.name, c.branch_id))


def _sum(branch: Branch, parts: list[DigestCounts]) -> DigestCounts:
    numbers = {f.name: sum(getattr(p, f.name) for p in parts)
               for f in dataclasses.fields(DigestCounts) if f.name not in ("branch_id", "name")}
    return DigestCounts(branch.id, branch.name, **numbers)


def _window(branch: Branch, day: date, now: datetime) -> tuple[datetime, datetime, datetime,
                                                               datetime]:
    start, end = day_bounds(day, branch.timezone)
    # Silent for two days: a member who joined after the day before began had no chance.
    joined_before = day_bounds(day - timedelta(days=1), branch.timezone)[0]
    return start, end, min(now, end), joined_before


async def build(store: Store, branch: Branch, day: date, now: datetime, *,
                shown: int = SHOW_NAMES) -> Digest:
    """Count the digest of `branch`'s subtree for the local `day`."""
    start, end, as_of, joined_before = _window(branch, day, now)
    yesterday = day - timedelta(days=1)
    parts, people = await store.digest.rollup(
        branch.id, day, yesterday, start=start, end=end, as_of=as_of,
        joined_before=joined_before, names=shown)
    # A day older than [retention] health_days: its statuses are the counts kept for it.
    parts = await retention.with_kept_statuses(store, branch.id, day, parts)
    needs = await store.digest.open_needs(branch.id, as_of=as_of, limit=SHOW_NEEDS)
    declines = await store.digest.declines(branch.id, start=start, end=end,
                                           limit=SHOW_DECLINES)
    broadcasts, recipients, acks = await store.digest.acks(branch.id, start=start, end=end)
    children = worst_first([p for p in parts if p.branch_id != branch.id])
    waiting = await store.digest.waiting(branch.id, at=as_of, now=now)
    return Digest(branch=branch, day=day, total=_sum(branch, parts), children=children,
                  people=people, shown=shown, needs=needs, declines=declines,
                  broadcasts=broadcasts, recipients=recipients, acks=acks,
                  coverage=await coverage.gather(store, branch, day), waiting=waiting)


async def full_list(store: Store, branch: Branch, day: date, kind: str,
                    now: datetime) -> list[DigestPerson]:
    """Every member behind a list button: `unwell` (and quarantined) or `silent`."""
    _, _, _, joined_before = _window(branch, day, now)
    kinds = CARE if kind == "unwell" else ("silent",)
    return await store.digest.people(branch.id, day, day - timedelta(days=1),
                                     joined_before=joined_before, kinds=kinds, limit=None)
