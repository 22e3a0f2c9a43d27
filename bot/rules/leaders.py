"""Leaders on record: each branch's secretaries' leadership over a period, from what the product
already records (needs, tasks, assignments, conduct, escalations, broadcasts and their
acknowledgements, households and visits, check-ins). Figures only: no score is made of them.

The figures of a branch (each explained in a line by the catalogue's `leaders.about.<key>`):

- **needs**: needs its members reported in the period; from report to the first action on
  each (the first task given for it, else its resolve or cancel): the median of those acted
  on, and the worst, counting a need still untouched at `now` with its wait so far;
  `needs_untouched` counts those.
- **escalations**: critical needs of its direct sub-branches escalated to it in the period
  (`needs.escalated_at`), and from the escalation to the first action, likewise.
- **tasks**: tasks its present secretaries gave in the period (wherever in their subtree);
  how many ran overdue (due before `now`, still open at the due time with an assignee, not
  declined, unfinished); of those, how many had no follow-up: nothing recorded after the due
  time, neither a close by a secretary, nor a new task for its need, nor a commendation or
  note on one of its assignees.
- **broadcasts**: sent by its present secretaries in the period; acknowledgements over the
  private deliveries sent of those asking for one.
- **households overdue**: its own households overdue at some time in the period as /coverage
  judges them, the household-hours overdue within the period, and the longest stretch
  within it. (The glossary's "unattended" means something else: unheld while the
  responsible member is off duty.)
- **check-in rate**: of its whole subtree, check-ins over member-days (each present member
  from the local day they joined); **coverage**: the subtree's households covered on the
  period's last day, as the digest counts it.

A figure with nothing to count is None ("none this period"): a median with nothing acted on,
a rate with nothing to divide by, the households' figures of a branch without households.
Counts are counts: 0 is a figure.

The period's days are the local days of the branch asked about (for a subtree, its root's,
as the digest reads a subtree); each branch's local days (when a household falls overdue,
when a member joined) are its own, at its UTC offset at the end of the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.rules.access import Actor
from bot.rules.coverage import window
from bot.rules.digest.arguments import day_bounds
from storage.leaders import (
    BroadcastCounts,
    OverdueHouseholds,
    Share,
    Span,
    TaskCounts,
    Timing,
)
from storage.rows import BranchNode, Person
from storage.store import Store

# (figure key, unit) in display order; unit: "count", "minutes", "hours" or "rate" (0..1).
LEADERS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("needs", "count"),
    ("need_first_median", "minutes"),
    ("need_first_worst", "minutes"),
    ("needs_untouched", "count"),
    ("escalations", "count"),
    ("escalation_median", "minutes"),
    ("escalation_worst", "minutes"),
    ("escalations_untouched", "count"),
    ("tasks_given", "count"),
    ("tasks_overdue", "count"),
    ("tasks_unfollowed", "count"),
    ("broadcasts", "count"),
    ("ack_rate", "rate"),
    ("households_overdue", "count"),
    ("overdue_hours", "hours"),
    ("overdue_longest", "hours"),
    ("checkin_rate", "rate"),
    ("coverage", "rate"),
)
UNITS = dict(LEADERS_COLUMNS)


@dataclass(frozen=True)
class Leadership:
    """The figures of one branch over a period (see the module's docstring); None: no data."""

    branch_id: int
    first: date
    last: date
    needs: int
    need_first_median: float | None  # minutes
    need_first_worst: float | None
    needs_untouched: int
    escalations: int
    escalation_median: float | None  # minutes
    escalation_worst: float | None
    escalations_untouched: int
    tasks_given: int
    tasks_overdue: int
    tasks_unfollowed: int
    broadcasts: int
    ack_rate: float | None  # 0..1
    households_overdue: int | None
    overdue_hours: float | None
    overdue_longest: float | None  # hours
    checkin_rate: float | None  # 0..1, the subtree's
    coverage: float | None  # 0..1, the subtree's



def value(lead: Leadership, key: str) -> float | int | None:
    """The figure `key` of LEADERS_COLUMNS (None: no data this period)."""
    if key not in UNITS:
        raise KeyError(key)
    found: float | int | None = getattr(lead, key)
    return found


async def may_see(store: Store, reader: Actor, secretary: Person) -> bool:
    """True if `reader` may see `secretary`'s leadership: the secretary themself, an admin, or
    a secretary of a branch above the secretary's branch (not a fellow secretary of the same
    branch, not a member). False for someone who is no secretary."""
    if secretary.role != "secretary" or secretary.branch_id is None:
        return False
    if reader.user_id == secretary.id or reader.is_admin:
        return True
    person = reader.person
    if person is None or person.role != "secretary" or person.branch_id is None \
            or person.branch_id == secretary.branch_id:
        return False
    return await store.branches.is_within(person.branch_id, secretary.branch_id)


async def leadership(store: Store, branch_id: int, first: date, last: date, *,
                     now: datetime) -> Leadership:
    """The figures of one branch over its local days `first`..`last`.

    Raises:
        LookupError: no such branch (or an archived one).
    """
    found = await _figures(store, branch_id, first, last, now, deep=False)
    return found[0][1]


async def leadership_tree(store: Store, root_id: int, first: date, last: date, *,
                          now: datetime) -> list[tuple[BranchNode, Leadership]]:
    """Every live branch of the subtree in tree order (`BranchNode.depth` for the indent),
    with its figures over the root's local days `first`..`last`: one query per figure.

    Raises:
        LookupError: no such branch.
    """
    return await _figures(store, root_id, first, last, now, deep=True)


def _offset(timezone: str, at: datetime) -> float:
    """The zone's UTC offset at `at`, in days."""
    offset = at.astimezone(ZoneInfo(timezone)).utcoffset()
    return offset.total_seconds() / 86400 if offset else 0.0


def _rolled(nodes: list[BranchNode], shares: Iterable[Share]) -> dict[int, tuple[int, int]]:
    """(whole, part) of each branch's subtree, from each branch's own."""
    total = {node.id: (0, 0) for node in nodes}
    for share in shares:
        if share.branch_id in total:
            total[share.branch_id] = (share.whole, share.part)
    for node in reversed(nodes[1:]):  # tree order: every branch after its parent
        parent = node.parent_id
        if parent in total:
            whole, part = total[node.id]
            above = total[parent]
            total[parent] = (above[0] + whole, above[1] + part)
    return total


def _share(pair: tuple[int, int]) -> float | None:
    whole, part = pair
    return part / whole if whole else None


def _worst(timing: Timing | None) -> float | None:
    if timing is None:
        return None
    found = [m for m in (timing.worst, timing.waiting) if m is not None]
    return max(found) if found else None


async def _figures(store: Store, root: int, first: date, last: date, now: datetime, *,
                   deep: bool) -> list[tuple[BranchNode, Leadership]]:
    nodes = await store.branches.subtree(root)
    if not nodes:
        raise LookupError(root)
    timezone = nodes[0].timezone
    start, end = day_bounds(first, timezone)[0], day_bounds(last, timezone)[1]
    offsets = {node.id: _offset(node.timezone, min(end, now)) for node in nodes}
    span = Span(root, deep, start, end, now)
    repo = store.leaders
    needs = {t.branch_id: t for t in await repo.need_timings(span)}
    escalated = {t.branch_id: t for t in await repo.escalation_timings(span)}
    tasks = {t.branch_id: t for t in await repo.tasks(span)}
    sent = {b.branch_id: b for b in await repo.broadcasts(span)}
    overdue = {h.branch_id: h for h in await repo.overdue_households(span, offsets)}
    checked = _rolled(nodes, await repo.checkins(root, first_day=first.isoformat(),
                                                 last_day=last.isoformat(), offsets=offsets))
    day = window(last, timezone)
    covered = _rolled(nodes, await repo.coverage(root, starts=day.starts, end=day.end))
    return [(node, _lead(node.id, first, last, needs.get(node.id), escalated.get(node.id),
                         tasks.get(node.id), sent.get(node.id), overdue.get(node.id),
                         _share(checked[node.id]), _share(covered[node.id])))
            for node in (nodes if deep else nodes[:1])]


def _lead(branch_id: int, first: date, last: date, needs: Timing | None,
          escalated: Timing | None, tasks: TaskCounts | None, sent: BroadcastCounts | None,
          overdue: OverdueHouseholds | None, checkin_rate: float | None,
          coverage: float | None) -> Leadership:
    has_homes = overdue is not None and overdue.households > 0
    return Leadership(
        branch_id=branch_id, first=first, last=last,
        needs=needs.acted + needs.untouched if needs else 0,
        need_first_median=needs.median if needs else None,
        need_first_worst=_worst(needs),
        needs_untouched=needs.untouched if needs else 0,
        escalations=escalated.acted + escalated.untouched if escalated else 0,
        escalation_median=escalated.median if escalated else None,
        escalation_worst=_worst(escalated),
        escalations_untouched=escalated.untouched if escalated else 0,
        tasks_given=tasks.given if tasks else 0,
        tasks_overdue=tasks.overdue if tasks else 0,
        tasks_unfollowed=tasks.unfollowed if tasks else 0,
        broadcasts=sent.sent if sent else 0,
        ack_rate=sent.acks / sent.deliveries if sent and sent.deliveries else None,
        households_overdue=overdue.overdue if overdue and has_homes else None,
        overdue_hours=overdue.hours if overdue and has_homes else None,
        overdue_longest=overdue.longest if overdue and has_homes else None,
        checkin_rate=checkin_rate, coverage=coverage)
