"""Moving to another branch by invite: the old branch's households, teams and open tasks are
let go in the same transaction, the old branch's secretaries are told, and the member loses
access at once (commands, old buttons, a need for a household)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from bot.rules import callbacks as cb
from bot.rules import moves
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
)


def _home(label: str, responsible: int, backup: int | None = None) -> HouseholdInput:
    return HouseholdInput(zone="East", label=label, address=f"{label} Lake Rd", people=2,
                          notes="", responsible_id=responsible, vulnerable=False,
                          backup_id=backup)


@dataclass
class Seeded:
    homes: dict[str, int]
    shock: int  # Alpha's team, with Mia and Max
    root_team: int  # Root's team, with Mia
    alpha_task: int  # Alpha's task for Mia (pending) and Max
    accepted_task: int  # Alpha's task Mia accepted
    root_task: int  # Root's task for Mia


async def _seed(bot: SandboxBot, org: Org) -> Seeded:
    """Alpha's zone East: Mia (MEM_A1) is responsible for 1-101 (backup Max), 1-102 (no
    backup), 1-105 (backup Mo, of Alpha-1 below Alpha), backs up 1-103 (Max's); Max is
    unwell and his households 1-103 and 1-104 are handed to Mia."""
    store, now = bot.store, bot.clock.now()
    await store.households.upsert(org.a, [
        _home("1-101", MEM_A1, MEM_A2), _home("1-102", MEM_A1), _home("1-103", MEM_A2, MEM_A1),
        _home("1-104", MEM_A2), _home("1-105", MEM_A1, MEM_A1X)], at=now - timedelta(days=1))
    homes = {h.label: h.id for h in await store.households.of_branch(org.a)}
    await store.checkins.record(MEM_A2, org.a, now.date(), "unwell", at=now)
    assert await store.duty.hand_over(MEM_A2, MEM_A1, at=now) == 2
    shock = await store.teams.create(org.a, "Shock", created_by=SEC_A, at=now)
    root_team = await store.teams.create(org.root, "Reserve", created_by=ADMIN, at=now)
    assert shock is not None and root_team is not None
    for team, member in ((shock, MEM_A1), (shock, MEM_A2), (root_team, MEM_A1)):
        await store.teams.add_member(team, member, at=now)

    async def task(branch: int, by: int, title: str, assignees: list[int]) -> int:
        return await store.tasks.create(
            branch_id=branch, created_by=by, title=title, details=None, due_at=None,
            need_id=None, team_id=None, assignees=assignees, messages=[], placeholder="#",
            at=now)

    alpha = await task(org.a, SEC_A, "Deliver rice", [MEM_A1, MEM_A2])
    accepted = await task(org.a, SEC_A1, "Check the well", [MEM_A1])
    assert await store.tasks.answer_assignment(accepted, MEM_A1, accept=True, reason=None, at=now)
    root = await task(org.root, SEC_A, "City-wide drill", [MEM_A1])
    return Seeded(homes, shock, root_team, alpha, accepted, root)


async def _move(bot: SandboxBot, user: int, branch: int) -> str:
    code = await bot.invite_code(branch, "member")
    await bot.send(user, f"/start {code}")
    answer = await bot.press(user, "转过去")
    return answer.plain


def _alerts(bot: SandboxBot) -> list[str]:
    return [c["text"] for c in bot.sandbox.calls_of("answerCallbackQuery") if c.get("show_alert")]


async def test_households_teams_and_tasks_are_let_go_in_one_move(bot: SandboxBot,
                                                                org: Org) -> None:
    seeded = await _seed(bot, org)
    store, t = bot.store, bot.services.translate
    welcome = await _move(bot, MEM_A1, org.b)
    assert "已加入「Beta」" in welcome
    # 1-101, 1-102, 1-105 (responsible), 1-103 (backup), 1-103 and 1-104 (handed to her).
    assert t("zh", "move.you", households=6, teams=1, tasks=2) in welcome
    homes = {h.label: h for h in await store.households.of_branch(org.a)}
    assert (homes["1-101"].responsible_id, homes["1-101"].backup_id) == (MEM_A2, None)
    assert homes["1-102"].responsible_id is None
    assert (homes["1-105"].responsible_id, homes["1-105"].backup_id) == (MEM_A1X, None)
    assert (homes["1-103"].responsible_id, homes["1-103"].backup_id) == (MEM_A2, None)
    assert homes["1-103"].handed_to is None and homes["1-104"].handed_to is None
    assert await store.households.of_member(MEM_A1) == []
    # Teams: Alpha's left, Root's kept (Beta is below Root); so are Root's tasks.
    teams = {team.name: {m.member_id for m in team.members}
             for team in await store.teams.in_subtree(org.root)}
    assert teams == {"Shock": {MEM_A2}, "Reserve": {MEM_A1}}
    reason = t("zh", "move.declined_reason", branch="Beta")
    for task in (seeded.alpha_task, seeded.accepted_task):
        part = await store.tasks.assignment(task, MEM_A1)
        assert part is not None and (part.state, part.decline_reason) == ("declined", reason)
    other = await store.tasks.assignment(seeded.alpha_task, MEM_A2)
    assert other is not None and other.state == "pending"
    root_part = await store.tasks.assignment(seeded.root_task, MEM_A1)
    assert root_part is not None and root_part.state == "pending"
    assert [task.id for task, _ in await store.tasks.open_of(MEM_A1)] == [seeded.root_task]
    # The audit log says what was let go.
    move = next(e for e in await store.audit.entries() if e[2] == "move")
    assert move[1] == MEM_A1 and move[3] == org.a
    assert json.loads(move[5] or "{}") == {
        "member": MEM_A1, "to": org.b, "role": "member", "to_backup": 2, "unattended": 1,
        "backup_dropped": 1, "released": 2, "teams": 1,
        "withdrawn": [seeded.alpha_task, seeded.accepted_task]}


async def test_the_old_branch_is_told_and_sees_the_households_unattended(
        bot: SandboxBot, org: Org) -> None:
    seeded = await _seed(bot, org)
    t = bot.services.translate
    await _move(bot, MEM_A1, org.b)
    await bot.drain()
    notice = next(m for m in bot.sandbox.bot_messages(SEC_A) if "🔀" in m.plain)
    lines = notice.plain.splitlines()
    assert lines[0] == "🔀 Mia 已从「Alpha」调到「Beta」。"
    assert "• 2 户改由备岗人负责：Max、Mo" in lines
    assert "• 1 户暂无责任人，请重新指定（/household add 或重新导入）" in lines
    assert lines[-1] == f"Mia 即刻起不再能查看和登记这些住户。查看覆盖情况：/coverage {org.a}"
    assert f"#{seeded.alpha_task} Deliver rice" in notice.plain
    # Only Alpha's secretary (the nearest) is told; Sb assigned a task and hears of it.
    assert not any("🔀" in m.plain for m in bot.sandbox.bot_messages(SEC_B))
    assert not any("🔀" in m.plain for m in bot.sandbox.bot_messages(MEM_A1))
    withdrawn = t("zh", "move.task_withdrawn", id=seeded.accepted_task, title="Check the well",
                  name="Mia", branch="Beta")
    assert bot.sandbox.last(SEC_A1).text == withdrawn
    assert bot.sandbox.last(MEM_A1X).plain.startswith(
        "🏠 Mia 已调往「Beta」，你在「Alpha」备岗的 1 户")
    # /coverage counts as unattended the household nobody is responsible for, and Max's
    # three (1-101 is his now; he is unwell and nobody holds or backs them up).
    report = await bot.send(SEC_A, "/coverage")
    assert "无人照看 4" in report.plain.splitlines()[1]
    assert t("zh", "coverage.unassigned", n=1) == report.text.splitlines()[2]
    zones = {z.name: z.id for z in await bot.store.zones.of_branch(org.a)}
    listing = await bot.press(SEC_A, cb.CoverageView("zone", zones['East']).pack())
    assert "1-102 · 无人负责" in listing.plain
    digest = await bot.send(SEC_A, "/digest")
    assert t("zh", "coverage.digest_unassigned", n=1) in digest.text


async def test_the_moved_member_loses_access_at_once(bot: SandboxBot, org: Org) -> None:
    seeded = await _seed(bot, org)
    homes = seeded.homes
    listing = await bot.send(MEM_A1, "/visit")  # the household buttons, before the move
    assert f"vs:hh:{homes['1-102']}" in [d for _, d in listing.button_list]
    await bot.press(MEM_A1, cb.VisitHousehold(homes['1-101']).pack())
    await bot.press(MEM_A1, cb.VisitOutcome(homes['1-101'], "needs_help").pack())
    receipt = await bot.press(MEM_A1, cb.VisitSkip(homes['1-101']).pack())
    assert next(d for _, d in receipt.button_list).startswith(f"nd:hh:{homes['1-101']}:")
    await bot.press(MEM_A1, cb.NeedForHousehold(homes['1-101'], "food").pack())
    await bot.press(MEM_A1, cb.NeedUrgencyChoice("urgent").pack())
    await bot.send(MEM_A1, "两袋米")  # details; the address is the household's
    confirm = bot.sandbox.last(MEM_A1)
    assert "nd:ok" in [d for _, d in confirm.button_list]
    # She moves (the use case, as /start does) while the need waits to be confirmed.
    outcome = await moves.join_by_invite(bot.store, bot.services.translate,
                                         await bot.invite_code(org.b), MEM_A1,
                                         now=bot.clock.now())
    assert outcome is not None and outcome.moved
    await bot.press(MEM_A1, cb.NeedStep("ok").pack())
    assert _alerts(bot)[-1] == bot.services.translate("zh", "visit.not_yours")
    assert "两袋米" not in (await bot.send(MEM_A1, "/needs")).plain  # no need was saved
    answer = await bot.send(MEM_A1, "/households")
    assert answer.plain == bot.services.translate("zh", "zone.households.none")
    answer = await bot.send(MEM_A1, "/visit")
    assert "1-10" not in answer.plain and "Lake Rd" not in answer.plain
    # The old list's buttons re-check against the database.
    bot.sandbox.user_presses(MEM_A1, listing.message_id, cb.VisitHousehold(homes['1-102']).pack(),
                             check=False)
    await bot.settle()
    assert _alerts(bot)[-1] == bot.services.translate("zh", "visit.not_yours")
    data = cb.NeedForHousehold(homes["1-101"], "food").pack()
    bot.sandbox.user_presses(MEM_A1, receipt.message_id, data, check=False)
    await bot.settle()
    assert _alerts(bot)[-1] == bot.services.translate("zh", "visit.not_yours")
    assert await bot.store.households.visits(homes["1-101"]) != []  # the visit itself stays


async def test_moving_below_keeps_what_belongs_above(bot: SandboxBot, org: Org) -> None:
    """Alpha-1 lies within Alpha: a member moving there keeps Alpha's households, teams and
    tasks; moving up from Alpha-1 to Alpha lets Alpha-1's go."""
    seeded = await _seed(bot, org)
    await bot.store.households.upsert(org.a1, [HouseholdInput(
        "North", "3-301", "3-301 Hill Rd", 1, "", MEM_A1X, False, MEM_A1)], at=bot.clock.now())
    welcome = await _move(bot, MEM_A1, org.a1)
    assert "交回" not in welcome
    assert {h.label for h in await bot.store.households.of_member(MEM_A1)} == {
        "1-101", "1-102", "1-103", "1-104", "1-105", "3-301"}
    part = await bot.store.tasks.assignment(seeded.alpha_task, MEM_A1)
    assert part is not None and part.state == "pending"
    await bot.drain()
    assert bot.sandbox.last(SEC_A).plain == \
        "🔀 Mia 已从「Alpha」调到「Alpha-1」。"  # nothing let go: Alpha-1 is within Alpha
    await _move(bot, MEM_A1, org.a)  # back up: Alpha-1's household goes, Alpha's stay
    assert {h.label for h in await bot.store.households.of_member(MEM_A1)} == {
        "1-101", "1-102", "1-103", "1-104", "1-105"}
    north = next(h for h in await bot.store.households.of_branch(org.a1))
    assert (north.responsible_id, north.backup_id) == (MEM_A1X, None)
    await bot.drain()
    assert bot.sandbox.last(SEC_A1).plain.splitlines() == [
        "🔀 Mia 已从「Alpha-1」调到「Alpha」。", "• 1 户不再有备岗人",
        f"Mia 即刻起不再能查看和登记这些住户。查看覆盖情况：/coverage {org.a1}"]


async def test_the_notice_is_in_each_secretarys_language() -> None:
    async with make_bot() as bot:
        org = await build_org(bot, english=(SEC_A,))
        await _seed(bot, org)
        await _move(bot, MEM_A1, org.b)
        await bot.drain()
        notice = next(m for m in bot.sandbox.bot_messages(SEC_A) if "🔀" in m.plain)
        assert notice.plain.splitlines()[0] == "🔀 Mia moved from “Alpha” to “Beta”."
        assert "• 1 household has no responsible member now" in notice.plain
        assert "• 2 households go to the backup: Max, Mo" in notice.plain
        assert notice.plain.splitlines()[-1] == (
            f"Mia can no longer see or log these households. Coverage: /coverage {org.a}")


async def test_a_first_join_and_a_promotion_let_nothing_go(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    code = await bot.invite_code(org.a, "secretary")
    answer = await bot.send(MEM_A1, f"/start {code}")  # promoted in her own branch
    assert "已加入「Alpha」" in answer.plain
    assert len(await bot.store.households.of_member(MEM_A1)) == 5
    assert not [e for e in await bot.store.audit.entries() if e[2] == "move"]
