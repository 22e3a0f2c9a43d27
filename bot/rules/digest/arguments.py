"""What a digest is asked for: a day typed after /digest (`parse_day`), and the buttons' data
(`bot.rules.callbacks.DigestButton`): a sub-branch's digest, or a full list of names."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FIRST_DAY, OutOfRange, check_day, local_day
from bot.rules.callbacks import DigestButton
from storage.rows import Branch

LISTS = ("unwell", "silent")  # the full lists behind buttons ('unwell' covers both of CARE)

_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
YESTERDAY = ("yesterday", "昨天")
TODAY = ("today", "今天")


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The instants [start, end) of a local day."""
    zone = ZoneInfo(timezone)
    return (datetime.combine(day, time(0), zone),
            datetime.combine(day + timedelta(days=1), time(0), zone))


def parse_day(text: str, today: date) -> date:
    """`YYYY-MM-DD`, `yesterday`/`昨天` or `today`/`今天`.

    Raises:
        OutOfRange: a date before 2000-01-01 (`FIRST_DAY`) or after today.
        ValueError: anything else that is not one of these (2026-02-30 included).
    """
    word = text.strip().lower()
    if word in TODAY:
        return today
    if word in YESTERDAY:
        return today - timedelta(days=1)
    match = _DAY.match(word)
    if not match:
        raise ValueError(text)
    year, month, dom = (int(g) for g in match.groups())
    if year < FIRST_DAY.year:  # also year 0, which `date` cannot hold
        raise OutOfRange(text, FIRST_DAY, today)
    return check_day(date(year, month, dom), today, text)


def in_range(day: date, today: date) -> bool:
    """True if a digest may be asked for `day` (a button's day is checked as a typed one)."""
    return FIRST_DAY <= day <= today


def looks_like_day(text: str) -> bool:
    """True if the argument is meant as a day rather than a branch id."""
    word = text.strip().lower()
    return word in TODAY or word in YESTERDAY or "-" in word


def button(branch_id: int, day: date, kind: str | None = None) -> str:
    """The callback data of a drill-down (sub-branch digest) or full-list button."""
    return DigestButton(branch_id, day, kind).pack()


def parse_button(data: str) -> tuple[int, date, str | None] | None:
    """(branch id, day, list kind or None) of a digest button, or None."""
    parsed = DigestButton.parse(data)
    return (parsed.branch, parsed.day, parsed.kind) if parsed else None


def today_of(branch: Branch, now: datetime) -> date:
    """The branch's local day at `now`."""
    return local_day(now, branch.timezone)
