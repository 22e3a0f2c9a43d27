"""What a chart shows, read from storage: the days asked for (the branch's local days, a
subtree spanning timezones read with its root's day, as the digest is) and their series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from storage.charts import Counted, Day, NeedDay
from storage.coverage import MAX_VISIT_EVERY
from storage.rows import Branch
from storage.store import Store

DIGEST_DAYS = 14
MAX_DAYS = 90


class ChartKind(StrEnum):
    """What a chart is of."""

    checkins = "checkins"  # the digest's chart: rate per day, per sub-branch today, coverage
    coverage = "coverage"
    needs = "needs"


@dataclass(frozen=True)
class Series:
    """Everything one chart draws."""

    kind: ChartKind
    branch: str
    days: list[date]
    rates: list[Counted]  # check-ins per day
    parts: list[Counted]  # today's per direct sub-branch
    covered: list[Counted]  # households covered in time per day (empty: none)
    needs: list[NeedDay]


def local_days(today: date, count: int, timezone: str, now: datetime) -> list[Day]:
    """The `count` local days up to `today`, oldest first, as instants."""
    zone = ZoneInfo(timezone)
    out = []
    for back in range(count - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(0), zone)
        end = datetime.combine(day + timedelta(days=1), time(0), zone)
        out.append(Day(day, start, end, min(end, now)))
    return out


def _starts_before(first: date, timezone: str) -> list[datetime]:
    zone = ZoneInfo(timezone)
    return [datetime.combine(first - timedelta(days=MAX_VISIT_EVERY - i), time(0), zone)
            for i in range(MAX_VISIT_EVERY)]


async def gather(store: Store, branch: Branch, kind: ChartKind, count: int,
                 now: datetime) -> Series:
    """The series of `kind` over the branch's subtree, its last `count` local days."""
    today = now.astimezone(ZoneInfo(branch.timezone)).date()
    days = local_days(today, count, branch.timezone, now)
    rates: list[Counted] = []
    parts: list[Counted] = []
    covered: list[Counted] = []
    needs: list[NeedDay] = []
    if kind is ChartKind.checkins:
        rates = await store.charts.checkin_rates(branch.id, days)
        parts = await store.charts.part_rates(branch.id, days[-1])
    if kind in (ChartKind.checkins, ChartKind.coverage):
        covered = await store.charts.coverage(branch.id, days,
                                              _starts_before(days[0].day, branch.timezone))
        if not any(c.whole for c in covered):
            covered = []
    if kind is ChartKind.needs:
        needs = await store.charts.needs(branch.id, days)
    return Series(kind, branch.name, [d.day for d in days], rates, parts, covered, needs)
