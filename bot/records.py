"""A member's record over a period: check-ins, tasks, answers, needs, commendations and notes.

Periods (`/record` and `/me`): nothing means the last 7 days including today; `30d` the last
30 days; `2026-11` a calendar month; `2026-11-01..2026-11-20` a range (`~` works too). Days are
local days of the member's branch. A period never reaches past today.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.records import ConductEntry
from storage.store import Store

DEFAULT_DAYS = 7
MAX_DAYS = 366
_DAYS = re.compile(r"^(\d{1,3})\s*(d|天)$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|~|～|至)\s*(\d{4}-\d{1,2}-\d{1,2})$")


def parse_period(text: str | None, today: date) -> tuple[date, date]:
    """(first day, last day), inclusive; ValueError if `text` is not a period."""
    text = (text or "").strip()
    if not text:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if match := _DAYS.match(text):
        days = int(match.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(text)
        return today - timedelta(days=days - 1), today
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(text)
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        last = min(following - timedelta(days=1), today)
        if first > today:
            raise ValueError(text)
        return first, last
    if match := _RANGE.match(text):
        first, last = (date.fromisoformat(_pad(g)) for g in match.groups())
        last = min(last, today)
        if first > last or (last - first).days >= MAX_DAYS:
            raise ValueError(text)
        return first, last
    raise ValueError(text)


def _pad(day: str) -> str:
    year, month, dom = day.split("-")
    return f"{year}-{int(month):02d}-{int(dom):02d}"


@dataclass(frozen=True)
class Record:
    """The figures a secretary (or the member) sees."""

    first_day: date
    last_day: date
    days: int
    checkin_days: int
    statuses: dict[str, int]
    tasks: int
    accepted: int
    declined: int
    done: int
    overdue: int
    median_answer: timedelta | None
    needs_reported: int
    conduct: list[ConductEntry]

    @property
    def checkin_rate(self) -> float:
        """Share of the period's days with a check-in."""
        return self.checkin_days / self.days if self.days else 0.0


async def member_record(store: Store, member_id: int, timezone: str, first_day: date,
                        last_day: date, now: datetime) -> Record:
    """The member's record over the local days `first_day`..`last_day` of `timezone`."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(0), zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    figures = await store.record_figures(member_id, first_day, last_day, start, end, now)
    conduct = await store.conduct_entries(member_id, start, end)
    median = (timedelta(seconds=statistics.median(figures.answer_seconds))
              if figures.answer_seconds else None)
    return Record(
        first_day=first_day, last_day=last_day, days=(last_day - first_day).days + 1,
        checkin_days=figures.checkin_days, statuses=figures.statuses, tasks=figures.tasks,
        accepted=figures.accepted, declined=figures.declined, done=figures.done,
        overdue=figures.overdue, median_answer=median, needs_reported=figures.needs_reported,
        conduct=conduct)


def duration_words(delta: timedelta) -> tuple[int, int]:
    """(hours, minutes) of a duration, for display."""
    minutes = round(delta.total_seconds() / 60)
    return minutes // 60, minutes % 60
