"""`/remove` (and the card's Remove): the member leaves the roster and counts nowhere; what they
held is let go as in a move (households to their backup, or unattended; teams left; open
tasks withdrawn, their givers told); their history stays, and is whole in /record when they
come back; they are told, and so are their branch's secretaries."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.e2e.org.steps import audited, confirm
from tests.helpers import (
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    SEC_A,
    SEC_A1,
    Org,
    build_org,
    make_bot,
    t,
)


async def _seed(bot: SandboxBot, org: Org) -> int:
    """Mia: responsible for 1-101 (backup Max) and 1-102 (none), in Alpha's team, on a task
    of Sb's, checked in yesterday and commended; the task's id."""
    store, now = bot.store, bot.clock.now()
    await store.households.upsert(org.a, [
        HouseholdInput("East", "1-101", "Lake Rd 1", 2, "", MEM_A1, False, MEM_A2),
        HouseholdInput("East", "1-102", "Lake Rd 2", 1, "", MEM_A1, False, None)],
        at=now - timedelta(days=1))
    team = await store.teams.create(org.a, "Shock", created_by=SEC_A, at=now)
    assert team is not None
    await store.teams.add_member(team, MEM_A1, at=now)
    task = await store.tasks.create(
        branch_id=org.a, created_by=SEC_A1, title="Deliver rice", details=None, due_at=None,
        need_id=None, team_id=None, assignees=[MEM_A1, MEM_A2], messages=[], placeholder="#",
        at=now)
    await store.checkins.record(MEM_A1, org.a, (now - timedelta(days=1)).date(), "on_duty",
                                at=now - timedelta(days=1))
    await bot.send(SEC_A, "/commend mia 连夜送药")
    return task


async def test_a_removed_member_lets_go_and_keeps_their_history(bot: SandboxBot,
                                                                org: Org) -> None:
    task = await _seed(bot, org)
    asked = await bot.send(SEC_A, "/remove mia")
    assert asked.plain.splitlines()[0] == t("member.confirm_remove", name="Mia",
                                            branch="Alpha").splitlines()[0]
    done = await confirm(bot, SEC_A)
    lines = done.plain.splitlines()
    assert lines[0] == t("member.removed", name="Mia", old="Alpha")
    assert t("move.to_backup", n=1, names="Max") in lines
    assert t("move.unattended", n=1) in lines
    # Out of the roster, counted nowhere.
    person = await bot.store.people.get(MEM_A1)
    assert person is not None and person.branch_id is None
    roster = await bot.send(SEC_A, "/roster")
    assert "Mia" not in roster.plain and "Max" in roster.plain
    assert "Mia" not in (await bot.send(SEC_A, "/who")).plain
    # Let go: the households (backup, or unattended), the team, the open task.
    homes = {h.label: h for h in await bot.store.households.of_branch(org.a)}
    assert (homes["1-101"].responsible_id, homes["1-101"].backup_id) == (MEM_A2, None)
    assert homes["1-102"].responsible_id is None
    teams = {team.name: [m.member_id for m in team.members]
             for team in await bot.store.teams.in_subtree(org.root)}
    assert teams == {"Shock": []}
    part = await bot.store.tasks.assignment(task, MEM_A1)
    assert part is not None and (part.state, part.decline_reason) == (
        "declined", t("member.declined_reason", branch="Alpha"))
    (entry, *_) = await audited(bot, "remove")
    assert entry[:3] == (SEC_A, org.a, True)
    assert entry[3] == {
        "member": MEM_A1, "role": "member", "to_backup": 1, "unattended": 1,
        "backup_dropped": 0, "released": 0, "teams": 1, "withdrawn": [task]}
    await bot.drain()
    assert bot.sandbox.last(MEM_A1).plain == t("member.told_removed", by="Sa", old="Alpha")
    assert bot.sandbox.last(MEM_A2).plain == t("member.backup_now_responsible", name="Mia",
                                               old="Alpha", n=1)
    assert bot.sandbox.last(SEC_A1).plain == t(
        "member.task_withdrawn", id=task, title="Deliver rice", name="Mia", old="Alpha")
    # Her history stays: when she joins again, /record shows yesterday and the commendation.
    await bot.join(MEM_A1, org.a)
    record = await bot.send(MEM_A1, "/record")
    assert "报到：1/7 天" in record.plain and "连夜送药" in record.plain


async def test_removing_in_english_tells_the_secretaries_of_the_branch() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A, SEC_A1, MEM_A1X))
        asked = await bot.send(SEC_A, "/remove mo")
        assert asked.plain.splitlines()[0] == t("member.confirm_remove", "en", name="Mo",
                                                branch="Alpha-1").splitlines()[0]
        done = await confirm(bot, SEC_A, "en")
        assert done.plain == t("member.removed", "en", name="Mo", old="Alpha-1")
        await bot.drain()
        assert bot.sandbox.last(MEM_A1X).plain == t("member.told_removed", "en", by="Sa",
                                                    old="Alpha-1")
        assert bot.sandbox.last(SEC_A1).plain == t("member.removed_notice", "en", name="Mo",
                                                   by="Sa", old="Alpha-1")
        assert "Mo" not in (await bot.send(SEC_A1, "/roster")).plain


async def test_the_cards_remove_button_and_the_last_secretary(bot: SandboxBot,
                                                              org: Org) -> None:
    card = await bot.send(SEC_A, "/member sb")
    asked = await bot.press(SEC_A, t("member.button_remove"))
    assert asked.message_id != card.message_id  # the card stays
    assert asked.plain.splitlines()[-1] == t("member.last_secretary", name="Sb",
                                             branch="Alpha-1")
    cancelled = await bot.press(SEC_A, t("member.no"))
    assert cancelled.plain == t("member.cancelled")
    person = await bot.store.people.get(SEC_A1)
    assert person is not None and person.branch_id == org.a1
    await bot.press(SEC_A, t("member.button_remove"))
    await confirm(bot, SEC_A)
    assert await bot.store.people.branch_secretaries(org.a1) == []
    # Nobody removes themself: that is /leave (and the own card has no such button).
    assert (await bot.send(SEC_A, "/remove sa")).plain == t("member.use_leave")
    own = await bot.send(SEC_A, "/member sa")
    assert t("member.button_remove") not in [label for label, _ in own.button_list]
