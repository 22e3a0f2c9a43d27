"""Visits: which of a member's households still want a contact, and how a contact is shown.

No Telegram here. The rules are coverage's (see `bot.rules.coverage`):

- A member sees and logs visits only for the households they hold: responsible for, backup
  of, or handed to them (`Household.holders()`), read from the database at every step.
- A contact **reaches** a household unless nobody answered. A household **wants a visit**
  when it was not reached within its interval (1 day if vulnerable, else its branch's
  `visit_every_days`), judged on the member's local day; such households are listed first.
- `/visit LABEL` matches a label exactly, ignoring case; failing that, the labels that
  contain it. Several matches are offered as buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import local_day
from bot.i18n import Translator
from bot.rules.coverage import window
from bot.rules.deps import Deps
from bot.text import esc
from storage.coverage import DEFAULT_VISIT_EVERY, MAX_VISIT_EVERY
from storage.households import OUTCOMES, Household
from storage.store import Store

__all__ = ["NOTE_MAX", "OUTCOMES", "PAGE", "Entry", "VisitDraft", "heading", "held", "label",
           "last_contact", "matching", "plan", "when"]

NOTE_MAX = 500
PAGE = 8  # households per page of the /visit list


@dataclass
class VisitDraft:
    """A visit being logged: filled step by step by the `/visit` conversation."""

    household_id: int | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One of a member's households, with where it stands today."""

    household: Household
    interval: int  # days between contacts
    reached_today: bool
    wanted: bool  # not reached within its interval: still to visit


async def plan(store: Store, member_id: int, timezone: str, now: datetime) -> list[Entry]:
    """The member's households, those that want a visit first, then by zone and label."""
    win = window(local_day(now, timezone), timezone)
    entries = []
    for household, interval in await store.households.of_member_with_intervals(
            member_id, default=DEFAULT_VISIT_EVERY, most=MAX_VISIT_EVERY):
        reached = household.last_reached_at
        entries.append(Entry(
            household, interval, reached is not None and reached >= win.starts[0],
            reached is None or reached < win.starts[interval - 1]))
    return sorted(entries, key=lambda e: (not e.wanted, e.household.zone, e.household.label,
                                          e.household.id))


async def held(store: Store, member_id: int, household_id: int) -> Household | None:
    """The household if the member holds it now, else None (gone, or someone else's)."""
    household = await store.households.get(household_id)
    return household if household is not None and member_id in household.holders() else None


def matching(entries: list[Entry], text: str) -> list[Entry]:
    """The entries whose label is `text` (ignoring case), else those whose label contains it."""
    wanted = text.strip().casefold()
    if not wanted:
        return []
    exact = [e for e in entries if e.household.label.casefold() == wanted]
    return exact or [e for e in entries if wanted in e.household.label.casefold()]


def when(translate: Translator, language: str, at: datetime, now: datetime,
         timezone: str) -> str:
    """An instant as the member reads it: today 10:30, yesterday 18:05, 03-01 09:00."""
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    clock = local.strftime("%H:%M")
    days = (now.astimezone(zone).date() - local.date()).days
    if days == 0:
        return translate(language, "visit.when_today", time=clock)
    if days == 1:
        return translate(language, "visit.when_yesterday", time=clock)
    return translate(language, "visit.when_date", date=local.strftime("%m-%d"), time=clock)


def last_contact(translate: Translator, language: str, entry: Entry, now: datetime,
                 timezone: str) -> str:
    """A household's latest contact in one line: reached in time, not reached for days, never."""
    household = entry.household
    at, outcome = household.last_visit_at, household.last_outcome
    latest = (when(translate, language, at, now, timezone),
              translate(language, f"visit.outcome_{outcome}")) if at and outcome else None
    if latest is not None and not entry.wanted:
        return translate(language, "visit.last_ok", when=latest[0], outcome=latest[1])
    if household.last_reached_at is None:
        text = translate(language, "visit.last_never")
    else:
        days = (local_day(now, timezone) - local_day(household.last_reached_at, timezone)).days
        text = translate(language, "visit.last_late", n=days)
    if latest is not None:
        text += translate(language, "visit.last_try", when=latest[0], outcome=latest[1])
    return text


def label(translate: Translator, language: str, entry: Entry) -> str:
    """A household on a button: marks, label, zone (plain text)."""
    marks = ("✅" if entry.reached_today else "⏳" if entry.wanted else "")
    marks += "❗" if entry.household.vulnerable else ""
    return translate(language, "visit.button", marks=marks, label=entry.household.label,
                     zone=entry.household.zone)


def heading(translate: Translator, language: str, household: Household) -> str:
    """A household's header in the conversation (HTML): label, zone, address."""
    text = translate(language, "visit.household", label=esc(household.label),
                     zone=esc(household.zone), people=household.people)
    if household.address:
        text += "\n" + translate(language, "visit.address", address=esc(household.address))
    return text


@dataclass(frozen=True, slots=True)
class Logged:
    """A visit saved: the household, when, and how many of the member's households still
    want a visit today."""

    household: Household
    at: datetime
    left: int


async def log_visit(deps: Deps, member_id: int, timezone: str, household_id: int,
                    outcome: str, note: str | None) -> Logged | None:
    """The visit use case: log a contact with a household the member holds now (read
    again here: a hand-over or a removal since the list was shown refuses it, None)."""
    household = await held(deps.store, member_id, household_id)
    if household is None:
        return None
    now = deps.clock.now()
    await deps.store.households.record_visit(household.id, member_id, outcome, note, at=now)
    left = sum(e.wanted for e in await plan(deps.store, member_id, timezone, now))
    return Logged(household, now, left)
