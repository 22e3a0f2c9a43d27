"""The storage of a secretary's changes to a member: a removal lets go of everything in one
transaction with the membership, its audit entry and its messages, and keeps the history; a
role, a name or a phone changes only if the member is still in the branch asked about, and
only with its audit entry and messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storage.households import HouseholdInput
from storage.rows import NewMessage
from storage.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SEC, MIA, MAX = 10, 11, 12


async def _org(store: Store) -> tuple[int, int]:
    root = await store.branches.create("Root", None, at=NOW)
    a = await store.branches.create("Alpha", root, at=NOW)
    for user, name, role in ((SEC, "Sa", "secretary"), (MIA, "Mia", "member"),
                             (MAX, "Max", "member")):
        await store.people.save(user, name, None, name.lower(), "zh", at=NOW)
        await store.people.set_membership(user, a, role, at=NOW)
    return root, a


async def test_a_removal_lets_go_of_everything_and_keeps_the_history(store: Store) -> None:
    root, a = await _org(store)
    await store.households.upsert(a, [
        HouseholdInput("East", "1", "Rd 1", 1, "", MIA, False, MAX),
        HouseholdInput("East", "2", "Rd 2", 1, "", MIA, False, None),
        HouseholdInput("East", "3", "Rd 3", 1, "", MAX, False, MIA)], at=NOW)
    team = await store.teams.create(root, "Reserve", created_by=SEC, at=NOW)
    assert team is not None
    await store.teams.add_member(team, MIA, at=NOW)  # a team of Root: a move would keep it
    await store.checkins.record(MIA, a, NOW.date(), "on_duty", at=NOW)
    outcome = await store.moves.remove_member(
        MIA, branch_id=a, by=SEC, at=NOW, action="remove", decline_reason="gone",
        compose=lambda o: [NewMessage(MIA, MIA, f"{o.households} let go")])
    assert outcome is not None and outcome.removed and outcome.moved
    assert (outcome.to_backup, outcome.unattended, outcome.backup_dropped) == ({MAX: 1}, 1, 1)
    assert outcome.teams == ["Reserve"]
    person = await store.people.get(MIA)
    assert person is not None and person.branch_id is None
    homes = {h.label: (h.responsible_id, h.backup_id)
             for h in await store.households.of_branch(a)}
    assert homes == {"1": (MAX, None), "2": (None, None), "3": (MAX, None)}
    assert await store.checkins.latest_status(MIA) == "on_duty"  # the history stays
    (item,) = await store.outbox.pending()
    assert (item.kind, item.chat_id, item.text) == ("remove", MIA, "2 let go")
    entry = (await store.audit.entries())[0]
    assert entry[1:5] == (SEC, "remove", a, True)
    assert json.loads(entry[5] or "{}")["unattended"] == 1
    # Not in that branch any more: nothing happens again.
    assert await store.moves.remove_member(
        MIA, branch_id=a, by=SEC, at=NOW, action="remove", decline_reason="gone",
        compose=lambda o: []) is None
    assert len(await store.outbox.pending()) == 1


async def test_a_change_needs_the_member_in_the_branch_asked_about(store: Store) -> None:
    root, a = await _org(store)
    told = [NewMessage(MIA, MIA, "told")]
    assert not await store.people.set_role(MIA, branch_id=root, role="secretary", by=SEC,
                                           at=NOW, messages=told)
    assert not await store.people.set_name(MIA, branch_id=root, name="米娅", by=SEC, at=NOW,
                                           messages=told)
    assert not await store.people.set_role(MIA, branch_id=a, role="member", by=SEC, at=NOW,
                                           messages=told)  # a member already
    assert await store.outbox.pending() == [] and await store.audit.entries() == []
    assert await store.people.set_role(MIA, branch_id=a, role="secretary", by=SEC, at=NOW,
                                       messages=told)
    assert await store.people.set_name(MIA, branch_id=a, name="米娅", by=SEC, at=NOW,
                                       messages=told)
    assert not await store.people.set_name(MIA, branch_id=a, name="米娅", by=SEC, at=NOW,
                                           messages=told)  # the same name: nothing
    assert await store.people.set_phone(MIA, branch_id=a, phone="13800138000", by=SEC,
                                        at=NOW, messages=[])
    person = await store.people.get(MIA)
    assert person is not None
    assert (person.role, person.display_name, person.phone) == ("secretary", "米娅",
                                                                "13800138000")
    assert [e[2] for e in await store.audit.entries()] == ["phone", "rename", "role"]
    assert [i.kind for i in await store.outbox.pending()] == ["role", "rename"]
    assert await store.people.joined_at(MIA) == NOW
