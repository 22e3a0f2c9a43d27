"""The task and team use cases called directly on the running bot's parts: what each writes,
audits and wakes (the handlers only render what they return; test_tasks.py drives those)."""

from __future__ import annotations

from bot.rules import task_cases, teams
from bot.rules.tasks import Draft
from bot.rules.teams import Membership
from bot.sandbox.harness import SandboxBot
from storage.rows import Recipient
from storage.tasks import TaskRow
from tests.e2e.counting import Counting
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, MEM_B1, OUTSIDER, SEC_A, Org


async def audited(bot: SandboxBot, action: str) -> int:
    return sum(e[2] == action and e[4] for e in await bot.store.audit.entries(200))


async def test_team_changes_are_audited_once_each(bot: SandboxBot, org: Org) -> None:
    d = Counting(bot)
    team_id = await teams.create_team(d, by=SEC_A, branch_id=org.a, name="Shock")
    assert team_id is not None
    assert await teams.create_team(d, by=SEC_A, branch_id=org.a, name="Shock") is None
    team = await teams.in_subtree_by_id(bot.store, org.a, team_id)
    assert team is not None and await teams.in_subtree_by_id(bot.store, org.b, team_id) is None
    outcomes = [(await teams.change_membership(d, by=SEC_A, team=team, who=who, add=add)).outcome
                for who, add in (("@mia", True), ("Mia", True), ("Zed", False),
                                 ("@mel", True), ("Mia", False), ("Mia", False))]
    assert outcomes == [Membership.ADDED, Membership.ALREADY_IN, Membership.NO_MEMBER,
                        Membership.NO_MEMBER, Membership.REMOVED, Membership.NOT_IN]
    await teams.delete_team(d, by=SEC_A, team=team)
    assert await teams.in_subtree(bot.store, org.a) == []
    for action in ("team_create", "team_add", "team_remove", "team_delete"):
        assert await audited(bot, action) == 1, action
    assert d.wakes == 0  # nobody is told of a team's change


async def test_a_name_two_members_share_changes_nothing(bot: SandboxBot, org: Org) -> None:
    bot.user(MEM_A2 + 50, "Mia", username="mia2")
    await bot.join(MEM_A2 + 50, org.a, "member")
    d = Counting(bot)
    team_id = await teams.create_team(d, by=SEC_A, branch_id=org.a, name="Shock")
    assert team_id is not None
    team = await teams.in_subtree_by_id(bot.store, org.a, team_id)
    assert team is not None
    change = await teams.change_membership(d, by=SEC_A, team=team, who="mia", add=True)
    assert change.outcome is Membership.AMBIGUOUS
    assert sorted(m.member_id for m in change.matches) == [MEM_A1, MEM_A2 + 50]
    assert await audited(bot, "team_add") == 0


def draft(org: Org, *selected: int) -> Draft:
    return Draft(org.a, "Alpha", "Asia/Shanghai", "Sa", title="Deliver rice",
                 selected=list(selected))


async def test_assign_gives_the_task_only_to_members_of_the_subtree(bot: SandboxBot,
                                                                    org: Org) -> None:
    d = Counting(bot)
    nobody = await task_cases.assign(d, draft(org, OUTSIDER, MEM_B1), by=SEC_A)
    assert nobody == task_cases.Assigned(None, 0)
    assert d.wakes == 0 and await audited(bot, "assign") == 0
    done = await task_cases.assign(d, draft(org, MEM_A1, OUTSIDER, MEM_A1X, MEM_B1), by=SEC_A)
    assert done.task_id is not None and done.assignees == 2
    assert d.wakes == 1 and await audited(bot, "assign") == 1
    parts = (await task_cases.progress(bot.store, await _task(bot, done.task_id))).parts
    assert sorted(p.member_id for p in parts) == [MEM_A1, MEM_A1X]


async def _task(bot: SandboxBot, task_id: int) -> TaskRow:
    task = await task_cases.get(bot.store, task_id)
    assert task is not None
    return task


async def test_answers_wake_the_outbox_only_when_they_changed_something(
        bot: SandboxBot, org: Org) -> None:
    d = Counting(bot)
    assigned = await task_cases.assign(d, draft(org, MEM_A1, MEM_A2), by=SEC_A)
    assert assigned.task_id is not None
    task = await _task(bot, assigned.task_id)
    d.wakes = 0
    max_ = Recipient(MEM_A2, "Max", None, None)
    assert await task_cases.decline(d, task, max_, "sick")
    assert not await task_cases.decline(d, task, max_, "again")  # not pending any more
    assert d.wakes == 1
    assert await task_cases.accept(d, task, MEM_A1)
    assert not await task_cases.accept(d, task, MEM_A1)
    assert d.wakes == 1  # an acceptance tells nobody
    assert await task_cases.finish(d, task, MEM_A1, note="ok", proof_file_id=None) == \
        task_cases.Finished(recorded=True, closed=True)
    assert await task_cases.finish(d, task, MEM_A1, note="ok", proof_file_id=None) == \
        task_cases.Finished(recorded=False, closed=False)
    assert d.wakes == 2
    assert not await task_cases.close(d, await _task(bot, task.id), "cancelled", by=SEC_A)
    assert d.wakes == 2 and await audited(bot, "task_cancelled") == 0
    assert [row[0].id for row in await task_cases.open_parts(bot.store, MEM_A1)] == []
    assert await task_cases.author(bot.store, task) == "Sa"
