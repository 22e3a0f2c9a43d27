"""Daily check-ins: one per member per local day of their branch; who has not checked in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.clock import local_day
from bot.rules import coverage
from bot.rules.coverage import CheckinEffect
from bot.rules.deps import Deps
from storage.rows import STATUSES, BranchNode, Checkin, Person, RosterRow
from storage.store import Store

NOTE_MAX = 200  # characters; a note is a short remark, not a report


@dataclass(frozen=True)
class CheckinOutcome:
    """What a check-in did: the day, the status, and the status it replaced (if any)."""

    day: date
    status: str
    previous: str | None
    branch_name: str


@dataclass(frozen=True)
class CheckedIn:
    """What the check-in use case did: the check-in, and its effect on the member's households
    (given back to a member back on duty, or secretaries told of one newly off duty)."""

    outcome: CheckinOutcome
    effect: CheckinEffect


async def check_in_member(deps: Deps, person: Person, status: str,
                          note: str | None = None) -> CheckedIn:
    """The check-in use case: record the status, then do what it means for the member's
    households (`coverage.after_checkin`), and wake the outbox if that queued messages.
    `person` is the member as loaded before the check-in."""
    now = deps.clock.now()
    outcome = await check_in(deps.store, person, status, now, note)
    effect = await coverage.after_checkin(deps.store, deps.translate, person, status, now=now)
    if effect.queued:
        deps.wake_outbox()
    return CheckedIn(outcome, effect)


async def check_in(
    store: Store, person: Person, status: str, now: datetime, note: str | None = None
) -> CheckinOutcome:
    """Record `status` for the member's local day, replacing an earlier one that day (the
    write alone; `check_in_member` is the use case)."""
    if status not in STATUSES:
        raise ValueError(status)
    if person.branch_id is None or person.timezone is None:
        raise ValueError("not a member")
    day = local_day(now, person.timezone)
    previous = person.last_checkin_status if person.last_checkin_day == day else None
    await store.checkins.record(person.id, person.branch_id, day, status, note=note, at=now)
    return CheckinOutcome(day, status, previous, person.branch_name or "")


async def add_note(deps: Deps, member_id: int, timezone: str, note: str) -> bool:
    """Attach `note` to the member's check-in of their local today; False if there is none."""
    now = deps.clock.now()
    return await deps.store.checkins.set_note(member_id, local_day(now, timezone), note, at=now)


async def checked_in(store: Store, member_id: int, day: date) -> bool:
    """Whether the member has a check-in on `day`."""
    return await store.checkins.get(member_id, day) is not None


@dataclass(frozen=True)
class MyDay:
    """What `/me` shows of check-ins: today's check-in (if any) and the streak."""

    current: Checkin | None
    streak: int


async def my_day(store: Store, member_id: int, today: date) -> MyDay:
    """The member's check-in of `today` and their streak of days up to it."""
    current = await store.checkins.get(member_id, today)
    days = await store.checkins.days(member_id, until=today)
    return MyDay(current, streak(days, today))


def streak(days: list[date], today: date) -> int:
    """Consecutive check-in days ending today, or yesterday if today is not done yet."""
    if not days:
        return 0
    wanted = today if days[0] == today else today - timedelta(days=1)
    count = 0
    for day in days:
        if day != wanted:
            break
        count += 1
        wanted -= timedelta(days=1)
    return count


@dataclass
class BranchStatus:
    """One branch of a subtree: its members and today's answers."""

    node: BranchNode
    day: date
    members: list[RosterRow] = field(default_factory=list)

    @property
    def missing(self) -> list[RosterRow]:
        """Members without a check-in on the branch's day."""
        return [m for m in self.members if m.status is None]


@dataclass
class SubtreeStatus:
    """A subtree's members and check-ins for each branch's local today."""

    root: BranchNode
    branches: list[BranchStatus]

    @property
    def total(self) -> int:
        """Members in the subtree."""
        return sum(len(b.members) for b in self.branches)

    @property
    def missing(self) -> int:
        """Members who have not checked in."""
        return sum(len(b.missing) for b in self.branches)

    @property
    def counts(self) -> Counter[str]:
        """Check-ins by status, in the order of STATUSES."""
        found = Counter(m.status for b in self.branches for m in b.members if m.status)
        return Counter({s: found[s] for s in STATUSES if found[s]})


async def subtree_status(store: Store, root_id: int, now: datetime, *,
                         missing_only: bool = False) -> SubtreeStatus:
    """Everyone in the subtree with their status on their own branch's local day.

    With `missing_only`, only the members without a check-in are read (each branch's
    `members` then holds just them; its `node.members` still counts them all).
    """
    nodes = await store.branches.subtree(root_id)
    if not nodes:
        raise ValueError(root_id)
    days = {node.id: local_day(now, node.timezone) for node in nodes}
    rows = await store.rollup.roster(root_id, days, missing_only=missing_only)
    by_branch = {node.id: BranchStatus(node, days[node.id]) for node in nodes}
    for row in rows:
        by_branch[row.branch_id].members.append(row)
    return SubtreeStatus(nodes[0], list(by_branch.values()))
