"""Coverage of households: the rules of what "covered", "due" and "overdue" mean on a day.

Decisions (the queries are in `storage.coverage`, which documents the states):

- A contact **reaches** a household when its outcome is all well, needs help or refused;
  "nobody answered" is logged and shown but does not reach it.
- A household is due every `visit_every_days` days (a branch setting, inherited, default 1,
  at most `MAX_VISIT_EVERY`); vulnerable ones (elderly alone, quarantined, ... see
  `bot.households.VULNERABLE_WORDS`) every day whatever the setting.
- Days are the local days of the branch asked about (its timezone); a subtree is read with
  its root's day, as the digest is.
- **Worst first**: most overdue, then most due, then the lowest rate; zones or branches
  with no households last.
- A member is **off duty** when marked away (`/away`) or when their latest check-in is
  unwell or quarantined; their households not handed to another member are "unheld".
  A check-in on duty or available means they are back: away is cleared and their handed
  households return to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.coverage import MAX_VISIT_EVERY, CoverageCounts, OffDuty, Uncovered
from storage.store import Store

BACK_STATUSES = ("on_duty", "available")


@dataclass(frozen=True, slots=True)
class Window:
    """The instants a day's coverage is judged by: day D-i starts at `starts[i]`."""

    day: date
    starts: tuple[datetime, ...]
    end: datetime


def window(day: date, timezone: str) -> Window:
    """The starts of `day` and of the `MAX_VISIT_EVERY` days before it, and its end."""
    zone = ZoneInfo(timezone)
    starts = tuple(datetime.combine(day - timedelta(days=i), time(0), zone)
                   for i in range(MAX_VISIT_EVERY + 1))
    return Window(day, starts, datetime.combine(day + timedelta(days=1), time(0), zone))


def worst_first(parts: list[CoverageCounts]) -> list[CoverageCounts]:
    """Most overdue first, then most due, then lowest rate; empty parts last."""
    return sorted(parts, key=lambda c: (c.households == 0, -c.overdue, -c.due, c.rate,
                                        c.name, c.key))


def total(parts: list[CoverageCounts], key: int, name: str) -> CoverageCounts:
    """The parts summed into one."""
    return CoverageCounts(
        key, name, sum(p.households for p in parts), sum(p.reached_today for p in parts),
        sum(p.covered for p in parts), sum(p.due for p in parts),
        sum(p.overdue for p in parts), sum(p.unheld for p in parts))


async def branch_rollup(store: Store, branch_id: int, win: Window
                        ) -> tuple[CoverageCounts, CoverageCounts | None, list[CoverageCounts]]:
    """The subtree's total, the branch's own zones (None if it has no households of its
    own), and each direct sub-branch's subtree, worst first."""
    parts = await store.coverage_rollup(branch_id, starts=win.starts, end=win.end)
    own = next((p for p in parts if p.key == branch_id), None)
    children = worst_first([p for p in parts if p.key != branch_id])
    whole = total(parts, branch_id, own.name if own else "")
    return whole, own if own and own.households else None, children


async def zones(store: Store, branch_id: int, win: Window) -> list[CoverageCounts]:
    """The branch's own zones, worst first."""
    return worst_first(await store.zone_coverage(branch_id, starts=win.starts, end=win.end))


async def uncovered(store: Store, branch_id: int, zone_id: int, win: Window) -> list[Uncovered]:
    """The zone's households due or overdue, overdue first."""
    return await store.uncovered_households(branch_id, zone_id, starts=win.starts, end=win.end)


async def off_duty(store: Store, branch_id: int) -> list[OffDuty]:
    """Members of the subtree off duty with households, those with some unheld first."""
    found = await store.off_duty_holders(branch_id)
    return sorted(found, key=lambda o: (o.handed >= o.households, o.name, o.member_id))


async def back_on_duty(store: Store, member_id: int, status: str, *, at: datetime
                       ) -> list[tuple[int, int]]:
    """After a check-in: if it says on duty or available, clear away and give back the
    member's handed households; returns (holder, count) of those given back."""
    if status not in BACK_STATUSES:
        return []
    await store.set_away(member_id, None)
    return await store.return_households(member_id, at=at)
