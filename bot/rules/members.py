"""Secretaries change members, and a member leaves: move to another branch, make secretary or
step down, correct the name or the phone, remove; `/leave`.

Who may: a secretary over their branch and every branch below it (a fellow secretary of their
own branch included), an admin anywhere; a move's new branch must lie within the actor's reach
too. Nobody moves or removes themself (that is `/leave`); a secretary may step down themself.
Each change is asked, then confirmed by a button, and `check` runs again at the press against
the database: the member must still be in the branch they were in when asked (a button made
before they moved, or pressed twice, is stale) and the change must still change something.

Each use case writes, audits and queues its notices in one transaction, then wakes the
outbox, and returns the answer to the actor (HTML, in their language). The member is told in
theirs ("you were moved to X by Y"); a move tells the new branch's secretaries too, and what a
moved or removed member held is let go as `bot.rules.moves` says.

A move makes the member a *member* of the new branch: a secretary's role belongs to the branch
they led (make them secretary of the new one with a second change). Stepping down (or moving
or removing) the last secretary of a branch is allowed; the confirmation warns of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.rules.access import Actor, home_branch, may_lead
from bot.rules.roster.phones import normal_phone
from bot.rules.vocab import Role
from bot.text import esc
from storage.rows import Branch, BranchNode, Person
from storage.store import Store

NAME_MAX = 40  # characters of a name the organization gives a member

ROLE_WORDS = {"secretary": Role.SECRETARY, "书记": Role.SECRETARY,
              "member": Role.MEMBER, "成员": Role.MEMBER}


class Change(StrEnum):
    """What a secretary changes about a member."""

    MOVE = "move"
    SECRETARY = "secretary"  # make secretary of their branch
    MEMBER = "member"  # step down to member
    REMOVE = "remove"
    NAME = "name"
    PHONE = "phone"


@dataclass(frozen=True)
class Refusal:
    """Why a change may not be made: a catalogue key and its (escaped) values, and the branch
    the refusal is about (for the audit log)."""

    key: str
    values: dict[str, object] = field(default_factory=dict)
    branch_id: int | None = None


@dataclass(frozen=True)
class Target:
    """A member a change may be made to: as they are now, their branch, the move's new
    branch, and the warnings the confirmation shows (catalogue keys and values)."""

    person: Person
    branch: Branch
    to: Branch | None = None
    warnings: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The member's name, escaped."""
        return esc(self.person.display_name)


def role_word(text: str) -> Role | None:
    """`secretary`, `member`, 书记 or 成员 as a role; None for anything else."""
    return ROLE_WORDS.get(text.strip().lower())


def clean_name(text: str) -> str | None:
    """A name as typed, with its spaces made single; None if it is empty, longer than
    `NAME_MAX` or holds control characters (a line break)."""
    name = " ".join(text.split())
    if not name or len(name) > NAME_MAX or any(
            unicodedata.category(c).startswith("C") for c in name):
        return None
    return name


def phone_of(text: str) -> str | None:
    """The phone number as the organization writes it (`normal_phone`), or None."""
    return normal_phone(text)


def branch_id_of(text: str) -> int | None:
    """A branch id as typed (`7` or `#7`), or None."""
    raw = text.strip().lstrip("#")
    return int(raw) if re.fullmatch(r"[0-9]{1,12}", raw) else None


async def last_secretary(store: Store, branch_id: int) -> bool:
    """True if the branch has one secretary at most."""
    return len(await store.people.branch_secretaries(branch_id)) <= 1


async def check(store: Store, actor: Actor, member_id: int, change: Change, *,
                asked_in: int | None = None, to: int | None = None) -> Target | Refusal:
    """Whether `actor` may make `change` to the member now, read from the database. `asked_in`:
    the member's branch when the change was asked (a button); `to`: a move's new branch (None:
    not chosen yet, the branch picker)."""
    person = await store.people.get(member_id)
    branch = await store.branches.get(person.branch_id) if person and person.branch_id else None
    if person is None or branch is None:
        return Refusal("member.stale")
    if not await may_lead(store, actor, branch.id):
        return Refusal("deny.outside_scope", {"branch": esc(branch.name)}, branch.id)
    if asked_in is not None and asked_in != branch.id:
        return Refusal("member.stale", {}, branch.id)
    found = Target(person, branch)
    values: dict[str, object] = {"name": found.name, "branch": esc(branch.name)}
    is_secretary = person.role == Role.SECRETARY
    if member_id == actor.user_id and change in (Change.MOVE, Change.REMOVE):
        return Refusal("member.use_leave", {}, branch.id)
    if change is Change.MOVE and to is not None:
        new = await store.branches.get(to)
        if new is None:
            return Refusal("branch.unknown", {"id": to}, branch.id)
        if new.archived:  # it left the tree: nobody joins it again
            return Refusal("branch.archived_target", {"name": esc(new.name), "id": new.id},
                           new.id)
        if not await may_lead(store, actor, new.id):
            return Refusal("deny.outside_scope", {"branch": esc(new.name)}, new.id)
        if new.id == branch.id:
            return Refusal("member.already_there", values, branch.id)
        found = Target(person, branch, new)
    elif change is Change.SECRETARY and is_secretary:
        return Refusal("member.already_secretary", values, branch.id)
    elif change is Change.MEMBER and not is_secretary:
        return Refusal("member.already_member", values, branch.id)
    if is_secretary and change in (Change.MOVE, Change.MEMBER, Change.REMOVE):
        if await last_secretary(store, branch.id):
            found.warnings.append(("member.last_secretary", values))
        elif change is Change.MOVE:
            found.warnings.append(("member.was_secretary", values))
    return found


@dataclass(frozen=True)
class Card:
    """What a member's card shows: the member as they are now, and since when they are in
    their branch."""

    person: Person
    joined_at: datetime | None


async def card(store: Store, member_id: int) -> Card | None:
    """The member's card; None if they are in no branch."""
    person = await store.people.get(member_id)
    if person is None or person.branch_id is None:
        return None
    return Card(person, await store.people.joined_at(member_id))


async def destinations(store: Store, actor: Actor, leaving: int) -> list[BranchNode]:
    """The branches the actor may move a member of branch `leaving` to: their subtree (the
    whole tree for an admin) in tree order, less `leaving`."""
    if actor.is_admin:
        nodes = await store.branches.whole_tree()
    else:
        home = await home_branch(store, actor)
        nodes = await store.branches.subtree(home) if home is not None else []
    return [node for node in nodes if node.id != leaving]
