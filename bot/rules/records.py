"""A member's record over a period: check-ins, tasks, answers, needs, commendations and notes.

Notes are private: only a secretary of the member's branch or of a branch above it (or an
admin) reads them, never the member themself (`may_read_notes`); a record read for anyone
else is built without them, so no view can show them by mistake.

Periods (`/record` and `/me`): nothing means the last 7 days including today; `30d` the last
30 days; `2026-11` a calendar month; `2026-11-01..2026-11-20` a range (`~` works too). Days are
local days of the member's branch. A period never reaches past today, nor starts before
2000-01-01 (`bot.clock.FIRST_DAY`): a month or a range outside that is `OutOfRange`.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FIRST_DAY, OutOfRange, check_day
from bot.rules.access import Actor, may_lead
from bot.rules.coverage import language_of
from bot.rules.deps import Deps
from bot.text import esc
from storage.records import ConductEntry
from storage.rows import NewMessage, Person
from storage.store import Store

DEFAULT_DAYS = 7
MAX_DAYS = 366
_DAYS = re.compile(r"^(\d{1,3})\s*(d|天)$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|~|～|至)\s*(\d{4}-\d{1,2}-\d{1,2})$")


class BadPeriod(ValueError):
    """Words written as a period (`400d`, `2026-13`, `2026-02-30..2026-03-01`, a range of more
    than `MAX_DAYS` days or backwards) that make no period: not a member's name either."""


def parse_period(text: str | None, today: date) -> tuple[date, date]:
    """(first day, last day), inclusive.

    Raises:
        OutOfRange: a well-formed period outside `FIRST_DAY`..today (a month or a range
            that starts after today, or before 2000-01-01).
        BadPeriod: written as a period, but none (see the class).
        ValueError: `text` is not written as a period at all.
    """
    text = (text or "").strip()
    if not text:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if match := _DAYS.match(text):
        days = int(match.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise BadPeriod(text)
        return today - timedelta(days=days - 1), today
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise BadPeriod(text)
        first = check_day(_day(year, month, 1, text=text, today=today), today, text)
        following = date(year + month // 12, month % 12 + 1, 1)  # first <= today: no overflow
        return first, min(following - timedelta(days=1), today)
    if match := _RANGE.match(text):
        first, last = (_day(*(int(n) for n in g.split("-")[:3]), text=text, today=today)
                       for g in match.groups())
        check_day(first, today, text)
        last = min(last, today)
        if first > last or (last - first).days >= MAX_DAYS:
            raise BadPeriod(text)
        return first, last
    raise ValueError(text)


def _day(year: int, month: int, dom: int, *, text: str, today: date) -> date:
    """A typed day; OutOfRange for a year before FIRST_DAY's (0000 included), ValueError for
    a day that does not exist (2026-02-30)."""
    if year < FIRST_DAY.year:
        raise OutOfRange(text, FIRST_DAY, today)
    try:
        return date(year, month, dom)
    except ValueError as error:
        raise BadPeriod(text) from error


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


async def may_read_notes(store: Store, reader: Actor, member: Person) -> bool:
    """True if `reader` may see the notes on `member`'s record: a secretary of the member's
    branch or of a branch above it, or an admin, and never the member themself."""
    if reader.user_id == member.id or member.branch_id is None:
        return False
    return await may_lead(store, reader, member.branch_id)


async def member_record(store: Store, member_id: int, timezone: str, first_day: date,
                        last_day: date, now: datetime, *, notes: bool) -> Record:
    """The member's record over the local days `first_day`..`last_day` of `timezone`.

    Notes are read only with `notes` (see `may_read_notes`); without, the record holds none.
    """
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(0), zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    figures = await store.records.figures(member_id, first_day, last_day, start, end, now)
    kinds = ("commendation", "note") if notes else ("commendation",)
    conduct = await store.records.conduct_entries(member_id, start, end, kinds)
    median = (timedelta(seconds=statistics.median(figures.answer_seconds))
              if figures.answer_seconds else None)
    return Record(
        first_day=first_day, last_day=last_day, days=(last_day - first_day).days + 1,
        checkin_days=figures.checkin_days, statuses=figures.statuses, tasks=figures.tasks,
        accepted=figures.accepted, declined=figures.declined, done=figures.done,
        overdue=figures.overdue, median_answer=median, needs_reported=figures.needs_reported,
        conduct=conduct)


async def add_conduct(deps: Deps, actor_id: int, author: str, member_id: int, branch_id: int,
                      kind: str, text: str) -> None:
    """The conduct use case (`/commend`, `/note`): put it on the member's record, audit it
    (as `commend` or `note`), and queue a commendation for the member (a note stays with
    the secretaries). `author` is the secretary's name as the member sees it."""
    store, now = deps.store, deps.clock.now()
    command = "commend" if kind == "commendation" else "note"
    await store.records.add_conduct(member_id, branch_id, kind, text, author_id=actor_id, at=now)
    await store.audit.record(actor_id, command, branch_id=branch_id, allowed=True,
                             detail={"member": member_id}, at=now)
    if kind != "commendation":
        return
    person = await store.people.get(member_id)
    if person is None:
        return
    language = language_of(deps.translate, person)
    message = deps.translate(language, "record.commended", author=esc(author), text=esc(text))
    await store.outbox.enqueue("commendation", [NewMessage(person.id, person.id, message)],
                               at=now)
    deps.wake_outbox()
