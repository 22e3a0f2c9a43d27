"""Counting a weekly report with the daily digest's counting, day by day.

Each of the 7 days is the digest's rollup of that local day (`storage.digest.rollup`: the
branch's own members and each direct sub-branch's subtree); the week adds the days up, so the
figures of the report are the digests' figures of those days, summed: check-ins per day and
over the week, needs opened and resolved, assignments given, done and declined. What is a
state rather than an event (needs still open, assignments overdue, members, households
covered in time) is the state at the end of the week's last day (or now, if that day is not
over). The unwell and quarantined are counted as people: everyone who checked in so at least
once in the week, each once (`storage.weekly`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta

from bot.rules.digest import coverage
from bot.rules.digest.arguments import day_bounds
from bot.rules.digest.build import rate
from storage.coverage import CoverageCounts
from storage.rows import Branch, DigestCounts
from storage.store import Store

DAYS_IN_WEEK = 7


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """A part's week: the branch's own members, a direct sub-branch's subtree, or the whole.

    Sums over the week's days, except where it says "at the week's end"."""

    branch_id: int
    name: str
    members: int = 0  # at the week's end
    member_days: int = 0  # members counted on each day, summed: check-ins asked for
    checked: int = 0  # check-ins made
    unwell_days: int = 0  # check-ins as unwell
    quarantined_days: int = 0
    needs_opened: int = 0
    needs_resolved: int = 0
    needs_open: int = 0  # at the week's end
    needs_open_critical: int = 0  # at the week's end
    assigned: int = 0  # assignments given (people)
    done: int = 0
    declined: int = 0
    overdue: int = 0  # at the week's end

    @property
    def rate(self) -> int:
        """The week's check-in rate, in percent."""
        return rate(self.checked, self.member_days)

    def plus(self, other: WeekCounts) -> WeekCounts:
        """Both parts' figures added up, under this one's name."""
        return replace(self, **{f.name: getattr(self, f.name) + getattr(other, f.name)
                                for f in fields(WeekCounts)
                                if f.name not in ("branch_id", "name")})


@dataclass(frozen=True, slots=True)
class DayCounts:
    """One day of the week over the whole subtree."""

    day: date
    members: int
    checked: int

    @property
    def rate(self) -> int:
        """The day's check-in rate, in percent."""
        return rate(self.checked, self.members)


@dataclass(frozen=True)
class WeeklyReport:
    """What a weekly report shows, as counted."""

    branch: Branch
    first: date
    last: date
    total: WeekCounts  # the whole subtree: own + children, field by field
    own: WeekCounts  # the branch's own members
    children: list[WeekCounts]  # one per direct sub-branch (its subtree), worst first
    days: list[DayCounts]
    unwell: int  # members unwell at least once in the week
    quarantined: int
    broadcasts: int  # sent in the week, asking for acknowledgement
    recipients: int
    acks: int
    coverage: CoverageCounts | None = None  # at the week's end; None: no households


def _week_of_day(counts: DigestCounts, last: bool) -> WeekCounts:
    """One day's digest figures of a part, as its contribution to the week (the states count
    only from the last day)."""
    return WeekCounts(
        counts.branch_id, counts.name, members=counts.members if last else 0,
        member_days=counts.members, checked=counts.checked, unwell_days=counts.unwell,
        quarantined_days=counts.quarantined, needs_opened=counts.needs_opened,
        needs_resolved=counts.needs_resolved,
        needs_open=counts.needs_open if last else 0,
        needs_open_critical=counts.needs_open_critical if last else 0,
        assigned=counts.assigned, done=counts.done, declined=counts.declined,
        overdue=counts.overdue if last else 0)


def worst_first(children: list[WeekCounts]) -> list[WeekCounts]:
    """Sub-branches by the week's check-in rate, lowest first; more problems first; those
    without members last."""
    return sorted(children, key=lambda c: (
        c.member_days == 0, c.checked / c.member_days if c.member_days else 0.0,
        -(c.unwell_days + c.quarantined_days + c.needs_open_critical + c.overdue),
        c.name, c.branch_id))


async def build(store: Store, branch: Branch, first: date, last: date,
                now: datetime) -> WeeklyReport:
    """Count the weekly report of `branch`'s subtree over the local days `first`..`last`."""
    parts: dict[int, WeekCounts] = {}
    days: list[DayCounts] = []
    care = False  # anyone unwell or quarantined on any day
    day = first
    while day <= last:
        start, end = day_bounds(day, branch.timezone)
        joined_before = day_bounds(day - timedelta(days=1), branch.timezone)[0]
        counted, _ = await store.digest.rollup(
            branch.id, day, day - timedelta(days=1), start=start, end=end,
            as_of=min(now, end), joined_before=joined_before, names=0)
        for counts in counted:
            week = _week_of_day(counts, day == last)
            found = parts.get(counts.branch_id)
            parts[counts.branch_id] = week if found is None else found.plus(week)
        days.append(DayCounts(day, sum(c.members for c in counted),
                              sum(c.checked for c in counted)))
        care |= any(c.unwell or c.quarantined for c in counted)
        day += timedelta(days=1)
    own = parts.pop(branch.id, WeekCounts(branch.id, branch.name))
    children = worst_first(list(parts.values()))
    total = own
    for child in children:
        total = total.plus(child)
    week_start = day_bounds(first, branch.timezone)[0]
    week_end = day_bounds(last, branch.timezone)[1]
    broadcasts, recipients, acks = await store.digest.acks(branch.id, start=week_start,
                                                           end=week_end)
    households = await coverage.gather(store, branch, last)
    unwell, quarantined = (await store.weekly.cared_for(branch.id, first, last) if care
                           else (0, 0))
    return WeeklyReport(
        branch=branch, first=first, last=last, total=total, own=own, children=children,
        days=days, unwell=unwell, quarantined=quarantined,
        broadcasts=broadcasts, recipients=recipients, acks=acks,
        coverage=households.total if households is not None else None)
