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
