"""Teams: named groups of members of a branch, for shock work; `/team`'s reads and use cases.

A secretary sees and changes the teams of their subtree. A team's name is unique in its
branch; a name given by a secretary finds the team of their own branch first. Members are
named as everywhere (`bot.rules.naming`: a name, @username, phone or id), within the team's
own subtree. Every change is audited by the use case that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.rules import naming
from bot.rules.deps import Deps
from storage.records import MemberMatch
from storage.store import Store
from storage.teams import Team

TEAM_NAME_MAX = 40


async def in_subtree(store: Store, branch_id: int) -> list[Team]:
    """The teams of the branch's subtree, each with its members."""
    return await store.teams.in_subtree(branch_id)


async def in_subtree_by_id(store: Store, branch_id: int, team_id: int) -> Team | None:
    """One team of the branch's subtree, or None (deleted, or not in that subtree)."""
    return next((t for t in await store.teams.in_subtree(branch_id) if t.id == team_id), None)


def named(teams: list[Team], name: str, home: int) -> Team | None:
    """The team called `name` (any case), the one of branch `home` first."""
    found = [t for t in teams if t.name.casefold() == name.casefold()]
    found.sort(key=lambda t: t.branch_id != home)  # the secretary's own branch first
    return found[0] if found else None


async def create_team(deps: Deps, *, by: int, branch_id: int, name: str) -> int | None:
    """Create a team in the branch and audit it; None if the branch has one of that name."""
    now = deps.clock.now()
    team_id = await deps.store.teams.create(branch_id, name, created_by=by, at=now)
    if team_id is not None:
        await deps.store.audit.record(by, "team_create", branch_id=branch_id, allowed=True,
                                      detail={"team": team_id}, at=now)
    return team_id


async def delete_team(deps: Deps, *, by: int, team: Team) -> None:
    """Delete a team (its tasks keep their assignees) and audit it."""
    now = deps.clock.now()
    await deps.store.teams.delete(team.id)
    await deps.store.audit.record(by, "team_delete", branch_id=team.branch_id, allowed=True,
                                  detail={"team": team.id}, at=now)


class Membership(StrEnum):
    """What adding a member to a team, or removing one, came to."""

    NO_MEMBER = "no_member"  # nobody of the team's subtree is called that
    AMBIGUOUS = "ambiguous"  # several are
    ADDED = "added"
    ALREADY_IN = "already_in"
    REMOVED = "removed"
    NOT_IN = "not_in"


@dataclass(frozen=True)
class MembershipChange:
    """The outcome, and the members the name matched (one when something was done)."""

    outcome: Membership
    matches: list[MemberMatch]


async def change_membership(deps: Deps, *, by: int, team: Team, who: str | MemberMatch,
                            add: bool) -> MembershipChange:
    """Add the member `who` names (or is: found within the team's subtree) to the team, or
    remove them; a change is audited."""
    now = deps.clock.now()
    if isinstance(who, MemberMatch):  # checked again: still in the team's subtree?
        found = await naming.member_in(deps.store, team.branch_id, who.member_id)
        if found is None:
            return MembershipChange(Membership.NO_MEMBER, [])
        member = found
    else:
        named = await naming.resolve(deps.store, team.branch_id, who)
        if named.member is None:
            outcome = Membership.AMBIGUOUS if named.candidates else Membership.NO_MEMBER
            return MembershipChange(outcome, named.candidates)
        member = named.member
    matches = [member]
    if add:
        changed = await deps.store.teams.add_member(team.id, member.member_id, at=now)
        outcome = Membership.ADDED if changed else Membership.ALREADY_IN
    else:
        changed = await deps.store.teams.remove_member(team.id, member.member_id)
        outcome = Membership.REMOVED if changed else Membership.NOT_IN
    if changed:
        await deps.store.audit.record(by, f"team_{'add' if add else 'remove'}",
                                      branch_id=team.branch_id, allowed=True,
                                      detail={"team": team.id, "member": member.member_id},
                                      at=now)
    return MembershipChange(outcome, matches)
