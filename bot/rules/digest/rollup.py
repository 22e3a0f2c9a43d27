"""`/who` and `/roster` over a large subtree: counts by direct sub-branch, worst first.

Names are what a secretary needs while they fit in a message or two; past that, a list of
thousands of names (340 pages for the root of 100,000 members) helps nobody. Then the
answer is the rollup: the subtree's totals, the branch's own members in one line, and one
line per direct sub-branch with its counts, lowest check-in rate first, each a door to the
same view one level down.

People on the roster who have not joined yet (`storage.roster`) are counted apart
(`waiting`): they are no members, so they are in no check-in count and no rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import local_day
from bot.rules.digest.build import rate
from storage.rollup import BranchTally
from storage.roster import RosterEntry
from storage.rows import STATUSES, BranchNode, RosterRow
from storage.store import Store

# Names are listed while there are at most this many (the members not checked in for /who;
# for /roster all members, and branches, since it heads every branch): about two pages of
# a message, a list one can still read through; above it, the rollup by sub-branch. A
# branch without sub-branches always lists names: there is no level below to point to.
NAMES_MAX = 100


@dataclass(frozen=True)
class Part:
    """One line of a rollup: a direct sub-branch (its whole subtree) or the root's own members."""

    node: BranchNode
    tally: BranchTally
    waiting: int = 0  # people on the roster not yet joined (in no count of `tally`)

    @property
    def rate(self) -> int:
        """Check-in rate in percent, rounded."""
        return rate(self.tally.checked, self.tally.members)


@dataclass(frozen=True)
class Rollup:
    """A subtree's answers today, by part."""

    root: BranchNode
    day: date  # the root's local day
    own: Part  # the root's own members
    children: list[Part]  # direct sub-branches, worst first
    branches: int  # in the subtree, the root included

    @property
    def members(self) -> int:
        """Members in the subtree."""
        return self.own.tally.members + sum(c.tally.members for c in self.children)

    @property
    def missing(self) -> int:
        """Members of the subtree who have not checked in."""
        return self.own.tally.missing + sum(c.tally.missing for c in self.children)

    @property
    def waiting(self) -> int:
        """People on the subtree's roster who have not joined yet."""
        return self.own.waiting + sum(c.waiting for c in self.children)

    @property
    def counts(self) -> Counter[str]:
        """Check-ins by status, in the order of STATUSES."""
        found: Counter[str] = Counter()
        for part in [self.own, *self.children]:
            found.update(part.tally.statuses)
        return Counter({s: found[s] for s in STATUSES if found[s]})

    def lists_names(self, command: str) -> bool:
        """True if `command` ("who" or "roster") should answer with names, not the rollup."""
        if not self.children:
            return True
        if command == "who":
            return self.missing + self.waiting <= NAMES_MAX
        return self.members + self.waiting <= NAMES_MAX and self.branches <= NAMES_MAX


def worst_first(parts: list[Part]) -> list[Part]:
    """Lowest check-in rate first; more unwell and quarantined first; empty ones last."""
    def key(part: Part) -> tuple[bool, float, int, str, int]:
        tally = part.tally
        care = tally.statuses.get("unwell", 0) + tally.statuses.get("quarantined", 0)
        return (tally.members == 0, tally.checked / tally.members if tally.members else 0.0,
                -care, part.node.name, part.node.id)
    return sorted(parts, key=key)


def by_top(nodes: list[BranchNode], counts: Mapping[int, int]) -> dict[int, int]:
    """Counts by branch summed by part: the root's own, and each direct sub-branch's
    subtree (`nodes` in tree order, the root first)."""
    top: dict[int, int] = {}
    summed: dict[int, int] = {}
    for node in nodes:
        top[node.id] = node.id if node.depth <= 1 else top[node.parent_id or node.id]
        summed[top[node.id]] = summed.get(top[node.id], 0) + counts.get(node.id, 0)
    return summed


async def subtree_rollup(store: Store, root_id: int, now: datetime) -> Rollup:
    """The subtree's members and today's check-ins (each branch's own local day), counted
    for the root's own members and for each direct sub-branch's subtree, and the people
    not yet joined. Three queries."""
    nodes = await store.branches.subtree(root_id)
    if not nodes:
        raise ValueError(root_id)
    days = {node.id: local_day(now, node.timezone) for node in nodes}
    tallies = {t.branch_id: t for t in await store.rollup.status(root_id, days)}
    waiting = by_top(nodes, await store.roster.waiting_counts(root_id))
    root = nodes[0]
    parts = [Part(node, tallies.get(node.id, BranchTally(node.id)), waiting.get(node.id, 0))
             for node in nodes if node.depth <= 1]
    return Rollup(root, days[root.id], parts[0], worst_first(parts[1:]), len(nodes))


async def waiting(store: Store, branch_id: int, *, subtree: bool = True) -> list[RosterEntry]:
    """The people of the branch (and, with `subtree`, of the branches below) on the roster
    who have not joined yet, by branch then name."""
    return await store.roster.waiting(branch_id, subtree=subtree)


async def own_roster(store: Store, branch_id: int, day: date) -> list[RosterRow]:
    """A branch's own members (not its sub-branches') with their status on `day`."""
    return await store.rollup.own_roster(branch_id, day)
