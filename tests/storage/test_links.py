"""Personal links in storage: made once per waiting person, renewed, claimed in the joining
transaction (or not spent at all), and a claim undone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


async def _org(store: Store) -> tuple[int, int]:
    root = await store.branches.create("东湖社区党委", None, at=NOW)
    child = await store.branches.create("第一支部", root, at=NOW)
    return root, child


async def _make(store: Store, *pairs: tuple[int, str]) -> int:
    return await store.links.make(list(pairs), expires_at=LATER, created_by=None, at=NOW,
                                  audit_branch=None)


async def test_a_link_is_made_once_for_each_waiting_person(store: Store) -> None:
    root, child = await _org(store)
    zhang = await store.roster.add(child, "member", "张伟", at=NOW)
    li = await store.roster.add(child, "secretary", "李娜", at=NOW)
    gone = await store.roster.add(child, "member", "王芳", at=NOW)
    await store.roster.remove(gone, at=NOW)
    assert await store.links.without_link([child], NOW) == [zhang, li]
    assert await store.links.without_link([root], NOW) == []  # not the branches below
    assert await _make(store, (zhang, "code-zhang-1"), (li, "code-li-1"),
                       (gone, "code-gone-1")) == 2
    # Made again (a second secretary at the same moment): the first links stand.
    assert await _make(store, (zhang, "code-zhang-2")) == 0
    people = await store.links.of_branches([child], NOW)
    assert [(p.name, p.code, p.role) for p in people] == [
        ("张伟", "code-zhang-1", "member"), ("李娜", "code-li-1", "secretary")]
    invite = await store.invites.get("code-li-1")
    assert invite is not None and (invite.roster_id, invite.uses_left, invite.role) == (
        li, 1, "secretary")
    # Expired: no longer active, so a new one may be made.
    assert await store.links.without_link([child], LATER) == [zhang, li]


async def test_renewing_revokes_the_previous_link(store: Store) -> None:
    _, child = await _org(store)
    zhang = await store.roster.add(child, "member", "张伟", at=NOW)
    await _make(store, (zhang, "code-old-0001"))
    assert await store.links.renew(zhang, "code-new-0001", expires_at=LATER, created_by=7,
                                   at=NOW)
    assert (await store.invites.get("code-old-0001")).revoked  # type: ignore[union-attr]
    link = await store.links.of_person(zhang, NOW)
    assert link is not None and link.code == "code-new-0001"


async def test_claiming_spends_the_link_and_takes_the_row(store: Store) -> None:
    _, child = await _org(store)
    zhang = await store.roster.add(child, "secretary", "张伟", phone="13800138000", at=NOW)
    await _make(store, (zhang, "code-zhang-001"))
    await store.people.save(501, "Wei", None, "weiz", "zh", at=NOW)
    assert await store.invites.join("code-zhang-001", 501, at=NOW)
    person = await store.people.get(501)
    assert person is not None
    assert (person.display_name, person.branch_id, person.role) == ("张伟", child, "secretary")
    assert (await store.roster.get(zhang)).member_id == 501  # type: ignore[union-attr]
    await store.people.save(502, "Other", None, None, "zh", at=NOW)
    assert not await store.invites.join("code-zhang-001", 502, at=NOW)


async def test_a_link_whose_person_left_the_roster_is_not_spent(store: Store) -> None:
    _, child = await _org(store)
    zhang = await store.roster.add(child, "member", "张伟", at=NOW)
    await _make(store, (zhang, "code-zhang-002"))
    await store.roster.remove(zhang, at=NOW)
    await store.people.save(501, "Wei", None, None, "zh", at=NOW)
    assert not await store.invites.join("code-zhang-002", 501, at=NOW)
    assert (await store.invites.get("code-zhang-002")).uses_left == 1  # type: ignore[union-attr]
    assert (await store.people.get(501)).branch_id is None  # type: ignore[union-attr]


async def test_undoing_a_claim(store: Store) -> None:
    root, child = await _org(store)
    zhang = await store.roster.add(child, "member", "张伟", at=NOW)
    await _make(store, (zhang, "code-zhang-003"))
    await store.people.save(501, "Wei", None, None, "zh", at=NOW)
    await store.invites.join("code-zhang-003", 501, at=NOW)
    assert await store.links.unclaim(zhang, 999, by=1, at=NOW, reason="x", messages=[]) is None
    done = await store.links.unclaim(zhang, 501, by=1, at=NOW, reason="x", messages=[])
    assert done is not None and done.left is not None and done.left.from_branch == child
    person = await store.people.get(501)
    assert person is not None and person.branch_id is None and person.name is None
    assert (await store.roster.get(zhang)).waiting  # type: ignore[union-attr]
    assert (await store.invites.get("code-zhang-003")).revoked  # type: ignore[union-attr]
    assert await store.roster.waiting_counts(root) == {child: 1}


async def test_finding_waiting_people_by_name(store: Store) -> None:
    root, child = await _org(store)
    await store.roster.add(child, "member", "张伟", at=NOW)
    await store.roster.add(root, "member", "张伟伟", at=NOW)
    assert [p.name for p in await store.links.find_waiting(root, "张伟", NOW)] == ["张伟"]
    assert [p.name for p in await store.links.find_waiting(root, "伟", NOW)] == ["张伟", "张伟伟"]
    assert await store.links.find_waiting(child, "张伟伟", NOW) == []
