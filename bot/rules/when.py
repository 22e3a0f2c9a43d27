"""What people type for a time of day or a length of time, in Chinese or English: one grammar
for the invites' expiry, a task's due time and the rhythm's settings (each caller sets its own
bounds and its own answer to a bad value).

- a time of day: `7:30`, `07.30`, `7：30` (hours 0-23, minutes 0-59);
- a length of time: one or more `<number><unit>`, with units `m min mins minute(s) 分 分钟`,
  `h hour(s) 小时 时`, `d day(s) 天`, `w week(s) 周`: `30m`, `2h`, `1h30m`, `3d`, `2小时`,
  `1周`; a bare number only where the caller names its unit (`90` minutes in /settings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

_CLOCK = re.compile(r"^(\d{1,2})[:：.](\d{2})$")
_UNIT = (r"(minutes?|mins?|m|分钟|分|hours?|h|小时|时|days?|d|天|weeks?|w|周)")
_PART = re.compile(rf"(\d{{1,5}})\s*{_UNIT}\s*")
_BARE = re.compile(r"^\d{1,5}$")
_MINUTES = {"m": 1, "h": 60}
_DAYS = {"d": 1, "w": 7}
_FIRST = {"分": "m", "时": "h", "小": "h", "天": "d", "周": "w"}


def parse_clock(text: str) -> time:
    """A time of day; ValueError if `text` is not one."""
    match = _CLOCK.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(text)
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Duration:
    """A length of time as typed: whole days (and weeks) apart from hours and minutes, because
    `3d` means the same wall-clock time three days on, across a DST change too."""

    days: int = 0
    minutes: int = 0

    @property
    def delta(self) -> timedelta:
        """As an exact length of time (a day taken as 24 hours)."""
        return timedelta(days=self.days, minutes=self.minutes)

    @property
    def total_minutes(self) -> int:
        """In minutes (a day taken as 24 hours)."""
        return self.days * 1440 + self.minutes


def parse_duration(text: str, *, bare: str | None = None) -> Duration:
    """A positive length of time; `bare` ("m", "h", "d") is the unit of a number typed alone
    (None: a number alone is refused). ValueError if `text` is not one."""
    words = text.strip().lower()
    if bare is not None and _BARE.match(words):
        words += bare
    days = minutes = end = 0
    for part in _PART.finditer(words):
        if part.start() != end:
            raise ValueError(text)
        amount, unit = int(part.group(1)), part.group(2)
        unit = _FIRST.get(unit[0], unit[0])
        if unit in _DAYS:
            days += amount * _DAYS[unit]
        else:
            minutes += amount * _MINUTES[unit]
        end = part.end()
    if end == 0 or end != len(words) or days + minutes == 0:
        raise ValueError(text)
    return Duration(days, minutes)
