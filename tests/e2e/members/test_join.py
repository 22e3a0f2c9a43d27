"""Joining a branch by invite: valid, expired, used up, unknown, moving, already in."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.invites import create_invite
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_B1, OUTSIDER, SEC_A, Org


async def test_valid_invite_joins_with_its_role(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a1, "member")
    reply = await bot.send(OUTSIDER, f"/start {code}")
    assert "已加入「Alpha-1」" in reply.plain and "成员" in reply.plain
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None and (person.branch_id, person.role) == (org.a1, "member")


async def test_secretary_invite_is_single_use_by_default(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.b, "secretary")
    bot.user(555, "Second")
    await bot.send(OUTSIDER, f"/start {code}")
    reply = await bot.send(555, f"/start {code}")
    assert "用完" in reply.plain
    assert (await bot.store.people.get(555)).branch_id is None  # type: ignore[union-attr]
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None and person.role == "secretary"


async def test_expired_invite_changes_nothing(bot: SandboxBot, org: Org) -> None:
    old = await create_invite(bot.store, org.a, "member", created_by=None,
                              now=bot.clock.now() - timedelta(days=8))
    reply = await bot.send(OUTSIDER, f"/start {old.code}")
    assert "过期" in reply.plain
    assert (await bot.store.people.get(OUTSIDER)).branch_id is None  # type: ignore[union-attr]


async def test_invite_expires_at_its_time(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a, "member", expires_in=timedelta(hours=1))
    bot.clock.advance(hours=1)
    reply = await bot.send(OUTSIDER, f"/start {code}")
    assert "过期" in reply.plain


async def test_used_up_invite_changes_nothing(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a, "member", uses=1)
    bot.user(556, "First")
    await bot.send(556, f"/start {code}")
    reply = await bot.send(OUTSIDER, f"/start {code}")
    assert "用完" in reply.plain
    assert (await bot.store.people.get(OUTSIDER)).branch_id is None  # type: ignore[union-attr]


async def test_unknown_code_is_answered(bot: SandboxBot, org: Org) -> None:
    for code in ("doesnotexist123", "x", "<b>bad</b>", "a" * 64):
        reply = await bot.send(OUTSIDER, f"/start {code}")
        assert "邀请码无效" in reply.plain
    assert (await bot.store.people.get(OUTSIDER)).branch_id is None  # type: ignore[union-attr]


async def test_start_without_code_explains_how_to_join(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(OUTSIDER, "/start")
    assert "邀请链接" in reply.plain
    reply = await bot.send(MEM_A1, "/start")
    assert "Alpha" in reply.plain


async def test_already_member_is_told_and_use_not_spent(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a, "member", uses=1)
    reply = await bot.send(MEM_A1, f"/start {code}")
    assert "已经在「Alpha」" in reply.plain
    invite = await bot.store.invites.get(code)
    assert invite is not None and invite.uses_left == 1


async def test_moving_branch_asks_first_and_moves_on_confirm(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.b, "member")
    reply = await bot.send(MEM_A1, f"/start {code}")
    assert "Alpha" in reply.plain and "Beta" in reply.plain
    assert (await bot.store.people.get(MEM_A1)).branch_id == org.a  # type: ignore[union-attr]
    reply = await bot.press(MEM_A1, "转过去")
    assert "已加入「Beta」" in reply.plain
    assert (await bot.store.people.get(MEM_A1)).branch_id == org.b  # type: ignore[union-attr]


async def test_moving_branch_declined_changes_nothing(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.b, "member", uses=1)
    await bot.send(MEM_A1, f"/start {code}")
    reply = await bot.press(MEM_A1, "留在原处")
    assert "仍在「Alpha」" in reply.plain
    assert (await bot.store.people.get(MEM_A1)).branch_id == org.a  # type: ignore[union-attr]
    assert (await bot.store.invites.get(code)).uses_left == 1  # type: ignore[union-attr]


async def test_move_confirmed_after_invite_used_up_changes_nothing(
        bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.b, "member", uses=1)
    await bot.send(MEM_A1, f"/start {code}")
    await bot.send(OUTSIDER, f"/start {code}")  # takes the last use meanwhile
    reply = await bot.press(MEM_A1, "转过去")
    assert "用完" in reply.plain
    assert (await bot.store.people.get(MEM_A1)).branch_id == org.a  # type: ignore[union-attr]


async def test_forged_move_button_for_unknown_code_changes_nothing(
        bot: SandboxBot, org: Org) -> None:
    message = await bot.send(MEM_B1, "/me")
    bot.sandbox.user_presses(MEM_B1, message.message_id, "mv:AAAAAAAAAAAAAAAA:y", check=False)
    await bot.settle()
    assert (await bot.store.people.get(MEM_B1)).branch_id == org.b  # type: ignore[union-attr]


async def test_join_is_audited(bot: SandboxBot, org: Org) -> None:
    entries = await bot.store.audit.entries(200)
    joins = [e for e in entries if e[2] == "join" and e[1] == SEC_A]
    assert joins and joins[0][3] == org.a and joins[0][4] is True
