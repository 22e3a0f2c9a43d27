"""Reshaping the branch tree: `/branch add`, `/branch rename`, `/branch move`, `/branch
archive`, and the command line's `branch add|rename|move|archive`.

Rights, read from the database for every step (the ask and the press of its button alike): the
actor leads the branch, and for a move the new parent too (`may_lead`); `actor` None is the
command line, with an admin's rights. A secretary may rename the branch they lead, but not move
or archive it (their home branch, the top of their scope): an admin or a secretary above does.
A root branch is neither moved nor archived. A branch never moves under itself or its own
subtree; no two live branches under one parent share a name (trimmed, case ignored), checked in
the transaction that writes (`storage.tree`). A branch is archived with its whole subtree, and
only when no one is left in it: no member and no one waiting on the roster (they must be moved
first); archiving unlinks its group chats and revokes its invites, keeps its rows (history), and
takes it out of the tree (`storage.sql.LIVE`).

Every change and every refusal is audit-logged. The actor is answered; the secretaries of a
branch that was renamed or moved (other than the actor) are told through the outbox, each in
their language.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import pick_language
from bot.rules import org, people
from bot.rules.access import Actor, may_lead
from bot.rules.branches import Answer
from bot.rules.deps import Deps
from bot.text import esc
from storage.branches import NameTaken, Occupants
from storage.rows import Branch, NewMessage
from storage.store import Store


def _names(branch: Branch) -> dict[str, object]:
    return {"name": branch.name, "id": branch.id}


async def _refused(deps: Deps, actor: Actor | None, action: str, branch_id: int, key: str,
                   **values: object) -> Answer:
    await people.audit(deps, actor, action, branch_id=branch_id, allowed=False, reason=key)
    return Answer(key, values)


async def _taken(store: Store, parent_id: int | None, taken: NameTaken) -> Answer:
    parent = await store.branches.get(parent_id) if parent_id is not None else None
    if parent is None:
        return Answer("branch.same_name_root", {"name": taken.name, "id": taken.branch_id})
    return Answer("branch.same_name", {"parent": parent.name, "name": taken.name,
                                       "id": taken.branch_id})


async def _led(deps: Deps, actor: Actor | None, action: str, branch_id: int
               ) -> Branch | Answer:
    """The live branch the actor leads, or the answer why not."""
    branch = await deps.store.branches.get(branch_id)
    if branch is None:
        return Answer("branch.unknown", {"id": branch_id})
    if branch.archived:
        return Answer("branch.archived_target", _names(branch))
    if actor is not None and not await may_lead(deps.store, actor, branch.id):
        return await _refused(deps, actor, action, branch.id, "deny.outside_scope",
                              branch=branch.name)
    return branch


async def _reshapable(deps: Deps, actor: Actor | None, action: str, branch_id: int
                      ) -> Branch | Answer:
    """The branch, if the actor may move or archive it: they lead it, it is not a root, and
    it is not their own (home) branch; else the answer why not."""
    branch = await _led(deps, actor, action, branch_id)
    if isinstance(branch, Answer):
        return branch
    if branch.parent_id is None:
        return await _refused(deps, actor, action, branch.id, "branch.root_fixed",
                              **_names(branch))
    if actor is not None and not actor.is_admin and actor.branch_id == branch.id:
        return await _refused(deps, actor, action, branch.id, "branch.home_fixed",
                              **_names(branch))
    return branch


async def _tell_secretaries(deps: Deps, actor: Actor | None, branch: Branch, key: str,
                            **values: object) -> None:
    """Queue `key` for the branch's secretaries other than the actor, in their language."""
    secretaries = [s for s in await deps.store.people.secretaries_of(branch.id)
                   if actor is None or s.member_id != actor.user_id]
    if not secretaries:
        return
    by = actor.person.display_name if actor and actor.person else None
    messages = []
    for secretary in secretaries:
        language = pick_language(secretary.language, secretary.telegram_language,
                                 branch.locale)
        who = by if by is not None else deps.translate(language, "role.admin")
        messages.append(NewMessage(secretary.member_id, secretary.member_id, deps.translate(
            language, key, by=esc(who),
            **{k: esc(v) if isinstance(v, str) else v for k, v in values.items()})))
    await deps.store.outbox.enqueue("branch_change", messages, at=deps.clock.now())
    deps.wake_outbox()


# --- add and rename ---------------------------------------------------------------------------


async def add(deps: Deps, actor: Actor | None, parent: Branch, name: str) -> Answer:
    """`/branch add`: a new branch under `parent` (the actor's rights over it were checked),
    unless a live branch under it has the name."""
    try:
        new_id = await org.add_branch(deps, actor.user_id if actor else None, parent, name)
    except NameTaken as taken:
        return await _taken(deps.store, parent.id, taken)
    return Answer("branch.added", {"name": name, "id": new_id, "parent": parent.name},
                  ok=True)


async def rename(deps: Deps, actor: Actor | None, branch_id: int, name: str) -> Answer:
    """`/branch rename ID NAME`: done at once, unless a live sibling has the name."""
    branch = await _led(deps, actor, "branch_rename", branch_id)
    if isinstance(branch, Answer):
        return branch
    if branch.name == name:
        return Answer("branch.rename_same", _names(branch))
    try:
        await deps.store.branches.rename(branch.id, name)
    except NameTaken as taken:
        return await _taken(deps.store, branch.parent_id, taken)
    await people.audit(deps, actor, "branch_rename", branch_id=branch.id, allowed=True,
                       old=branch.name, name=name)
    await _tell_secretaries(deps, actor, branch, "branch.renamed_notice", old=branch.name,
                            name=name, id=branch.id)
    return Answer("branch.renamed", {"old": branch.name, "name": name, "id": branch.id},
                  ok=True, branch=branch)


# --- move -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    branch: Branch
    parent: Branch
    old: Branch


async def _check_move(deps: Deps, actor: Actor | None, branch_id: int, parent_id: int
                      ) -> _Move | Answer:
    store = deps.store
    branch = await _reshapable(deps, actor, "branch_move", branch_id)
    if isinstance(branch, Answer):
        return branch
    parent = await _led(deps, actor, "branch_move", parent_id)
    if isinstance(parent, Answer):
        return parent
    if parent.id == branch.id or await store.branches.is_within(branch.id, parent.id):
        return Answer("branch.move_under_itself", {**_names(branch), "parent": parent.name})
    if parent.id == branch.parent_id:
        return Answer("branch.move_already", {**_names(branch), "parent": parent.name})
    taken = await store.branches.named(parent.id, branch.name, other_than=branch.id)
    if taken is not None:
        return await _taken(store, parent.id, NameTaken(*taken))
    assert branch.parent_id is not None
    old = await store.branches.get(branch.parent_id)
    assert old is not None
    return _Move(branch, parent, old)


async def ask_move(deps: Deps, actor: Actor | None, branch_id: int, parent_id: int) -> Answer:
    """`/branch move ID PARENT`: what moving would do, `ok` if it may be done (the chat then
    asks to confirm), else why not."""
    checked = await _check_move(deps, actor, branch_id, parent_id)
    if isinstance(checked, Answer):
        return checked
    found = await deps.store.branches.occupants(checked.branch.id)
    return Answer("branch.move_ask", {
        **_names(checked.branch), "old": checked.old.name, "parent": checked.parent.name,
        "parent_id": checked.parent.id, "branches": found.branches, "members": found.members},
        ok=True, branch=checked.branch)


async def move(deps: Deps, actor: Actor | None, branch_id: int, parent_id: int, *,
               was: int | None = None) -> Answer:
    """Move the branch (with its subtree) under `parent_id`, everything checked again; `was`
    is the parent it had when the move was asked (a button), None on the command line."""
    checked = await _check_move(deps, actor, branch_id, parent_id)
    if isinstance(checked, Answer):
        return checked
    branch, parent = checked.branch, checked.parent
    if was is not None and branch.parent_id != was:
        return Answer("branch.changed", _names(branch))
    try:
        moved = await deps.store.branches.move(branch.id, parent.id, was=checked.old.id)
    except NameTaken as taken:
        return await _taken(deps.store, parent.id, taken)
    if not moved:
        return Answer("branch.changed", _names(branch))
    await people.audit(deps, actor, "branch_move", branch_id=branch.id, allowed=True,
                       old=checked.old.id, parent=parent.id)
    values = {**_names(branch), "old": checked.old.name, "parent": parent.name}
    await _tell_secretaries(deps, actor, branch, "branch.moved_notice", **values)
    return Answer("branch.moved", values, ok=True, branch=branch)


# --- archive ----------------------------------------------------------------------------------


def _not_empty(branch: Branch, found: Occupants) -> Answer:
    return Answer("branch.archive_not_empty", {**_names(branch), "members": found.members,
                                               "waiting": found.waiting})


async def ask_archive(deps: Deps, actor: Actor | None, branch_id: int) -> Answer:
    """`/branch archive ID`: `ok` if it may be archived (the chat then asks to confirm), else
    why not: whom it still holds, who must be moved first."""
    branch = await _reshapable(deps, actor, "branch_archive", branch_id)
    if isinstance(branch, Answer):
        return branch
    found = await deps.store.branches.occupants(branch.id)
    if not found.empty:
        return _not_empty(branch, found)
    return Answer("branch.archive_ask", {**_names(branch), "branches": found.branches},
                  ok=True, branch=branch)


async def archive(deps: Deps, actor: Actor | None, branch_id: int) -> Answer:
    """Archive the branch and its subtree, everything checked again, the emptiness inside
    the write."""
    branch = await _reshapable(deps, actor, "branch_archive", branch_id)
    if isinstance(branch, Answer):
        return branch
    found = await deps.store.branches.archive(branch.id, at=deps.clock.now())
    if found is None:
        return Answer("branch.archived_target", _names(branch))
    if not found.empty:
        return _not_empty(branch, found)
    await people.audit(deps, actor, "branch_archive", branch_id=branch.id, allowed=True,
                       branches=found.branches)
    return Answer("branch.archived", {**_names(branch), "branches": found.branches}, ok=True,
                  branch=branch)
