"""One injectable clock, so tests, the demo and benchmarks can choose "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, demo, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when` (an aware datetime)."""
        self._now = when.astimezone(UTC)

    def advance(self, **kwargs: float) -> None:
        """Move forward by a timedelta given as keyword arguments (hours=1, ...)."""
        self._now += timedelta(**kwargs)


def local_day(now: datetime, timezone: str) -> date:
    """The calendar day in `timezone` at the instant `now`."""
    return now.astimezone(ZoneInfo(timezone)).date()


# The earliest day a date typed by a user (or carried by a button) may name. Frontline keeps
# no data from before it, and it keeps every computation (a day before, a week before, the
# instant a local day starts in any timezone) far from the limits of Python's dates.
FIRST_DAY = date(2000, 1, 1)


class OutOfRange(ValueError):
    """A date or a period that is well formed but outside the days that may be asked for:
    before `first` or after `last` (today for what has happened, a year ahead for a due time)."""

    def __init__(self, text: str, first: date, last: date) -> None:
        super().__init__(text)
        self.text = text
        self.first = first
        self.last = last


def check_day(day: date, last: date, text: str = "") -> date:
    """The day if it lies within FIRST_DAY..`last`; else OutOfRange."""
    if not FIRST_DAY <= day <= last:
        raise OutOfRange(text or day.isoformat(), FIRST_DAY, last)
    return day
