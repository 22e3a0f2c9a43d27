"""Needs: what a member reports, who is told, how a need is shown, and how its status moves.

No Telegram here: the handlers give the secretaries' buttons as a function of (language,
need id) and turn the results into keyboards.

Who is told of a new need: the secretaries of the reporter's branch; for a critical need
also those of the branch one level up. If that finds nobody (a branch without a
secretary, or the reporter is its only one), the nearest branch above with a secretary
is told instead, so that no need goes unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Translator, pick_language
from bot.rules.vocab import NeedCategory, NeedStatus, Urgency
from bot.text import esc
from storage.households import Household
from storage.needs import CLOSED, NeedRow
from storage.rows import Buttons, NewMessage, Person, Recipient
from storage.store import Store

CATEGORIES: tuple[str, ...] = tuple(NeedCategory)
URGENCIES: tuple[str, ...] = tuple(Urgency)
STATUSES: tuple[str, ...] = tuple(NeedStatus)
ACTIVE = ("open", "assigned")
DETAILS_MAX = 1000
FOR_WHOM_MAX = 200
LOCATION_MAX = 300
NOTE_MAX = 500
EXCERPT = 200  # characters of the details shown in a list
EXCERPT_WHOM = 60  # ... of "for whom"
EXCERPT_LOCATION = 100  # ... of the location
EXCERPT_NOTE = 100  # ... of the latest status note
EXCERPT_NAME = 32  # ... of the reporter's and the branch's name
PAGE = 5


@dataclass
class NeedDraft:
    """A need being reported: filled step by step by the `/need` conversation."""

    category: str | None = None
    urgency: str | None = None
    for_self: bool = True
    for_whom: str | None = None
    details: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    household_id: int | None = None  # reported for a household, after a visit
    household_address: str | None = None

    @classmethod
    def for_household(cls, household: Household, category: str | None = None) -> NeedDraft:
        """A draft for a household: for it (label and zone), at its address."""
        address = household.address or None
        return cls(category=category, for_self=False,
                   for_whom=f"🏠 {household.label} · {household.zone}"[:FOR_WHOM_MAX],
                   location=address, household_id=household.id, household_address=address)

    def fresh(self) -> NeedDraft:
        """A new draft to start again from: empty, or still for the same household."""
        if self.household_id is None:
            return NeedDraft()
        return NeedDraft(for_self=False, for_whom=self.for_whom,
                         location=self.household_address, household_id=self.household_id,
                         household_address=self.household_address)


@dataclass(frozen=True)
class NeedFilter:
    """What `/needs` shows: a branch's subtree, optionally one category, status, urgency."""

    branch_id: int | None = None
    category: str | None = None
    status: str | None = None  # None: open and assigned
    urgency: str | None = None

    @property
    def statuses(self) -> tuple[str, ...]:
        """The statuses listed."""
        return (self.status,) if self.status else ACTIVE


def parse_filter(translate: Translator, words: list[str]) -> NeedFilter | str:
    """`/needs` arguments in any order: a branch id, a category, a status, an urgency.

    Words may be the English keys (`food`, `critical`) or the names in any language
    (`食物`, `危急`). Returns the filter, or the first word that is none of these.
    """
    found: dict[str, str | int] = {}
    for raw in words:
        word = raw.strip().lower()
        digits = word.lstrip("#")
        if digits.isascii() and digits.isdigit() and len(digits) <= 12 and "branch" not in found:
            found["branch"] = int(digits)
            continue
        kind = _word_kind(translate, word)
        if kind is None or kind[0] in found:
            return raw
        found[kind[0]] = kind[1]
    branch = found.get("branch")
    return NeedFilter(
        branch_id=branch if isinstance(branch, int) else None,
        category=str(found["category"]) if "category" in found else None,
        status=str(found["status"]) if "status" in found else None,
        urgency=str(found["urgency"]) if "urgency" in found else None)


def _word_kind(translate: Translator, word: str) -> tuple[str, str] | None:
    for kind, values, prefix in (("category", CATEGORIES, "need.cat_"),
                                 ("urgency", URGENCIES, "need.urg_"),
                                 ("status", STATUSES, "need.status_")):
        for value in values:
            if word == value:
                return kind, value
            for language in translate.catalogs:
                if word == translate(language, f"{prefix}{value}_word").lower():
                    return kind, value
    return None


def age(translate: Translator, language: str, since: datetime, now: datetime) -> str:
    """How long ago, roughly: just now (under a minute), minutes, hours, or days."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return translate(language, "need.age_minutes" if minutes else "need.age_now", n=minutes)
    if minutes < 48 * 60:
        return translate(language, "need.age_hours", n=minutes // 60)
    return translate(language, "need.age_days", n=minutes // (24 * 60))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def where(need: NeedDraft | NeedRow) -> str | None:
    """The location as text: what was typed, or the coordinates of a shared location."""
    if need.latitude is not None and need.longitude is not None:
        return f"{need.latitude:.5f}, {need.longitude:.5f}"
    return need.location


def draft_summary(translate: Translator, language: str, draft: NeedDraft) -> str:
    """The reporter's summary before Confirm."""
    assert draft.category and draft.urgency and draft.details is not None
    location = where(draft)
    return translate(
        language, "need.summary",
        category=translate(language, f"need.cat_{draft.category}"),
        urgency=translate(language, f"need.urg_{draft.urgency}"),
        whom=_whom(translate, language, draft.for_self, draft.for_whom),
        details=esc(draft.details),
        location=esc(location) if location else translate(language, "need.no_location"))


def _whom(translate: Translator, language: str, for_self: bool, for_whom: str | None) -> str:
    if for_self or not for_whom:
        return translate(language, "need.for_self")
    return esc(for_whom)


def block(translate: Translator, language: str, need: NeedRow, now: datetime, *,
          excerpt: bool = True) -> str:
    """One need as a block of lines (in lists, notifications and after a change).

    An excerpt (in lists) cuts every field that can be long, so that a page of `PAGE` needs
    fits in one message whatever was typed; the whole need is at most `DETAILS_MAX` +
    `FOR_WHOM_MAX` + `LOCATION_MAX` + `NOTE_MAX` characters and names, also under the limit.
    """
    def short(text: str, limit: int) -> str:
        return _cut(text, limit) if excerpt else text

    location = where(need)
    lines = [translate(
        language, "need.block", id=need.id,
        urgency=translate(language, f"need.urg_{need.urgency}"),
        category=translate(language, f"need.cat_{need.category}"),
        branch=esc(short(need.branch_name, EXCERPT_NAME)),
        reporter=esc(short(need.reporter_name, EXCERPT_NAME)),
        whom=_whom(translate, language, need.for_self,
                   short(need.for_whom, EXCERPT_WHOM) if need.for_whom else None),
        details=esc(short(need.details, EXCERPT)),
        age=age(translate, language, need.created_at, now),
        status=translate(language, f"need.status_{need.status}"))]
    if location:
        lines.append(translate(language, "need.location_line",
                               location=esc(short(location, EXCERPT_LOCATION))))
    if need.status_note:
        lines.append(translate(language, "need.note_line",
                               note=esc(short(need.status_note, EXCERPT_NOTE))))
    return "\n".join(lines)


async def nearest_secretaries(store: Store, branch_id: int | None, *,
                              excluding: int | None = None) -> list[Recipient]:
    """The secretaries of the branch other than `excluding`; if it has none, those of the
    nearest branch above that has some (none at all: an empty list)."""
    while branch_id is not None:
        people = [c for c in await store.people.branch_secretaries(branch_id)
                  if c.member_id != excluding]
        if people:
            return people
        branch = await store.branches.get(branch_id)
        branch_id = branch.parent_id if branch else None
    return []


async def notified(store: Store, need: NeedRow) -> list[Recipient]:
    """The secretaries told of a new need (see the module's docstring)."""
    branch = await store.branches.get(need.branch_id)
    parent_id = branch.parent_id if branch else None
    if need.urgency != "critical" or parent_id is None:
        return await nearest_secretaries(store, need.branch_id, excluding=need.reporter_id)
    people = [c for c in await store.people.branch_secretaries(need.branch_id)
              if c.member_id != need.reporter_id]
    people += await store.people.branch_secretaries(parent_id)
    if not people:
        parent = await store.branches.get(parent_id)
        people = await nearest_secretaries(store, parent.parent_id if parent else None)
    return list({c.member_id: c for c in people}.values())  # once each, in order


async def report(
    store: Store,
    translate: Translator,
    reporter: Person,
    draft: NeedDraft,
    *,
    now: datetime,
    buttons: Callable[[str, int], Buttons],
) -> tuple[int, int]:
    """Save the need and queue the secretaries' notifications (the caller wakes the outbox).

    Returns the need's id and how many secretaries are told.
    """
    assert reporter.branch_id is not None
    assert draft.category in CATEGORIES and draft.urgency in URGENCIES
    assert draft.details is not None
    need_id = await store.needs.create(
        branch_id=reporter.branch_id, reporter_id=reporter.id, category=draft.category,
        urgency=draft.urgency, for_self=draft.for_self,
        for_whom=None if draft.for_self else draft.for_whom, details=draft.details,
        location=draft.location, latitude=draft.latitude, longitude=draft.longitude,
        household_id=draft.household_id, at=now)
    need = await store.needs.get(need_id)
    assert need is not None
    messages = []
    for contact in await notified(store, need):
        branch = await store.branches.get(contact.branch_id)
        language = pick_language(contact.language, contact.telegram_language,
                                 branch.locale if branch else translate.default)
        text = translate(language, "need.new_header", id=need.id) + "\n" + block(
            translate, language, need, now, excerpt=False)
        messages.append(NewMessage(contact.member_id, contact.member_id, text,
                                   buttons(language, need.id)))
    if messages:
        await store.outbox.enqueue("need", messages, at=now)
    return need_id, len(messages)


async def change_status(store: Store, translate: Translator, need_id: int, status: str, *,
                        note: str | None, by: int | None, now: datetime) -> bool:
    """Set a need's status ('open', 'assigned', 'resolved' or 'cancelled') and tell its reporter.

    Returns False, changing nothing, if the need does not exist, is closed already
    (resolved or cancelled), or has that status already. On a change the reporter's
    message is queued in the outbox (kind "need_status"); the caller wakes the outbox.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown need status {status!r}")
    if not await store.needs.set_status(need_id, status, note=note, by=by, at=now):
        return False
    need = await store.needs.get(need_id)
    assert need is not None
    person = await store.people.get(need.reporter_id)
    branch = await store.branches.get(need.branch_id)
    default = (person.locale if person else None) or (branch.locale if branch else None)
    language = pick_language(person.language if person else None,
                             person.telegram_language if person else None,
                             default or translate.default)
    text = translate(language, "need.status_changed", id=need.id,
                     category=translate(language, f"need.cat_{need.category}"),
                     status=translate(language, f"need.status_{status}"))
    if note:
        text += "\n" + translate(language, "need.note_line", note=esc(note))
    await store.outbox.enqueue("need_status", [NewMessage(need.reporter_id, need.reporter_id,
                                                          text)],
                               at=now)
    return True


def is_closed(need: NeedRow) -> bool:
    """True once a need is resolved or cancelled."""
    return need.status in CLOSED
