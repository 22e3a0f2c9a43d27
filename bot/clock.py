"""One injectable clock, so tests, the demo and benchmarks can choose "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, available_timezones


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


# Names `available_timezones()` may list that no branch should use: the machine's own zone
# (it changes with the machine) and tzdata's placeholder zone.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_zone_names: frozenset[str] | None = None
_PREFIXES = ("posix/", "right/")


def timezones() -> frozenset[str]:
    """The IANA timezone names a branch may use, the same for the config, `/settings`, the
    CLI and the scheduler: those `zoneinfo.available_timezones()` lists (which leaves out the
    `posix/` and `right/` copies), less the machine's `localtime` and tzdata's `Factory`."""
    global _zone_names
    if _zone_names is None:
        _zone_names = frozenset(available_timezones()) - _NOT_ZONES
    return _zone_names


def is_timezone(name: object) -> bool:
    """True if `name` is exactly one of `timezones()`."""
    return isinstance(name, str) and name in timezones()


def suggest_timezone(name: str) -> str | None:
    """The usable name meant by `name`, if it differs only by a `posix/` or `right/` prefix or
    by case ("posix/Asia/Shanghai", "europe/berlin"); else None."""
    text = name.strip()
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    if text in timezones():
        return text
    folded = text.casefold()
    return next((z for z in sorted(timezones()) if z.casefold() == folded), None)


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
