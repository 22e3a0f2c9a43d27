"""The organization's use cases called directly on a real database: branches, linked groups,
settings, joining (`bot.rules.org`, `bot.rules.moves.join`); and the handlers of
handlers/org/ calling them rather than the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import ManualClock
from bot.i18n import Translator
from bot.rules import org
from bot.rules.access import Actor
from bot.rules.invites import create_invite
from bot.rules.moves import join
from bot.rules.org import Linked, Unlinked
from storage.store import Store
from tests.helpers import MORNING

GROUP, OTHER_GROUP = -1001, -1002


@dataclass
class Deps:
    """What a use case needs, with the outbox's wakes counted."""

    store: Store
    translate: Translator = field(default_factory=Translator)
    clock: ManualClock = field(default_factory=lambda: ManualClock(MORNING))
    wakes: int = 0

    def wake_outbox(self) -> None:
        self.wakes += 1


@dataclass(frozen=True)
class Tree:
    root: int
    a: int
    b: int


async def _tree(store: Store, now: datetime) -> Tree:
    root = await store.branches.create("Root", None, at=now)
    return Tree(root, await store.branches.create("Alpha", root, at=now),
                await store.branches.create("Beta", root, at=now))


async def _secretary(store: Store, user_id: int, branch_id: int, now: datetime) -> Actor:
    await store.people.save(user_id, f"S{user_id}", None, None, "zh", at=now)
    await store.people.set_membership(user_id, branch_id, "secretary", at=now)
    return Actor(user_id, await store.people.get(user_id), False, "zh")


async def _audit(store: Store, action: str) -> list[tuple[int | None, bool, dict[str, object]]]:
    return [(e[3], e[4], json.loads(e[5] or "{}")) for e in await store.audit.entries()
            if e[2] == action]


async def test_groups_move_only_between_branches_the_secretary_leads(store: Store) -> None:
    deps = Deps(store)
    now = deps.clock.now()
    tree = await _tree(store, now)
    sa = await _secretary(store, 201, tree.a, now)
    sb = await _secretary(store, 203, tree.b, now)
    alpha = await org.branch(store, tree.a)
    beta = await org.branch(store, tree.b)
    assert alpha is not None and beta is not None
    done = await org.link_group(deps, sa, alpha, GROUP)
    assert (done.result, done.previous, done.replaced) == (Linked.LINKED, None, False)
    assert await _audit(store, "linkgroup") == [(tree.a, True, {"chat": GROUP, "from": None})]
    assert (await org.link_group(deps, sa, alpha, GROUP)).result is Linked.ALREADY
    # Beta's secretary cannot take Alpha's group, nor untie it: nothing changes, nothing is
    # logged as done (the handler logs the refusal).
    taken = await org.link_group(deps, sb, beta, GROUP)
    assert taken.result is Linked.ELSEWHERE and taken.previous is not None
    assert taken.previous.id == tree.a
    untied = await org.unlink_group(deps, sb, GROUP)
    assert untied.result is Unlinked.OUTSIDE and untied.branch is not None
    assert untied.branch.id == tree.a
    assert await store.branches.of_group(GROUP) == tree.a
    assert len(await _audit(store, "linkgroup")) == 1 and await _audit(store, "unlinkgroup") == []
    # A second group replaces the branch's first (the branch as the handler's guard read it).
    alpha = await org.branch(store, tree.a)
    assert alpha is not None
    replaced = await org.link_group(deps, sa, alpha, OTHER_GROUP)
    assert (replaced.result, replaced.replaced) == (Linked.LINKED, True)
    assert await store.branches.of_group(GROUP) is None
    done_unlink = await org.unlink_group(deps, sa, OTHER_GROUP)
    assert done_unlink.result is Unlinked.UNLINKED and done_unlink.branch is not None
    assert done_unlink.branch.id == tree.a
    assert await _audit(store, "unlinkgroup") == [(tree.a, True, {"chat": OTHER_GROUP})]
    assert (await org.unlink_group(deps, sa, OTHER_GROUP)).result is Unlinked.NOT_LINKED
    assert deps.wakes == 0


async def test_a_setting_out_of_order_is_refused_logged_and_not_saved(store: Store) -> None:
    deps = Deps(store)
    now = deps.clock.now()
    tree = await _tree(store, now)

    async def own(column: str) -> str | int | None:
        return next(s.own for s in await org.settings(store, tree.a) if s.column == column)

    # The default reminder is at 10:00: a prompt at 11:00 would come after it.
    refused = await org.change_setting(deps, 201, tree.a, "checkin_time", "11:00")
    assert refused.problem is not None and refused.effective is None
    assert await own("checkin_time") is None
    assert await _audit(store, "settings") == [(tree.a, False, {
        "setting": "checkin_time", "value": "11:00", "refused": refused.problem.key})]
    saved = await org.change_setting(deps, 201, tree.a, "checkin_time", "07:30")
    assert (saved.problem, saved.effective) == (None, "07:30")
    assert await own("checkin_time") == "07:30"
    cleared = await org.change_setting(deps, 201, tree.a, "checkin_time", None)
    assert (cleared.problem, cleared.effective) == (None, "08:00")  # the default again
    assert [e[1:] for e in await _audit(store, "settings")][:2] == [
        (True, {"setting": "checkin_time", "value": None}),
        (True, {"setting": "checkin_time", "value": "07:30"})]


async def test_add_branch_is_logged_under_its_parent(store: Store) -> None:
    deps = Deps(store)
    tree = await _tree(store, deps.clock.now())
    alpha = await org.branch(store, tree.a)
    assert alpha is not None
    new_id = await org.add_branch(deps, 201, alpha, "Alpha-2")
    assert [(n.name, n.depth) for n in await org.subtree(store, tree.a)] == [
        ("Alpha", 0), ("Alpha-2", 1)]
    assert await _audit(store, "branch_add") == [
        (new_id, True, {"parent": tree.a, "name": "Alpha-2"})]


async def test_joining_wakes_the_outbox_only_when_a_move_queued_notices(store: Store) -> None:
    deps = Deps(store)
    now = deps.clock.now()
    tree = await _tree(store, now)
    await _secretary(store, 201, tree.a, now)
    await store.people.save(301, "Mia", None, None, "zh", at=now)

    async def code(branch_id: int, role: str = "member") -> str:
        return (await create_invite(store, branch_id, role, created_by=None, now=now)).code

    joined = await join(deps, await code(tree.a), 301)
    assert joined is not None and joined.person.branch_id == tree.a
    assert not joined.outcome.moved and deps.wakes == 0
    moved = await join(deps, await code(tree.b), 301)
    assert moved is not None and moved.outcome.moved and moved.person.branch_name == "Beta"
    assert deps.wakes == 1  # Alpha's secretary is told
    once = await code(tree.a, "secretary")
    assert await join(deps, once, 301) is not None
    await store.people.save(302, "Max", None, None, "zh", at=now)
    assert await join(deps, once, 302) is None  # used up meanwhile: nothing changes
    person = await store.people.get(302)
    assert person is not None and person.branch_id is None
