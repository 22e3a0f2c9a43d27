"""The branch tree's storage: no two live siblings share a name (decided inside the write), a
branch moves only where the tree still is as asked, archiving takes an empty subtree out of the
tree and keeps its rows, and the levels' names resolve per branch, then per depth."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage.branches import NameTaken
from storage.levels import Naming
from storage.store import Store

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


async def tree(store: Store) -> tuple[int, int, int, int]:
    """Root ─┬─ A ── A1
              └─ B"""
    root = await store.branches.create("Root", None, at=NOW)
    a = await store.branches.create("Alpha", root, at=NOW)
    a1 = await store.branches.create("Alpha-1", a, at=NOW)
    b = await store.branches.create("Beta", root, at=NOW)
    return root, a, a1, b


@pytest.mark.parametrize("again", ["Alpha", " alpha ", "ALPHA", "alpha\u3000"])
async def test_a_second_branch_of_one_name_under_one_parent_is_refused(
        store: Store, again: str) -> None:
    root, a, _, _ = await tree(store)
    before = await store.branches.count()
    with pytest.raises(NameTaken) as refused:
        await store.branches.create(again, root, at=NOW)
    assert (refused.value.branch_id, refused.value.name) == (a, "Alpha")
    assert await store.branches.count() == before
    # Under another parent, or at the top level once, the name is free.
    await store.branches.create(again, a, at=NOW)
    with pytest.raises(NameTaken):
        await store.branches.create("root", None, at=NOW)


async def test_names_are_compared_with_unicode_case_folding(store: Store) -> None:
    root = await store.branches.create("Организация", None, at=NOW)
    first = await store.branches.create("Ячейка  Один", root, at=NOW)
    with pytest.raises(NameTaken) as refused:
        await store.branches.create("ячейка один", root, at=NOW)
    assert refused.value.branch_id == first


async def test_two_adds_of_one_name_at_the_same_moment_cannot_both_pass(store: Store) -> None:
    root, *_ = await tree(store)
    outcomes = await asyncio.gather(
        *(store.branches.create(name, root, at=NOW) for name in ("Gamma", "gamma ", "GAMMA")),
        return_exceptions=True)
    made = [o for o in outcomes if isinstance(o, int)]
    assert len(made) == 1
    assert all(isinstance(o, NameTaken) and o.branch_id == made[0] for o in outcomes
               if o not in made)
    names = [n.name.casefold().strip() for n in await store.branches.subtree(root)]
    assert names.count("gamma") == 1


async def test_rename_is_refused_on_a_siblings_name_but_may_change_case(store: Store) -> None:
    _, a, _, b = await tree(store)
    with pytest.raises(NameTaken) as refused:
        await store.branches.rename(b, "alpha")
    assert refused.value.branch_id == a
    got = await store.branches.get(b)
    assert got is not None and got.name == "Beta"
    await store.branches.rename(a, "ALPHA")
    got = await store.branches.get(a)
    assert got is not None and got.name == "ALPHA"


async def test_move_checks_the_tree_inside_the_write(store: Store) -> None:
    root, a, a1, b = await tree(store)
    assert not await store.branches.move(a, a1, was=root)  # under its own subtree
    assert not await store.branches.move(a, a, was=root)  # under itself
    assert not await store.branches.move(a1, b, was=root)  # stale: A1 is under A, not Root
    assert [n.id for n in await store.branches.subtree(a)] == [a, a1]
    # A branch of the same name under the new parent refuses the move.
    twin = await store.branches.create("alpha-1", b, at=NOW)
    with pytest.raises(NameTaken) as refused:
        await store.branches.move(a1, b, was=a)
    assert refused.value.branch_id == twin
    await store.branches.rename(twin, "Beta-1")
    assert await store.branches.move(a1, b, was=a)
    assert [n.name for n in await store.branches.subtree(b)] == ["Beta", "Alpha-1", "Beta-1"]
    assert [(n.name, n.depth) for n in await store.branches.subtree(root)][-3:] == [
        ("Beta", 1), ("Alpha-1", 2), ("Beta-1", 2)]


async def test_archive_waits_until_no_one_is_left_in_the_subtree(store: Store) -> None:
    root, a, a1, b = await tree(store)
    await store.people.save(501, "Mo", None, "mo", "zh", at=NOW)
    await store.people.set_membership(501, a1, "member", at=NOW)
    waiting = await store.roster.add(a1, "member", "张伟", at=NOW)
    found = await store.branches.archive(a, at=NOW)
    assert found is not None and not found.empty
    assert (found.branches, found.members, found.waiting) == (2, 1, 1)
    assert await store.branches.occupants(a) == found
    assert [n.id for n in await store.branches.subtree(root)] == [root, a, a1, b]
    await store.people.set_membership(501, b, "member", at=NOW)
    await store.roster.remove(waiting, at=NOW)
    found = await store.branches.archive(a, at=NOW)
    assert found is not None and found.empty and found.branches == 2
    assert await store.branches.archive(a, at=NOW) is None  # archived already


async def test_an_archived_subtree_leaves_the_tree_and_keeps_its_rows(store: Store) -> None:
    root, a, a1, b = await tree(store)
    await store.branches.link_group(a1, -100123)
    await store.invites.create("abcdefgh1234", a1, "member", uses=None, expires_at=None,
                               created_by=None, at=NOW)
    team = await store.teams.create(a1, "突击队", created_by=None, at=NOW)
    assert [t.id for t in await store.teams.in_subtree(root)] == [team]
    found = await store.branches.archive(a, at=NOW)
    assert found is not None and found.empty
    # Out of every walk down the tree: the tree view, the schedules, the shared subtree CTE
    # (teams, linked groups, rollups).
    assert [n.id for n in await store.branches.subtree(root)] == [root, b]
    assert [n.id for n in await store.branches.whole_tree()] == [root, b]
    assert {s.branch_id for s in await store.schedules.all()} == {root, b}
    assert [t.branch_id for t in await store.schedules.own_times(root)] == [root, b]
    assert await store.teams.in_subtree(root) == []
    assert await store.branches.group_chats(root, subtree=True) == []
    # Its rows stay, marked archived; its group is unlinked and its invites revoked.
    for branch_id in (a, a1):
        kept = await store.branches.get(branch_id)
        assert kept is not None and kept.archived
    assert await store.branches.of_group(-100123) is None
    invite = await store.invites.get("abcdefgh1234")
    assert invite is not None and invite.revoked
    # An archived branch's name is free again under its parent.
    await store.branches.create("Alpha", root, at=NOW)


async def test_levels_resolve_per_branch_then_per_depth(store: Store) -> None:
    root, a, a1, b = await tree(store)
    assert await store.levels.of_branches([root, a1]) == {root: Naming(), a1: Naming()}
    await store.levels.set_all("name", ["街道党工委", "社区党委", "网格党小组"])
    await store.levels.set_all("leader_title", ["书记", None, "组长"])
    await store.levels.set_branch(b, "党支部", None)
    named = await store.levels.of_branches([root, a, a1, b, 999])
    assert named == {root: Naming("街道党工委", "书记"), a: Naming("社区党委", None),
                     a1: Naming("网格党小组", "组长"), b: Naming("党支部", None)}
    assert [(n.name, n.level_name, n.leader_title) for n in await store.branches.subtree(a)] \
        == [("Alpha", "社区党委", None), ("Alpha-1", "网格党小组", "组长")]
    # Naming fewer levels clears the names of those below; a level with nothing left goes.
    await store.levels.set_all("name", ["街道党工委"])
    assert [(lv.depth, lv.name, lv.leader_title) for lv in await store.levels.all()] == [
        (0, "街道党工委", "书记"), (2, None, "组长")]
    await store.levels.set_all("leader_title", [])
    assert [lv.depth for lv in await store.levels.all()] == [0]
