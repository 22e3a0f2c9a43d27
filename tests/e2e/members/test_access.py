"""Roles and scope: who may use the secretaries' commands, over which branches."""

from __future__ import annotations

import pytest

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    OUTSIDER,
    SEC_A,
    SEC_A1,
    Org,
    all_pages,
)


@pytest.mark.parametrize("command", ["/invite", "/roster", "/who", "/branch",
                                     "/branch add Sneaky", "/invite secretary"])
async def test_member_cannot_use_secretary_commands(
        bot: SandboxBot, org: Org, command: str) -> None:
    before = await bot.store.branches.count()
    reply = await bot.send(MEM_A1, command)
    assert "只有「Alpha」的书记才能使用" in reply.plain
    assert "start=" not in reply.plain
    assert await bot.store.branches.count() == before
    refused = [e for e in await bot.store.audit.entries() if e[1] == MEM_A1 and not e[4]]
    assert refused, "the refusal is recorded in the audit log"


async def test_outsider_cannot_use_secretary_commands(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(OUTSIDER, "/who")
    assert "只有支部书记才能使用 /who" in reply.plain


@pytest.mark.parametrize("command", ["/who {b}", "/roster {b}", "/branch {b}",
                                     "/invite member {b}", "/branch add {b} Sneaky"])
async def test_secretary_cannot_act_on_a_sibling_branch(
        bot: SandboxBot, org: Org, command: str) -> None:
    before = await bot.store.branches.count()
    reply = await bot.send(SEC_A, command.format(b=org.b))
    assert "不在你负责的范围内" in reply.plain
    assert "Mel" not in reply.plain and "start=" not in reply.plain
    assert await bot.store.branches.count() == before


async def test_secretary_cannot_act_on_the_branch_above(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A1, f"/who {org.a}")
    assert "不在你负责的范围内" in reply.plain


async def test_forged_invite_button_for_another_branch_is_refused(
        bot: SandboxBot, org: Org) -> None:
    menu = await bot.send(SEC_A, "/invite")
    assert ("Alpha · 成员", f"inv:{org.a}:m") in menu.button_list
    assert all(data != f"inv:{org.b}:m" for _, data in menu.button_list)
    sent_before = len(bot.sandbox.bot_messages(SEC_A))
    data = cb.Invite(org.b, "secretary").pack()
    update = bot.sandbox.user_presses(SEC_A, menu.message_id, data, check=False)
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert "不在你负责的范围内" in answer["text"] and answer.get("show_alert")
    assert len(bot.sandbox.bot_messages(SEC_A)) == sent_before  # no link was sent


async def test_demoted_secretary_old_button_is_refused(bot: SandboxBot, org: Org) -> None:
    menu = await bot.send(SEC_A, "/invite")
    await bot.store.people.set_membership(SEC_A, org.a, "member", at=bot.clock.now())
    update = bot.sandbox.user_presses(SEC_A, menu.message_id, cb.Invite(org.a, "member").pack())
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert answer.get("show_alert")
    assert "start=" not in bot.sandbox.last(SEC_A).plain


async def test_secretary_acts_on_a_sub_branch(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, f"/invite member {org.a1}")
    assert "Alpha-1" in reply.plain and "start=" in reply.plain
    reply = await bot.send(SEC_A, f"/branch add {org.a1} Deep")
    assert "Deep" in reply.plain
    tree = [n.name for n in await bot.store.branches.subtree(org.a)]
    assert tree == ["Alpha", "Alpha-1", "Deep"]


async def test_invite_button_gives_a_working_link(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/invite")
    reply = await bot.press(SEC_A, cb.Invite(org.a1, "member").pack())
    link = next(line for line in reply.plain.splitlines() if "start=" in line)
    assert link.startswith("https://t.me/frontline_sandbox_bot?start=")
    code = link.rsplit("=", 1)[1]
    joined = await bot.send(OUTSIDER, f"/start {code}")
    assert "Alpha-1" in joined.plain


async def test_admin_acts_everywhere(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(ADMIN, f"/who {org.b}")
    assert "Beta" in reply.plain
    reply = await bot.send(ADMIN, "/branch")
    assert all(name in reply.plain for name in ("Root", "Alpha", "Alpha-1", "Beta"))


async def test_who_lists_exactly_the_missing_members_of_the_subtree(
        bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    await bot.send(SEC_A1, "/checkin on_duty")
    await bot.send(MEM_B1, "/checkin on_duty")
    reply = await bot.send(SEC_A, "/who")
    text = reply.plain
    # Missing in A's subtree: SEC_A (Sa), MEM_A2 (Max), MEM_A1X (Mo).
    for name in ("Sa", "Max", "Mo"):
        assert f"• {name} @{name.lower()}" in text
    for name in ("Mia", "Sb", "Mel", "Sc", "Ada", "Otto"):
        assert f"• {name} " not in text
    assert "3/5" in text
    assert "在岗 2" in text


async def test_who_when_everyone_is_in(bot: SandboxBot, org: Org) -> None:
    for user in (SEC_A1, MEM_A1X):
        await bot.send(user, "/checkin on_duty")
    reply = await bot.send(SEC_A1, "/who")
    assert "全部 2 人都已报到" in reply.plain


async def test_roster_shows_the_subtree_with_status(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A2, "/checkin unwell 发烧")
    reply = await bot.send(SEC_A, "/roster")
    text = reply.plain
    assert "Max @max：🤒 身体不适 — 发烧" in text
    assert "Sa @sa · 书记：❔ 未报到" in text
    assert "Mo @mo" in text and "Mel" not in text


async def test_bad_branch_arguments_are_answered(bot: SandboxBot, org: Org) -> None:
    assert "不是支部编号" in (await bot.send(SEC_A, "/who abc")).plain
    assert "没有编号为 999" in (await bot.send(SEC_A, "/who 999")).plain
    assert "太长" in (await bot.send(SEC_A, "/branch add " + "x" * 65)).plain
    assert "用法" in (await bot.send(SEC_A, "/invite boss")).plain


async def test_long_rosters_are_paged_under_telegram_limit(bot: SandboxBot, org: Org) -> None:
    now = bot.clock.now()
    for i in range(400):
        user_id = 10_000 + i
        await bot.store.people.save(user_id, f"Member number {i:03d}", "Longname", None, "zh",
                                    at=now)
        await bot.store.people.set_membership(user_id, org.a1, "member", at=now)
    before = len(bot.sandbox.bot_messages(SEC_A1))
    await bot.send(SEC_A1, "/roster")
    assert len(bot.sandbox.bot_messages(SEC_A1)) == before + 1  # one message, in pages
    pages = await all_pages(bot, SEC_A1)
    assert len(pages) >= 2 and all(len(page) <= 4096 for page in pages)
    text = "\n".join(pages)
    assert "Member number 000" in text and "Member number 399" in text
    assert bot.sandbox.refused == []


async def test_branch_names_are_escaped_in_refusals(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(ADMIN, f"/branch add {org.b} <Beta & Co>")
    new_id = int(reply.plain.split("#")[1].split(")")[0].split("）")[0])
    reply = await bot.send(SEC_A, f"/who {new_id}")
    assert "「<Beta & Co>」不在你负责的范围内" in reply.plain
    menu = await bot.send(SEC_A, "/invite")
    data = cb.Invite(new_id, "member").pack()
    update = bot.sandbox.user_presses(SEC_A, menu.message_id, data, check=False)
    await bot.settle()
    assert "<Beta & Co>" in bot.sandbox.callback_answers[update["callback_query"]["id"]]["text"]
