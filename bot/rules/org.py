"""The organization's tree as secretaries shape it: branches, the group chat linked to each,
and each branch's settings. The use cases of `/branch add`, `/linkgroup`, `/unlinkgroup` and
`/settings`, and the reads their answers show.

Rights are checked by the handlers' guards (`handlers.core.guards.scope`) before a use case
runs; what a use case must confirm in the database itself (the branch a group is linked to
now, whether the secretary leads that one too) it reads again here. Each change is written,
then audit-logged, before the handler answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.rules import rhythm
from bot.rules.access import Actor, may_lead
from bot.rules.deps import Deps
from storage.rows import Branch, BranchNode
from storage.schedule import Setting
from storage.store import Store


async def branch(store: Store, branch_id: int) -> Branch | None:
    """One branch, or None if there is no such branch."""
    return await store.branches.get(branch_id)


async def subtree(store: Store, root_id: int) -> list[BranchNode]:
    """A branch and every branch below it, in tree order, with depths and member counts."""
    return await store.branches.subtree(root_id)


async def add_branch(deps: Deps, actor_id: int | None, parent: Branch, name: str) -> int:
    """`/branch add`: a new branch under `parent`, audit-logged; its id. Raises
    `storage.branches.NameTaken` if a live branch under `parent` has the name (see
    `bot.rules.branch_changes.add`, which answers it)."""
    now = deps.clock.now()
    new_id = await deps.store.branches.create(name, parent.id, at=now)
    await deps.store.audit.record(actor_id, "branch_add", branch_id=new_id, allowed=True,
                                  detail={"parent": parent.id, "name": name}, at=now)
    return new_id


class Linked(Enum):
    """What `/linkgroup` did."""

    ALREADY = "already"  # the group was linked to that branch already
    ELSEWHERE = "elsewhere"  # linked to a branch the secretary does not lead: nothing changed
    LINKED = "linked"


@dataclass(frozen=True)
class GroupLink:
    """The outcome of linking a group: `previous` is the branch it was linked to before (for
    ELSEWHERE, the one that keeps it); `replaced` that the branch had another group."""

    result: Linked
    previous: Branch | None = None
    replaced: bool = False


async def link_group(deps: Deps, actor: Actor, branch: Branch, chat_id: int) -> GroupLink:
    """`/linkgroup`: tie the group chat to `branch` (one group per branch, one branch per
    group). Taking the group from another branch needs rights over that branch too, read
    here from the database."""
    store = deps.store
    previous_id = await store.branches.of_group(chat_id)
    if previous_id == branch.id:
        return GroupLink(Linked.ALREADY)
    previous = await store.branches.get(previous_id) if previous_id is not None else None
    if previous is not None and not await may_lead(store, actor, previous.id):
        return GroupLink(Linked.ELSEWHERE, previous)
    replaced = branch.group_chat_id is not None and branch.group_chat_id != chat_id
    await store.branches.link_group(branch.id, chat_id)
    await store.audit.record(actor.user_id, "linkgroup", branch_id=branch.id, allowed=True,
                             detail={"chat": chat_id, "from": previous_id}, at=deps.clock.now())
    return GroupLink(Linked.LINKED, previous, replaced)


class Unlinked(Enum):
    """What `/unlinkgroup` did."""

    NOT_LINKED = "not_linked"
    OUTSIDE = "outside"  # linked to a branch the secretary does not lead: nothing changed
    UNLINKED = "unlinked"


@dataclass(frozen=True)
class GroupUnlink:
    """The outcome of unlinking a group, and the branch it was linked to (if any)."""

    result: Unlinked
    branch: Branch | None = None


async def unlink_group(deps: Deps, actor: Actor, chat_id: int) -> GroupUnlink:
    """`/unlinkgroup`: untie the group chat from its branch, if the actor leads that branch."""
    store = deps.store
    branch_id = await store.branches.of_group(chat_id)
    linked = await store.branches.get(branch_id) if branch_id is not None else None
    if linked is None:
        return GroupUnlink(Unlinked.NOT_LINKED)
    if not await may_lead(store, actor, linked.id):
        return GroupUnlink(Unlinked.OUTSIDE, linked)
    await store.branches.unlink_group(chat_id)
    await store.audit.record(actor.user_id, "unlinkgroup", branch_id=linked.id, allowed=True,
                             detail={"chat": chat_id}, at=deps.clock.now())
    return GroupUnlink(Unlinked.UNLINKED, linked)


async def settings(store: Store, branch_id: int) -> list[Setting]:
    """A branch's settings: its own values and the effective ones (inherited or default)."""
    return await store.schedules.settings(branch_id)


@dataclass(frozen=True)
class SettingChange:
    """The outcome of `/settings <word> <value>`: refused with the order `problem` it would
    cause, or saved, with the value now in effect (`None` clears to the inherited one)."""

    problem: rhythm.OrderProblem | None
    effective: str | int | None = None


async def change_setting(deps: Deps, actor_id: int | None, branch_id: int, column: str,
                         value: str | int | None) -> SettingChange:
    """Set (or with `None`, clear) a branch's setting, unless it would put a day's times out
    of order here or in a sub-branch that inherits it (`rhythm.check_order`). The change, or
    the refusal with its reason, is audit-logged; the scheduler's next tick goes by it."""
    store = deps.store
    problem = await rhythm.check_order(store, branch_id, column, value)
    if problem is not None:
        await store.audit.record(actor_id, "settings", branch_id=branch_id, allowed=False,
                                 detail={"setting": column, "value": value,
                                         "refused": problem.key}, at=deps.clock.now())
        return SettingChange(problem)
    await store.schedules.set_setting(branch_id, column, value)
    await store.audit.record(actor_id, "settings", branch_id=branch_id, allowed=True,
                             detail={"setting": column, "value": value}, at=deps.clock.now())
    effective = next(s.effective for s in await store.schedules.settings(branch_id)
                     if s.column == column)
    return SettingChange(None, effective)
