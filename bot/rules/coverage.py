"""Coverage of households: the rules of what "covered", "due" and "overdue" mean on a day.

Decisions (the queries are in `storage.coverage`, which documents the states):

- A contact **reaches** a household when its outcome is all well, needs help or refused;
  "nobody answered" is logged and shown but does not reach it.
- A household is due every `visit_every_days` days (a branch setting, inherited, default 1,
  at most `MAX_VISIT_EVERY`); vulnerable ones (elderly alone, quarantined, ... see
  `bot.rules.households.VULNERABLE_WORDS`) every day whatever the setting.
- Days are the local days of the branch asked about (its timezone); a subtree is read with
  its root's day, as the digest is.
- **Worst first**: most overdue, then most due, then the lowest rate; zones or branches
  with no households last.
- A member is **off duty** when marked away (`/away`) or when their latest check-in is
  unwell or quarantined; their households neither handed to another member nor backed up
  by a member on duty (the household's backup) are "unheld".
  A check-in on duty or available means they are back: away is cleared and their handed
  households return to them.
- Who is told that a member with households went off duty: the secretaries of the member's
  branch (not the member), else those of the nearest branch above with one, as for needs.
  Only when the member was not off duty before, so a second unwell day says nothing new.

Buttons: `cv:b:<branch>` (a sub-branch's coverage), `cv:z:<zone>` (a zone's due and
overdue households), `cv:ho:<member>` (hand over an off-duty member's households; the
digest carries it too), `cv:hp:<member>:<page>` (a page of whom to hand to),
`cv:ht:<member>:<to>` (chosen), `cv:hy:<member>:<to>` (confirmed), `cv:hn:<member>`
(cancelled). Parsed here, in one place; never proof of rights.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.i18n import Translator, pick_language
from bot.rules.callbacks import Handover
from bot.rules.needs import nearest_secretaries
from bot.text import esc, isolate
from storage.coverage import (
    MAX_VISIT_EVERY,
    OFF_DUTY_STATUSES,
    CoverageCounts,
    OffDuty,
    Uncovered,
)
from storage.rows import NewMessage, Person
from storage.store import Store

BACK_STATUSES = ("on_duty", "available")
REASON_ICONS = {"away": "✈️", "unwell": "🤒", "quarantined": "🏠"}



@dataclass(frozen=True, slots=True)
class Window:
    """The instants a day's coverage is judged by: day D-i starts at `starts[i]`."""

    day: date
    starts: tuple[datetime, ...]
    end: datetime


@lru_cache(maxsize=256)  # the morning prompt asks it for every branch, with the same day
def window(day: date, timezone: str) -> Window:
    """The starts of `day` and of the `MAX_VISIT_EVERY` days before it, and its end."""
    zone = ZoneInfo(timezone)
    starts = tuple(datetime.combine(day - timedelta(days=i), time(0), zone)
                   for i in range(MAX_VISIT_EVERY + 1))
    return Window(day, starts, datetime.combine(day + timedelta(days=1), time(0), zone))


def worst_first(parts: list[CoverageCounts]) -> list[CoverageCounts]:
    """Most overdue first, then most due, then lowest rate; empty parts last."""
    return sorted(parts, key=lambda c: (c.households == 0, -c.overdue, -c.due, c.rate,
                                        c.name, c.key))


def total(parts: list[CoverageCounts], key: int, name: str) -> CoverageCounts:
    """The parts summed into one."""
    return CoverageCounts(
        key, name, sum(p.households for p in parts), sum(p.reached_today for p in parts),
        sum(p.covered for p in parts), sum(p.due for p in parts),
        sum(p.overdue for p in parts), sum(p.unheld for p in parts),
        sum(p.unassigned for p in parts))


async def branch_rollup(store: Store, branch_id: int, win: Window
                        ) -> tuple[CoverageCounts, CoverageCounts | None, list[CoverageCounts]]:
    """The subtree's total, the branch's own zones (None if it has no households of its
    own), and each direct sub-branch's subtree, worst first."""
    parts = await store.coverage.rollup(branch_id, starts=win.starts, end=win.end)
    own = next((p for p in parts if p.key == branch_id), None)
    children = worst_first([p for p in parts if p.key != branch_id])
    whole = total(parts, branch_id, own.name if own else "")
    return whole, own if own and own.households else None, children


async def zones(store: Store, branch_id: int, win: Window) -> list[CoverageCounts]:
    """The branch's own zones, worst first."""
    return worst_first(await store.coverage.zones(branch_id, starts=win.starts, end=win.end))


async def uncovered(store: Store, branch_id: int, zone_id: int, win: Window) -> list[Uncovered]:
    """The zone's households due or overdue, overdue first."""
    return await store.coverage.uncovered_households(branch_id, zone_id, starts=win.starts,
                                                     end=win.end)


async def to_visit(store: Store, branch_id: int, day: date, timezone: str) -> dict[int, int]:
    """Households not yet covered on the branch's local `day`, per member of the branch who
    holds some (for the morning prompt)."""
    win = window(day, timezone)
    return await store.coverage.households_to_visit(branch_id, starts=win.starts, end=win.end)


async def off_duty(store: Store, branch_id: int) -> list[OffDuty]:
    """Members of the subtree off duty with households, those with some unheld first."""
    found = await store.duty.off_duty_holders(branch_id)
    return sorted(found, key=lambda o: (o.unheld <= 0, o.name, o.member_id))


async def back_on_duty(store: Store, member_id: int, status: str, *, at: datetime
                       ) -> list[tuple[int, int]]:
    """After a check-in: if it says on duty or available, clear away and give back the
    member's handed households; returns (holder, count) of those given back."""
    if status not in BACK_STATUSES:
        return []
    _, returned = await come_back(store, member_id, at=at)
    return returned


def language_of(translate: Translator, person: Person | None) -> str:
    """The language to write to a person in (outbox messages)."""
    if person is None:
        return translate.default
    return pick_language(person.language, person.telegram_language,
                         person.locale or translate.default)


def reason_label(translate: Translator, language: str, reason: str) -> str:
    """Why a member is off duty, with its icon."""
    return translate(language, f"coverage.reason.{reason}")


def handover_label(translate: Translator, language: str, name: str) -> str:
    """The label of the hand-over button (plain text: buttons are not HTML)."""
    return translate(language, "coverage.handover.button", name=isolate(name[:32]))


async def tell_off_duty(store: Store, translate: Translator, member_id: int, *,
                        now: datetime) -> int:
    """Queue, for the secretaries, that the member is off duty with their households and
    a hand-over button; how many are told (the caller wakes the outbox)."""
    found = await store.duty.off_duty_member(member_id)
    if found is None:
        return 0
    messages = []
    for contact in await nearest_secretaries(store, found.branch_id, excluding=member_id):
        branch = await store.branches.get(contact.branch_id)
        language = pick_language(contact.language, contact.telegram_language,
                                 branch.locale if branch else translate.default)
        text = translate(language, "coverage.notice.off_duty", name=esc(found.name),
                         reason=reason_label(translate, language, found.reason),
                         n=found.households, handed=found.handed)
        messages.append(NewMessage(contact.member_id, contact.member_id, text, [[(
            handover_label(translate, language, found.name),
            Handover("start", member_id).pack())]]))
    if messages:
        await store.outbox.enqueue("coverage_off_duty", messages, at=now)
    return len(messages)


async def tell_holder(store: Store, translate: Translator, holder_id: int, member_name: str,
                      count: int, *, now: datetime) -> None:
    """Queue, for the new holder, whom they cover for and how many households."""
    holder = await store.people.get(holder_id)
    language = language_of(translate, holder)
    text = translate(language, "coverage.notice.handed", name=esc(member_name), n=count)
    await store.outbox.enqueue("coverage_handover", [NewMessage(holder_id, holder_id, text)],
                               at=now)


async def tell_returned(store: Store, translate: Translator, member_name: str,
                        returned: list[tuple[int, int]], *, now: datetime) -> None:
    """Queue, for each holder, that the member is back and took their households back."""
    messages = []
    for holder_id, count in returned:
        language = language_of(translate, await store.people.get(holder_id))
        messages.append(NewMessage(holder_id, holder_id, translate(
            language, "coverage.notice.returned", name=esc(member_name), n=count)))
    if messages:
        await store.outbox.enqueue("coverage_return", messages, at=now)


async def tell(store: Store, member_id: int, text: str, *, now: datetime) -> None:
    """Queue a message to one member (marked away or back by a secretary)."""
    await store.outbox.enqueue("coverage_member", [NewMessage(member_id, member_id, text)], at=now)


async def come_back(store: Store, member_id: int, *, at: datetime
                    ) -> tuple[bool, list[tuple[int, int]]]:
    """`/back`: clear away and give back the handed households, whatever the latest
    check-in says; (whether away was cleared, (holder, count) given back)."""
    changed = await store.duty.set_away(member_id, None)
    return changed, await store.duty.return_households(member_id, at=at)


@dataclass(frozen=True, slots=True)
class CheckinEffect:
    """What a check-in did to the member's households."""

    returned: int = 0  # households given back to the member
    told: int = 0  # secretaries told that the member went off duty with households
    households: int = 0  # the member's households, when they went off duty

    @property
    def queued(self) -> bool:
        """True if messages wait in the outbox."""
        return bool(self.returned or self.told)


async def after_checkin(store: Store, translate: Translator, person: Person, status: str, *,
                        now: datetime) -> CheckinEffect:
    """After a check-in is recorded: give the households back to a member back on duty, or
    tell the secretaries of one newly off duty. `person` is as loaded before the check-in.

    Most check-ins change nothing here and cost no read: a member who was on duty or
    available and not away has nothing handed (a hand-over needs them off duty, and their
    next check-in on duty or available gives everything back), and one already off duty was
    reported then. Only a change of duty reads the member's households.
    """
    was_off = person.away or person.last_checkin_status in OFF_DUTY_STATUSES
    if status in BACK_STATUSES:
        if not person.away and person.last_checkin_status in BACK_STATUSES:
            return CheckinEffect()
    elif status not in OFF_DUTY_STATUSES or was_off:
        return CheckinEffect()
    state = await store.duty.state(person.id)
    if state is None:
        return CheckinEffect()
    if status in BACK_STATUSES:
        if state.away_since is None and not state.handed:
            return CheckinEffect()
        returned = await back_on_duty(store, person.id, status, at=now)
        await tell_returned(store, translate, person.display_name, returned, now=now)
        return CheckinEffect(returned=sum(n for _, n in returned))
    if not state.households:
        return CheckinEffect()
    told = await tell_off_duty(store, translate, person.id, now=now)
    return CheckinEffect(told=told, households=state.households)
