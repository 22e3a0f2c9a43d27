"""When a branch's weekly report is due, and which days it reports (see the package's
docstring for the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.rules.rhythm.timetable import moment
from bot.rules.rhythm.values import DAYS, parse_clock
from storage.schedule import Schedule


@dataclass(frozen=True, slots=True)
class Week:
    """A branch's local week (Monday..Sunday) as the weekly report sees it."""

    monday: date  # the ledger's key of the week's report
    report_at: datetime  # when the report is due: the weekly day at the weekly time
    end: datetime  # the end of the week (the next Monday, 00:00): no report after it
    first: date  # the days the report covers: the 7 days before the weekly day
    last: date

    @property
    def key(self) -> str:
        """The ledger's `day` of the week's report."""
        return self.monday.isoformat()


def week_of(schedule: Schedule, now: datetime) -> Week:
    """The branch's local week that holds `now`, with its report's moment (DST as the daily
    runs: `moment`) and the days it covers."""
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    return _week(schedule.timezone, schedule.weekly_day, schedule.weekly_time,
                 today - timedelta(days=today.weekday()))


@lru_cache(maxsize=4096)
def _week(timezone: str, weekly_day: str, weekly_time: str, monday: date) -> Week:
    # Branches mostly share their settings (inherited): the minute tick works each week out once.
    zone = ZoneInfo(timezone)
    report_day = monday + timedelta(days=DAYS.index(weekly_day))
    return Week(monday=monday, report_at=moment(report_day, parse_clock(weekly_time), zone),
                end=moment(monday + timedelta(days=7), time(0), zone),
                first=report_day - timedelta(days=7), last=report_day - timedelta(days=1))


def is_due(schedule: Schedule, week: Week, now: datetime, latest: str | None) -> bool:
    """True if the week's report is due at `now`: its moment has come and the week is not
    over; the ledger holds no report of this week or a later one (`latest`: the key of the
    branch's latest weekly row, None if none is as recent as this week); and the days it
    covers did not all end before the branch was made."""
    if latest is not None and latest >= week.key:
        return False
    if not week.report_at <= now < week.end:
        return False
    covered_until = moment(week.last + timedelta(days=1), time(0),
                           ZoneInfo(schedule.timezone))
    return covered_until > schedule.created_at
