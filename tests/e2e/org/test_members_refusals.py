"""Every press of a change's buttons is checked again against the database: a member, a
secretary of a sibling branch, forged data and a stale button (made before the member moved,
or pressed twice, or a name the bot no longer keeps) are refused with an alert, audited, and
change nothing."""

from __future__ import annotations

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from tests.e2e.org.steps import alerts, audited, confirm
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, MEM_A2, SEC_A, SEC_B, Org, t


async def _press(bot: SandboxBot, user: int, data: str) -> None:
    """Press forged data under the user's last message (as a modified client could)."""
    message = bot.sandbox.last(user)
    bot.sandbox.user_presses(user, message.message_id, data, check=False)
    await bot.settle()


async def _unchanged(bot: SandboxBot, org: Org) -> None:
    mia = await bot.store.people.get(MEM_A1)
    assert mia is not None and (mia.branch_id, mia.role, mia.name, mia.phone) == (
        org.a, "member", None, None)


async def test_a_member_and_a_sibling_secretary_pressing_forged_buttons(
        bot: SandboxBot, org: Org) -> None:
    forged = [cb.MemberChange(MEM_A1, org.a, "remove", 0), cb.MemberChange(
        MEM_A1, org.a, "move", org.b), cb.MemberChange(MEM_A1, org.a, "secretary", 0),
        cb.MemberPhone(MEM_A1, org.a, "13800138000"), cb.MemberCard(MEM_A1, org.a, "remove"),
        cb.MemberMoveTo(MEM_A1, org.a, "pick", org.b)]
    denied = t("deny.outside_scope", branch="Alpha")
    for user in (MEM_A2, SEC_B):
        await bot.send(user, "/me")
        for button in forged:
            await _press(bot, user, button.pack())
            assert alerts(bot)[-1] == denied, (user, button)
    await _unchanged(bot, org)
    refused = [e for e in await bot.store.audit.entries(200) if not e[4]]
    assert {(e[1], e[2]) for e in refused} >= {
        (MEM_A2, "member_remove"), (SEC_B, "member_move"), (SEC_B, "member_phone")}
    await bot.drain()
    assert not [m for m in bot.sandbox.bot_messages(MEM_A1) if "Beta" in m.plain]


async def test_a_secretary_cannot_move_a_member_out_of_their_reach(bot: SandboxBot,
                                                                   org: Org) -> None:
    """Alpha's secretary, with a button naming Beta (a sibling), is refused; Beta is not
    theirs."""
    await bot.send(SEC_A, "/member mia")
    await _press(bot, SEC_A, cb.MemberChange(MEM_A1, org.a, "move", org.b).pack())
    assert alerts(bot)[-1] == t("deny.outside_scope", branch="Beta")
    (entry, *_) = await audited(bot, "member_move")
    assert entry[:3] == (SEC_A, org.b, False)
    await _unchanged(bot, org)


async def test_stale_buttons_change_nothing(bot: SandboxBot, org: Org) -> None:
    # A removal asked, then Mo moved from Alpha-1 to Alpha: the old confirmation is stale.
    asked = await bot.send(SEC_A, "/remove mo")
    await bot.send(ADMIN, f"/move mo {org.a}")
    await confirm(bot, ADMIN)
    bot.sandbox.user_presses(SEC_A, asked.message_id, asked.button_list[0][1] or "",
                             check=False)
    await bot.settle()
    assert alerts(bot)[-1] == t("member.stale")
    mo = await bot.store.people.get(MEM_A1X)
    assert mo is not None and mo.branch_id == org.a
    (entry, *_) = await audited(bot, "member_remove")
    assert entry[:3] == (SEC_A, org.a, False)
    # Pressed twice: the second press finds the change made.
    first = await bot.send(SEC_A, "/role mia 书记")
    second = await bot.send(SEC_A, "/role mia 书记")
    bot.sandbox.user_presses(SEC_A, first.message_id, first.button_list[0][1] or "")
    await bot.settle()
    bot.sandbox.user_presses(SEC_A, second.message_id, second.button_list[0][1] or "")
    await bot.settle()
    assert alerts(bot)[-1] == t("member.already_secretary", name="Mia", branch="Alpha")
    assert len([e for e in await audited(bot, "role") if e[2]]) == 1
    # A new name the bot no longer keeps (a restart): stale.
    await bot.send(SEC_A, "/member max")
    await _press(bot, SEC_A, cb.MemberChange(MEM_A2, org.a, "name", 12345).pack())
    assert alerts(bot)[-1] == t("member.stale")
    max_ = await bot.store.people.get(MEM_A2)
    assert max_ is not None and max_.name is None
    # Data that is no button's is answered as stale and touches nothing.
    await _press(bot, SEC_A, "mb:ok:301:2:zz:0")
    assert await bot.store.people.get(MEM_A2) == max_
